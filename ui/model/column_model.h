#pragma once
// ColumnModel: the part every table model of the explorer shares: fixed, named columns and
// "this row changed" notifications. Subclasses own their rows.
#include <cstdint>

#include <QAbstractTableModel>
#include <QStringList>

namespace qlab::ui {

class ColumnModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  explicit ColumnModel(QStringList headers, QObject* parent = nullptr);

  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

 protected:
  // rowCount() for a flat table holding `rows` rows.
  static int flatRows(std::size_t rows, const QModelIndex& parent) {
    return parent.isValid() ? 0 : static_cast<int>(rows);
  }
  void emitRowChanged(std::size_t row);
  bool validRow(const QModelIndex& index, std::size_t rows) const {
    return index.isValid() && index.row() >= 0 && static_cast<std::size_t>(index.row()) < rows;
  }

 private:
  QStringList m_headers;
};

// Cluster-clock milliseconds as "12.345 s".
QString formatClusterTime(std::int64_t ms);

}  // namespace qlab::ui
