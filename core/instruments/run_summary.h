#pragma once
// RunSummary: how a run is judged at its end (acknowledged writes, lost ones, violations,
// failed expectations), as `run --json` prints it and an export writes it to summary.json
// (docs/export-format.md "summary.json").
#include <cstdint>
#include <string>
#include <vector>

#include "core/common/types.h"
#include "core/instruments/history.h"

namespace qlab::cluster {

// The summary `run --json` prints (docs/export-format.md "summary.json").
struct RunSummary {
  bool ok = true;
  std::uint64_t ackedWrites = 0;
  Index committed = 0;
  std::vector<LostWrite> lostAcked;
  NodeId reference = kNoNode;        // the node whose log was judged (referenceNode)
  std::uint64_t unjudgedAcked = 0;   // acknowledged below that log's first index (compacted)
  std::vector<std::string> violations;
  std::vector<std::string> failedExpectations;
  int leaderChanges = 0;
  Index finalHwm = 0;
  std::int64_t durationMs = 0;
  std::string toJson() const;
};

}  // namespace qlab::cluster
