#pragma once
// Export (docs/export-format.md): cluster.json, node-<id>.jsonl, history.jsonl, events.jsonl,
// summary.json and byte-for-byte copies of every WAL segment, for a running or stopped
// cluster. Reports progress; never modifies a node's files. Each node's log lists every entry
// the node holds, durable or not, and the summary's lost writes are judged on exactly what is
// exported, so that a reader can recompute them from the export alone.
#include <functional>
#include <string>

#include <QJsonObject>

#include "core/cluster/cluster.h"
#include "core/instruments/run_judge.h"

namespace qlab {
class JsonWriter;
}

namespace qlab::cluster {

struct ExportProgress {
  int done = 0;
  int total = 0;
  std::string what;  // "node 2 log", "segments", ...
};

// `config` = the scenario's top-level keys (or the GUI's settings). `summary` comes in as the
// run's and goes out judged on the exported logs (lost writes, violations, ok, final HWM), as
// written to summary.json. `progress` may cancel by returning false.
// cluster.json's "segments" array of one node (the live export and the export of a recording).
void writeSegmentsJson(JsonWriter& w, const std::vector<node::SegmentView>& segments);

Status exportCluster(Cluster& cluster, const std::string& dir, const QJsonObject& config, RunSummary& summary,
                     const std::function<bool(const ExportProgress&)>& progress = {});

}  // namespace qlab::cluster
