#include "core/instruments/run_judge.h"

namespace qlab::cluster {

NodeId referenceNode(const std::vector<std::shared_ptr<const node::NodeView>>& views, NodeId leader) {
  if (leader != kNoNode) return leader;
  auto best = [&](bool upOnly) {
    NodeId pick = kNoNode;
    Index hwm = 0;
    for (const auto& v : views) {
      bool up = v->status == node::NodeStatus::kRunning || v->status == node::NodeStatus::kPaused;
      if (upOnly && !up) continue;
      if (pick == kNoNode || v->hwm > hwm || (v->hwm == hwm && v->id < pick)) pick = v->id, hwm = v->hwm;
    }
    return pick;
  };
  NodeId up = best(true);
  return up != kNoNode ? up : best(false);
}

void applyVerdict(RunSummary& r, Cluster& cluster, NodeId reference, const AckJudge::Verdict& v) {
  r.reference = reference;
  r.lostAcked = v.lost;
  r.unjudgedAcked = v.unjudged;
  r.violations = cluster.checker().violations();
  if (!cluster.checker().everUnsafe()) {
    for (const auto& l : r.lostAcked) {
      std::string text = "acknowledged write lost under a safe configuration: client " + std::to_string(l.client) +
                         " seq " + std::to_string(l.seq) + " at index " + std::to_string(l.index);
      r.violations.push_back(text);
    }
  }
  r.ok = r.violations.empty() && r.failedExpectations.empty();
}

RunSummary summarize(Cluster& cluster, std::int64_t durationMs, std::vector<std::string> failedExpectations) {
  RunSummary r;
  r.ackedWrites = cluster.recorder().stats().okWrites;
  r.leaderChanges = cluster.checker().leaderChanges();
  r.durationMs = durationMs;
  r.failedExpectations = std::move(failedExpectations);
  // The history first, then views published after it: every write answered ok in it was
  // committed by then, so the HWM read below covers it (a view is up to a publish interval
  // old, and a write answered meanwhile would otherwise look uncommitted).
  const std::vector<Operation> history = cluster.recorder().history();
  cluster.awaitFreshViews();
  r.finalHwm = cluster.hwm();
  r.committed = r.finalHwm;
  NodeId reference = referenceNode(cluster.views(), cluster.leader());
  AckJudge judge;
  Index first = 0;
  if (reference != kNoNode) {
    auto scan = cluster.scanLog(reference, [&](const Entry& e, bool) {
      if (e.index <= r.finalHwm) judge.see(e);
      return e.index <= r.finalHwm;
    });
    // An unreadable log judges nothing as kept: every acknowledged write shows as lost.
    if (scan.isOk()) first = scan->first;
  }
  for (const Operation& op : history) judge.judge(op, first);
  applyVerdict(r, cluster, reference, judge.verdict());
  return r;
}

}  // namespace qlab::cluster
