#pragma once
// DumpModel: the records of a log directory opened read-only (File > Open data directory),
// as core/wal's verifier reads them: index, generation, type, client/seq, key, value, the
// payload size. Holds at most `capacity` rows; the dialog says when there were more.
#include <string>
#include <vector>

#include "core/node/node_view.h"
#include "ui/model/column_model.h"

namespace qlab::ui {

class DumpModel : public ColumnModel {
  Q_OBJECT
 public:
  enum Column { kIndex, kGeneration, kType, kClient, kKey, kValue, kBytes, kColumnCount };
  explicit DumpModel(QObject* parent = nullptr);
  void setRows(std::vector<node::EntryView> rows);
  const node::EntryView* rowAt(int row) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

 private:
  std::vector<node::EntryView> m_rows;
};

}  // namespace qlab::ui
