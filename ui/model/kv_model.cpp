#include "ui/model/kv_model.h"

namespace qlab::ui {

KvModel::KvModel(QObject* parent) : ColumnModel({"Key", "Value"}, parent) {}

void KvModel::update(NodeId node, const std::map<std::string, std::string>& kv) {
  if (node != m_node) {
    beginResetModel();
    m_node = node;
    m_rows.assign(kv.begin(), kv.end());
    endResetModel();
    return;
  }
  // Merge walk over two sorted sequences.
  std::size_t row = 0;
  auto it = kv.begin();
  while (row < m_rows.size() || it != kv.end()) {
    if (it == kv.end() || (row < m_rows.size() && m_rows[row].first < it->first)) {
      beginRemoveRows({}, static_cast<int>(row), static_cast<int>(row));
      m_rows.erase(m_rows.begin() + static_cast<std::ptrdiff_t>(row));
      endRemoveRows();
    } else if (row == m_rows.size() || it->first < m_rows[row].first) {
      beginInsertRows({}, static_cast<int>(row), static_cast<int>(row));
      m_rows.insert(m_rows.begin() + static_cast<std::ptrdiff_t>(row), *it);
      endInsertRows();
      ++row;
      ++it;
    } else {
      if (m_rows[row].second != it->second) {
        m_rows[row].second = it->second;
        emit dataChanged(index(static_cast<int>(row), kValue), index(static_cast<int>(row), kValue));
      }
      ++row;
      ++it;
    }
  }
}

int KvModel::rowCount(const QModelIndex& parent) const {
  return flatRows(m_rows.size(), parent);
}

QVariant KvModel::data(const QModelIndex& idx, int role) const {
  if (!validRow(idx, m_rows.size())) return {};
  if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
  const auto& r = m_rows[static_cast<std::size_t>(idx.row())];
  return QString::fromStdString(idx.column() == kKey ? r.first : r.second);
}

}  // namespace qlab::ui
