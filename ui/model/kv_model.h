#pragma once
// KvModel: the key-value state a node has applied at its HWM (the first keys the snapshot
// carries). Rows stay sorted by key; keys that come and go insert and remove single rows, and
// changed values update in place, so a view keeps its selection and scroll position.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ui/model/column_model.h"

#include "core/common/types.h"

namespace qlab::ui {

class KvModel : public ColumnModel {
  Q_OBJECT
 public:
  enum Column { kKey, kValue, kColumnCount };

  explicit KvModel(QObject* parent = nullptr);
  void update(NodeId node, const std::map<std::string, std::string>& kv);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

 private:
  NodeId m_node = kNoNode;
  std::vector<std::pair<std::string, std::string>> m_rows;
};

}  // namespace qlab::ui
