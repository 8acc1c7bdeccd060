#pragma once
// LaneCache: what the log lanes draw, per node, without holding the log: the entries of the
// visible index window (from each snapshot's recent window, and fetched through
// ClusterSource::entries for windows scrolled back), plus ghosts of entries that are gone:
//   - truncated: replaced or cut after a conflict (kTruncate events, or a changed entry at an
//     index), or lost from a killed node's unflushed buffer; shown struck out for kGhostMs;
//   - lost: acknowledged writes that are no longer in the committed log (the live checker).
// Bounded: entries far from the visible window and from the tail are dropped.
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "ui/source/cluster_frame.h"

namespace qlab::ui {

struct GhostEntry {
  enum class Why : std::uint8_t { kTruncated, kKilledBuffer };
  node::EntryView entry;
  std::int64_t atMs = 0;  // cluster clock when it went
  Why why = Why::kTruncated;
};

class LaneCache {
 public:
  static constexpr std::int64_t kGhostMs = 15000;
  static constexpr std::size_t kMaxEntriesPerNode = 20000;
  static constexpr Index kMaxFetch = 1024;

  explicit LaneCache(const ClusterSource* source = nullptr) : m_source(source) {}
  void setSource(const ClusterSource* source);

  // Takes in one frame: snapshots (merging their recent windows, finding truncations and
  // restarts) and truncate events.
  void update(const ClusterFrame& frame);
  // Makes sure [from, to] of every node is held, fetching what is missing (at most kMaxFetch
  // entries per node per call). Returns the number of entries() calls made.
  int ensure(Index from, Index to);
  void setLostWrites(std::vector<cluster::LostWrite> lost);

  const node::EntryView* entry(NodeId node, Index index) const;
  // Ghosts of `node` with index in [from, to], newest last.
  std::vector<GhostEntry> ghosts(NodeId node, Index from, Index to) const;
  const std::vector<cluster::LostWrite>& lostWrites() const { return m_lost; }
  bool isDuplicate(NodeId node, Index index) const;
  int size() const { return static_cast<int>(m_nodes.size()); }
  std::size_t heldEntries(NodeId node) const;

 private:
  struct NodeCache {
    std::map<Index, node::EntryView> entries;
    std::deque<GhostEntry> ghosts;
    std::vector<Index> duplicates;  // sorted
    ViewPtr last;
    // The last fetch that came back short: not asked again for a while (a node that is
    // down or a range being compacted would otherwise be read every frame).
    Index shortFrom = 0, shortTo = 0;
    std::uint64_t shortAtCall = 0;
  };
  void takeView(NodeCache& c, const ViewPtr& v, std::int64_t nowMs);
  void ghostAfter(NodeCache& c, Index after, std::int64_t nowMs, GhostEntry::Why why);
  void prune(NodeCache& c, std::int64_t nowMs);

  const ClusterSource* m_source;
  std::vector<NodeCache> m_nodes;
  std::vector<cluster::LostWrite> m_lost;
  Index m_windowFrom = 1;
  Index m_windowTo = 0;
  std::uint64_t m_ensureCalls = 0;
};

}  // namespace qlab::ui
