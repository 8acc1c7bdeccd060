#pragma once
// Judging a run on what the nodes hold: which node's log counts as final, which acknowledged
// writes it lost, and the summary built from that. The scenario runner and the exporter both
// judge through here, so `run --json` and summary.json agree.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/cluster/cluster.h"
#include "core/instruments/history.h"
#include "core/instruments/run_summary.h"

namespace qlab::cluster {

// Builds the summary as of now: lost acknowledged writes (AckJudge over the reference node's
// committed log, buffered entries included), violations, leader changes, final HWM.
RunSummary summarize(Cluster& cluster, std::int64_t durationMs, std::vector<std::string> failedExpectations);

// The node whose log counts as final (docs/export-format.md "Lost writes"): the leader; with
// none, the running or paused node with the highest HWM; with none up, the node with the
// highest HWM. Ties go to the lowest id. kNoNode only when there are no views.
NodeId referenceNode(const std::vector<std::shared_ptr<const node::NodeView>>& views, NodeId leader);

// Puts a judgement of the reference node's log into `r`: lostAcked, unjudgedAcked, reference,
// and the violations (the checker's, plus each lost write when the configuration was safe
// all along), then `ok`. summarize() and the exporter both end here.
void applyVerdict(RunSummary& r, Cluster& cluster, NodeId reference, const AckJudge::Verdict& v);

}  // namespace qlab::cluster
