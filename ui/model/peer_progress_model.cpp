#include "ui/model/peer_progress_model.h"

#include <algorithm>

namespace qlab::ui {

PeerProgressModel::PeerProgressModel(QObject* parent)
    : ColumnModel({"Peer", "Match", "Next", "State", "Behind", "Active"}, parent) {}

void PeerProgressModel::update(const std::vector<replication::PeerProgress>& peers, Index leaderLast) {
  std::vector<Row> rows;
  rows.reserve(peers.size());
  for (const auto& p : peers) {
    Row r;
    r.id = p.id;
    r.match = p.match;
    r.next = p.next;
    r.state = QString::fromLatin1(p.state ? p.state : "");
    r.lag = leaderLast > p.match ? leaderLast - p.match : 0;
    r.active = p.recentlyActive;
    if (p.snapshotBytes > 0)
      r.snapshot = QStringLiteral("snapshot %1: %2%").arg(p.snapshotIndex)
                       .arg(100 * p.snapshotOffset / std::max<std::uint64_t>(p.snapshotBytes, 1));
    rows.push_back(r);
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.id < b.id; });
  bool sameIds = rows.size() == m_rows.size() &&
                 std::equal(rows.begin(), rows.end(), m_rows.begin(),
                            [](const Row& a, const Row& b) { return a.id == b.id; });
  if (!sameIds) {
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
    return;
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] == m_rows[i]) continue;
    m_rows[i] = rows[i];
    emitRowChanged(i);
  }
}

int PeerProgressModel::rowCount(const QModelIndex& parent) const {
  return flatRows(m_rows.size(), parent);
}

QVariant PeerProgressModel::data(const QModelIndex& idx, int role) const {
  if (!validRow(idx, m_rows.size())) return {};
  const Row& r = m_rows[static_cast<std::size_t>(idx.row())];
  if (role == Qt::ToolTipRole) {
    return QStringLiteral("Node %1: the leader knows entries up to %2 are durable there and sends "
                          "from %3 next (%4).%5")
        .arg(r.id).arg(r.match).arg(r.next).arg(r.state)
        .arg(r.snapshot.isEmpty() ? QString() : QStringLiteral(" ") + r.snapshot);
  }
  if (role != Qt::DisplayRole) return {};
  switch (idx.column()) {
    case kPeer: return QStringLiteral("node %1").arg(r.id);
    case kMatch: return QVariant::fromValue<qulonglong>(r.match);
    case kNext: return QVariant::fromValue<qulonglong>(r.next);
    case kState: return r.snapshot.isEmpty() ? r.state : r.snapshot;
    case kLag: return QVariant::fromValue<qulonglong>(r.lag);
    case kActive: return r.active ? QStringLiteral("yes") : QStringLiteral("no");
  }
  return {};
}

}  // namespace qlab::ui
