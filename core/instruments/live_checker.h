#pragma once
// LiveChecker: the simulator's safety checks, run on the live cluster as it goes. It sees
// every election, every entry each node applies, every state replacement and every client
// answer, and reports findings as events the UI shows:
//   - two leaders in one generation                                   (always a violation)
//   - a node applying a different entry at an index already committed (violation when the
//     configuration is safe, otherwise an observed divergence)
//   - a node's HWM going back within one life                          (same rule)
//   - an acknowledged write that is no longer in the committed log    (lost; a violation
//     only when the configuration was safe all along)
// "Safe" = every node flushes with `always` or `group` and the write quorum is a majority.
// Thread-safe; memory bounded by a window of recent indices.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/instruments/history.h"
#include "core/common/entry.h"
#include "core/node/node_event.h"
#include "core/replication/storage.h"

namespace qlab::cluster {

struct Finding {
  std::int64_t tMs = 0;
  bool violation = false;  // false: an expected consequence of an unsafe configuration
  std::string text;
};

class LiveChecker {
 public:
  explicit LiveChecker(int nodes, std::size_t window = 200'000);

  // Feeds (from any thread).
  void onEvent(const node::NodeEvent& e);
  void onApplied(NodeId node, const Entry& e, bool duplicate);
  void onStateReplaced(NodeId node, const replication::SnapshotMeta& meta, NodeId from);
  void onRestart(NodeId node, Index appliedAtStart);
  void onHwm(NodeId node, int life, Index hwm);
  void onOperation(const Operation& op);
  // The configuration changed: safe = every node always/group and W = majority.
  void setSafe(bool safe);
  bool everUnsafe() const;

  // Where findings go (also kept in findings()). Called without the checker's lock.
  void setSink(std::function<void(const Finding&)> sink);
  std::vector<Finding> findings() const;
  // The findings from absolute position `first` on (0 = the first ever found). Memory keeps the
  // newest 5,000-10,000; a reader that asks by position never skips or repeats one when the
  // oldest are dropped (it only misses those already gone).
  std::vector<Finding> findingsFrom(std::uint64_t first) const;
  std::uint64_t findingsTotal() const;
  std::vector<std::string> violations() const;
  // Acknowledged writes that are not (or no longer) applied in `leader`'s history, computed
  // now. `leader` = the node whose history counts as final.
  std::vector<LostWrite> lostWrites(NodeId leader) const;
  // The same check, incremental, for the live view: each acknowledged write is looked up
  // once in the leader's history (again after a divergence, a restart or a new leader).
  // Returns writes found lost since the last call and reports them as findings.
  std::vector<LostWrite> checkNewlyLost(NodeId leader);
  std::vector<LostWrite> lostSoFar() const;
  int leaderChanges() const;
  void setClock(std::function<std::int64_t()> clock);

 private:
  struct Applied {
    Index index = 0;
    std::uint64_t client = 0;
    std::uint64_t seq = 0;
    Generation generation = 0;
    std::uint32_t crc = 0;
    bool data = false;
  };
  void report(bool violation, std::string text);
  void deliver(std::unique_lock<std::mutex>& lk, std::size_t before);

  mutable std::mutex m_mu;
  int m_nodes;
  std::size_t m_window;
  bool m_safe = true;
  bool m_everUnsafe = false;
  std::map<Generation, NodeId> m_leaderOf;
  int m_leaderChanges = 0;
  std::map<Index, std::pair<Generation, std::uint32_t>> m_committed;  // first seen, windowed
  std::vector<std::deque<Applied>> m_lineage;  // per node: what its state machine applied
  std::vector<std::pair<int, Index>> m_hwm;    // per node: (life, last HWM)
  std::vector<Operation> m_acked;              // ok writes (bounded by the window)
  std::vector<Finding> m_findings;
  std::uint64_t m_findingsDropped = 0;  // erased from the front of m_findings
  std::set<std::pair<std::uint64_t, std::uint64_t>> m_reportedLost;
  std::vector<LostWrite> m_lost;
  std::size_t m_verified = 0;       // m_acked[0, m_verified) checked against m_verifiedLeader
  NodeId m_verifiedLeader = kNoNode;
  bool m_recheck = false;           // a divergence or restart: check everything again
  std::function<void(const Finding&)> m_sink;
  std::function<std::int64_t()> m_clock;
};

}  // namespace qlab::cluster
