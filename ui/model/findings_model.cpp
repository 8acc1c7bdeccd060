#include "ui/model/findings_model.h"

#include <QBrush>
#include <QColor>

namespace qlab::ui {

FindingsModel::FindingsModel(QObject* parent) : ColumnModel({"Time", "Kind", "Finding"}, parent) {}

void FindingsModel::append(const std::vector<cluster::Finding>& findings) {
  if (findings.empty()) return;
  const int row = static_cast<int>(m_rows.size());
  beginInsertRows({}, row, row + static_cast<int>(findings.size()) - 1);
  for (const auto& f : findings) {
    m_rows.push_back(f);
    if (f.violation) ++m_violations;
  }
  endInsertRows();
}

void FindingsModel::clear() {
  beginResetModel();
  m_rows.clear();
  m_violations = 0;
  endResetModel();
}

int FindingsModel::rowCount(const QModelIndex& parent) const {
  return flatRows(m_rows.size(), parent);
}

QVariant FindingsModel::data(const QModelIndex& idx, int role) const {
  if (!validRow(idx, m_rows.size())) return {};
  const cluster::Finding& f = m_rows[static_cast<std::size_t>(idx.row())];
  switch (role) {
    case kViolationRole: return f.violation;
    case Qt::ForegroundRole:
      return idx.column() == kKind ? QBrush(f.violation ? QColor(0xe0, 0x4a, 0x3f) : QColor(0xd4, 0x8a, 0x1c))
                                   : QVariant();
    case Qt::ToolTipRole:
      return f.violation ? QStringLiteral("A safety property this configuration promises was broken.")
                         : QStringLiteral("Expected under the current unsafe configuration "
                                          "(delayed/manual flush or a write quorum below a majority).");
    case Qt::DisplayRole:
      switch (idx.column()) {
        case kTime: return formatClusterTime(f.tMs);
        case kKind: return f.violation ? QStringLiteral("VIOLATION") : QStringLiteral("expected loss");
        case kText: return QString::fromStdString(f.text);
      }
      return {};
    default:
      return {};
  }
}

}  // namespace qlab::ui
