#pragma once
// Export (CONTRACT.md "Export directory"): cluster.json, node-<id>.jsonl, history.jsonl,
// events.jsonl, summary.json and byte-for-byte copies of every WAL segment, for a running or
// stopped cluster. Reports progress; never modifies a node's files.
#include <functional>
#include <string>

#include <QJsonObject>

#include "core/cluster/cluster.h"
#include "core/cluster/scenario.h"

namespace qlab::cluster {

struct ExportProgress {
  int done = 0;
  int total = 0;
  std::string what;  // "node 2 log", "segments", ...
};

// `config` = the scenario's top-level keys (or the GUI's settings). `progress` may cancel by
// returning false.
Status exportCluster(Cluster& cluster, const std::string& dir, const QJsonObject& config,
                     const RunSummary& summary,
                     const std::function<bool(const ExportProgress&)>& progress = {});

}  // namespace qlab::cluster
