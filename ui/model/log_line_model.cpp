#include "ui/model/log_line_model.h"

#include <QBrush>
#include <QColor>

namespace qlab::ui {

LogLineModel::LogLineModel(std::size_t capacity, QObject* parent)
    : ColumnModel({"Time", "Node", "Level", "Message"}, parent),
      m_capacity(std::max<std::size_t>(capacity, 1)) {}

void LogLineModel::append(const std::vector<cluster::LogLine>& lines) {
  std::size_t first = 0;
  while (first < lines.size() && lines[first].seq <= m_lastSeq) ++first;
  std::size_t count = lines.size() - first;
  if (count == 0) return;
  if (count > m_capacity) {
    first += count - m_capacity;
    count = m_capacity;
  }
  const std::size_t overflow = m_rows.size() + count > m_capacity ? m_rows.size() + count - m_capacity : 0;
  if (overflow > 0) {
    beginRemoveRows({}, 0, static_cast<int>(overflow) - 1);
    m_rows.erase(m_rows.begin(), m_rows.begin() + static_cast<std::ptrdiff_t>(overflow));
    endRemoveRows();
  }
  const int row = static_cast<int>(m_rows.size());
  beginInsertRows({}, row, row + static_cast<int>(count) - 1);
  m_rows.insert(m_rows.end(), lines.begin() + static_cast<std::ptrdiff_t>(first), lines.end());
  m_lastSeq = m_rows.back().seq;
  endInsertRows();
}

void LogLineModel::clear() {
  beginResetModel();
  m_rows.clear();
  m_lastSeq = 0;
  endResetModel();
}

QString LogLineModel::levelName(int level) {
  static const char* kNames[] = {"trace", "debug", "info", "warn", "error", "critical"};
  return level >= 0 && level <= 5 ? QString::fromLatin1(kNames[level]) : QString::number(level);
}

int LogLineModel::rowCount(const QModelIndex& parent) const {
  return flatRows(m_rows.size(), parent);
}

QVariant LogLineModel::data(const QModelIndex& idx, int role) const {
  if (!validRow(idx, m_rows.size())) return {};
  const cluster::LogLine& l = m_rows[static_cast<std::size_t>(idx.row())];
  switch (role) {
    case kNodeRole: return static_cast<int>(l.node);
    case kLevelRole: return l.level;
    case Qt::ForegroundRole:
      if (l.level >= 4) return QBrush(QColor(0xe0, 0x4a, 0x3f));
      if (l.level == 3) return QBrush(QColor(0xd4, 0x8a, 0x1c));
      return {};
    case Qt::ToolTipRole:
      return idx.column() == kText ? QString::fromStdString(l.text) : QVariant();
    case Qt::DisplayRole:
      switch (idx.column()) {
        case kTime: return formatClusterTime(l.tMs);
        case kNode: return l.node == 0 ? QStringLiteral("cluster") : QStringLiteral("node %1").arg(l.node);
        case kLevel: return levelName(l.level);
        case kText: return QString::fromStdString(l.text);
      }
      return {};
    default:
      return {};
  }
}

LogFilterProxy::LogFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {}

void LogFilterProxy::setNode(int node) {
  if (node == m_node) return;
  m_node = node;
  invalidateFilter();
}

void LogFilterProxy::setMinLevel(int level) {
  if (level == m_minLevel) return;
  m_minLevel = level;
  invalidateFilter();
}

bool LogFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
  QModelIndex i = sourceModel()->index(sourceRow, 0, sourceParent);
  if (m_node >= 0 && i.data(LogLineModel::kNodeRole).toInt() != m_node) return false;
  return i.data(LogLineModel::kLevelRole).toInt() >= m_minLevel;
}

}  // namespace qlab::ui
