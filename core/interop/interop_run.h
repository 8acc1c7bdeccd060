#pragma once
// InteropRun: what every interop writer reads (formats.h). Plain values: the node events in
// the order they were recorded, the client operations and the node ids. They can be filled
// from memory or read back from any export directory (readExportDir), so a format can be
// written for a run exported long ago.
#include <string>
#include <string_view>
#include <vector>

#include "core/instruments/history.h"
#include "core/common/status.h"
#include "core/node/node_event.h"

namespace qlab::interop {

struct InteropRun {
  std::vector<NodeId> nodes;                   // ascending
  std::vector<node::NodeEvent> events;         // events.jsonl order (the order recorded)
  std::vector<cluster::Operation> operations;  // history.jsonl order
};

// One events.jsonl line read back; kInvalidArgument "field 'x': what is wrong".
Result<node::NodeEvent> parseEventLine(std::string_view line);

// Reads DIR/cluster.json (node ids), DIR/events.jsonl and DIR/history.jsonl. Errors name the
// file, the line and the field, and say what to do.
Result<InteropRun> readExportDir(const std::string& dir);

}  // namespace qlab::interop
