#include "ui/model/node_log_model.h"

#include <algorithm>

namespace qlab::ui {

NodeLogModel::NodeLogModel(std::size_t capacity, QObject* parent)
    : ColumnModel({"Index", "Gen", "Type", "Client/seq", "Key", "Value", "State"}, parent),
      m_capacity(std::max<std::size_t>(capacity, 1)) {}

void NodeLogModel::update(const ViewPtr& view) {
  if (!view || view->id != m_node) {
    beginResetModel();
    m_node = view ? view->id : kNoNode;
    m_view = view;
    m_rows.clear();
    if (view) applyLogDiff(m_rows, diffLog(m_rows, nullptr, *view, m_capacity));
    m_lastReset = ResetReason::kFirst;
    endResetModel();
    return;
  }
  LogDiff d = diffLog(m_rows, m_view.get(), *view, m_capacity);
  const bool marksMoved = m_view->hwm != view->hwm || m_view->durableEnd != view->durableEnd;
  if (d.reset) {
    beginResetModel();
    m_view = view;
    applyLogDiff(m_rows, d);
    m_lastReset = d.reason;
    endResetModel();
    return;
  }
  m_view = view;
  if (d.removeFront > 0) {
    beginRemoveRows({}, 0, static_cast<int>(d.removeFront) - 1);
    m_rows.erase(m_rows.begin(), m_rows.begin() + static_cast<std::ptrdiff_t>(d.removeFront));
    endRemoveRows();
  }
  for (const auto& [row, e] : d.changed) {
    m_rows[row] = e;
    emitRowChanged(row);
  }
  if (!d.append.empty()) {
    const int first = static_cast<int>(m_rows.size());
    beginInsertRows({}, first, first + static_cast<int>(d.append.size()) - 1);
    m_rows.insert(m_rows.end(), d.append.begin(), d.append.end());
    endInsertRows();
  }
  if (marksMoved && !m_rows.empty())
    emit dataChanged(index(0, kState), index(static_cast<int>(m_rows.size()) - 1, kState));
}

const node::EntryView* NodeLogModel::entryAt(int row) const {
  return row >= 0 && static_cast<std::size_t>(row) < m_rows.size() ? &m_rows[static_cast<std::size_t>(row)] : nullptr;
}

int NodeLogModel::rowOfIndex(Index index) const {
  if (m_rows.empty() || index < m_rows.front().index || index > m_rows.back().index) return -1;
  return static_cast<int>(index - m_rows.front().index);
}

int NodeLogModel::rowCount(const QModelIndex& parent) const {
  return flatRows(m_rows.size(), parent);
}

QString NodeLogModel::stateName(const node::EntryView& e, const node::NodeView& v) {
  // As the lanes draw it (cellState): what is not on this node's disk yet is buffered first.
  QString s = e.index > v.durableEnd ? (e.index <= v.hwm ? QStringLiteral("buffered, committed") : QStringLiteral("buffered"))
              : e.index <= v.hwm     ? QStringLiteral("committed")
                                     : QStringLiteral("durable");
  if (e.duplicate) s += QStringLiteral(", duplicate");
  return s;
}

QVariant NodeLogModel::data(const QModelIndex& idx, int role) const {
  const node::EntryView* e = idx.isValid() ? entryAt(idx.row()) : nullptr;
  if (!e) return {};
  if (role == kIndexRole) return QVariant::fromValue<qulonglong>(e->index);
  if (role == Qt::TextAlignmentRole)
    return idx.column() == kIndex || idx.column() == kGeneration || idx.column() == kClient
               ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
  if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
  switch (idx.column()) {
    case kIndex: return QVariant::fromValue<qulonglong>(e->index);
    case kGeneration: return QVariant::fromValue<qulonglong>(e->generation);
    case kType: return QString::fromLatin1(entryTypeName(e->type));
    case kClient:
      return e->client ? QStringLiteral("%1/%2").arg(e->client).arg(e->seq) : QString();
    case kKey: return QString::fromStdString(e->key);
    case kValue: return QString::fromStdString(e->value);
    case kState: return m_view ? stateName(*e, *m_view) : QString();
  }
  return {};
}

}  // namespace qlab::ui
