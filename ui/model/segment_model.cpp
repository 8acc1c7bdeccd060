#include "ui/model/segment_model.h"

#include <algorithm>
#include <tuple>

#include <QColor>
#include <QFont>
#include <QLocale>

namespace qlab::ui {

QString shortSegmentName(const std::string& file) {
  std::size_t i = 0;
  while (i + 1 < file.size() && file[i] == '0' && file[i + 1] != '.') ++i;
  return i == 0 ? QString::fromStdString(file) : QStringLiteral("…") + QString::fromStdString(file.substr(i));
}

SegmentModel::SegmentModel(QObject* parent)
    : ColumnModel({"File", "First", "Last", "Size", "State"}, parent) {}

double SegmentModel::opacity(const Row& r) const {
  if (!r.deleted) return 1.0;
  double left = 1.0 - static_cast<double>(m_nowMs - r.deletedAtMs) / static_cast<double>(kFadeMs);
  return std::clamp(left, 0.0, 1.0) * 0.7;
}

void SegmentModel::update(NodeId node, const std::vector<node::SegmentView>& segments, std::int64_t nowMs) {
  m_nowMs = nowMs;
  if (node != m_node) {
    beginResetModel();
    m_node = node;
    m_rows.clear();
    for (const auto& s : segments) m_rows.push_back({s, false, 0});
    std::sort(m_rows.begin(), m_rows.end(), [](const Row& a, const Row& b) {
      return std::tie(a.seg.firstIndex, a.seg.file) < std::tie(b.seg.firstIndex, b.seg.file);
    });
    endResetModel();
    return;
  }
  // 1. Rows whose file is gone become deleted; fully faded ones leave.
  for (std::size_t i = 0; i < m_rows.size(); ++i) {
    Row& r = m_rows[i];
    auto it = std::find_if(segments.begin(), segments.end(),
                           [&](const node::SegmentView& s) { return s.file == r.seg.file; });
    if (it == segments.end()) {
      if (!r.deleted) {
        r.deleted = true;
        r.deletedAtMs = nowMs;
      }
      emitRowChanged(i);  // the fade moves
    } else if (r.deleted || !(*it == r.seg)) {
      r.deleted = false;  // recreated with the same name (after a truncation or reset)
      r.seg = *it;
      emitRowChanged(i);
    }
  }
  for (std::size_t i = m_rows.size(); i-- > 0;) {
    if (m_rows[i].deleted && nowMs - m_rows[i].deletedAtMs >= kFadeMs) {
      beginRemoveRows({}, static_cast<int>(i), static_cast<int>(i));
      m_rows.erase(m_rows.begin() + static_cast<std::ptrdiff_t>(i));
      endRemoveRows();
    }
  }
  // 2. New files, at their sorted place.
  for (const auto& s : segments) {
    auto same = std::find_if(m_rows.begin(), m_rows.end(), [&](const Row& r) { return r.seg.file == s.file; });
    if (same != m_rows.end()) continue;
    auto at = std::find_if(m_rows.begin(), m_rows.end(), [&](const Row& r) {
      return std::tie(r.seg.firstIndex, r.seg.file) > std::tie(s.firstIndex, s.file);
    });
    const int row = static_cast<int>(at - m_rows.begin());
    beginInsertRows({}, row, row);
    m_rows.insert(at, Row{s, false, 0});
    endInsertRows();
  }
}

int SegmentModel::rowCount(const QModelIndex& parent) const {
  return flatRows(m_rows.size(), parent);
}

QVariant SegmentModel::data(const QModelIndex& idx, int role) const {
  if (!validRow(idx, m_rows.size())) return {};
  const Row& r = m_rows[static_cast<std::size_t>(idx.row())];
  const node::SegmentView& s = r.seg;
  switch (role) {
    case kOpacityRole: return opacity(r);
    case kDeletedRole: return r.deleted;
    case Qt::ForegroundRole:
      if (!r.deleted) return {};
      return QColor(0x80, 0x80, 0x80, static_cast<int>(255 * opacity(r)));
    case Qt::FontRole: {
      if (!r.deleted) return {};
      QFont f;
      f.setItalic(true);
      f.setStrikeOut(true);
      return f;
    }
    case Qt::ToolTipRole:
      if (r.deleted)
        return QStringLiteral("%1 was deleted: every entry in it is below the low-water mark "
                              "(covered by a snapshot and committed).").arg(QString::fromStdString(s.file));
      return QStringLiteral("%1: entries %2..%3, %4 bytes of which %5 are flushed (durable)%6")
          .arg(QString::fromStdString(s.file)).arg(s.firstIndex).arg(s.lastIndex)
          .arg(s.bytes).arg(s.durableBytes)
          .arg(s.sealed ? QStringLiteral("; sealed, never written again")
                        : QStringLiteral("; the active segment, appended to"));
    case Qt::DisplayRole:
      break;
    default:
      return {};
  }
  switch (idx.column()) {
    case kFile: return QString::fromStdString(s.file);
    case kFirst: return QVariant::fromValue<qulonglong>(s.firstIndex);
    case kLast:
      return s.lastIndex < s.firstIndex ? QStringLiteral("(empty)") : QVariant::fromValue<qulonglong>(s.lastIndex);
    case kBytes: return QLocale().formattedDataSize(static_cast<qint64>(s.bytes), 1, QLocale::DataSizeTraditionalFormat);
    case kState:
      if (r.deleted) return QStringLiteral("deleted");
      if (!s.sealed) return s.durableBytes < s.bytes ? QStringLiteral("active, buffered") : QStringLiteral("active");
      return QStringLiteral("sealed");
  }
  return {};
}

}  // namespace qlab::ui
