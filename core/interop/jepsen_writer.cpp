// Jepsen history (docs/interop.md#jepsen), as EDN and as JSON lines: one op map per line,
// every client operation as an :invoke and its completion (:ok, :fail, or :info when the
// client timed out and the outcome is unknown), the injected faults as :nemesis :info ops,
// all in time order with :index from 0. Values are [key value] tuples (Jepsen's independent
// keys); :time is nanoseconds since the cluster started.
#include <algorithm>

#include "core/common/json_writer.h"
#include "core/interop/run_analysis.h"
#include "core/interop/writers.h"

namespace qlab::interop {

namespace {

struct HistoryLine {
  std::int64_t timeNs = 0;
  const char* type = "info";                  // invoke ok fail info
  const cluster::Operation* op = nullptr;     // client operation, or
  const node::NodeEvent* fault = nullptr;     // a nemesis op
  std::uint64_t process = 0;
  bool completion = false;
};

const char* completionType(cluster::OpResult r) {
  switch (r) {
    case cluster::OpResult::kOk: return "ok";
    case cluster::OpResult::kFail: return "fail";
    case cluster::OpResult::kTimeout: return "info";
  }
  return "info";
}

std::vector<HistoryLine> historyLines(const InteropRun& run) {
  std::vector<HistoryLine> lines;
  const auto ops = byInvocation(run.operations);
  const auto processes = processNumbers(ops);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    lines.push_back({ops[i]->invokeUs * 1000, "invoke", ops[i], nullptr, processes[i], false});
    lines.push_back({ops[i]->completeUs * 1000, completionType(ops[i]->result), ops[i], nullptr, processes[i], true});
  }
  for (const auto& e : run.events)
    if (isFault(e.kind)) lines.push_back({e.tMs * 1'000'000, "info", nullptr, &e, 0, false});
  // Time order; an operation's invoke stays before its completion at the same instant.
  std::stable_sort(lines.begin(), lines.end(),
                   [](const HistoryLine& a, const HistoryLine& b) { return a.timeNs < b.timeNs; });
  return lines;
}

// The value a line carries: the written value throughout a write; nil while a read is
// pending or when it failed or timed out, else what it read (nil = the key was absent).
bool hasValue(const HistoryLine& l) {
  const cluster::Operation& op = *l.op;
  if (op.kind == cluster::OpKind::kWrite) return true;
  return l.completion && op.result == cluster::OpResult::kOk && op.found;
}

const char* faultName(node::EventKind k) { return node::eventKindName(k); }

}  // namespace

Status writeJepsenEdn(const InteropRun& run, std::ostream& out) {
  const auto lines = historyLines(run);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const HistoryLine& l = lines[i];
    out << "{:type :" << l.type;
    if (l.op) {
      out << ", :f :" << (l.op->kind == cluster::OpKind::kWrite ? "write" : "read") << ", :value ["
          << JsonWriter::escape(l.op->key) << ' ' << (hasValue(l) ? JsonWriter::escape(l.op->value) : "nil")
          << "], :process " << l.process;
    } else {
      out << ", :f :" << faultName(l.fault->kind) << ", :value {";
      if (l.fault->node != kNoNode) out << ":node " << l.fault->node << ", ";
      out << ":detail " << JsonWriter::escape(describeEvent(*l.fault)) << "}, :process :nemesis";
    }
    out << ", :time " << l.timeNs << ", :index " << i << "}\n";
  }
  if (!out) return Status::ioError("the EDN history could not be written");
  return Status::ok();
}

Status writeJepsenJson(const InteropRun& run, std::ostream& out) {
  const auto lines = historyLines(run);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const HistoryLine& l = lines[i];
    JsonWriter w;
    w.beginObject().key("type").value(l.type);
    if (l.op) {
      w.key("f").value(l.op->kind == cluster::OpKind::kWrite ? "write" : "read");
      w.key("value").beginArray().value(l.op->key);
      if (hasValue(l)) w.value(l.op->value);
      else w.null();
      w.endArray().key("process").value(l.process);
    } else {
      w.key("f").value(faultName(l.fault->kind)).key("value").beginObject();
      if (l.fault->node != kNoNode) w.key("node").value(static_cast<std::int64_t>(l.fault->node));
      w.key("detail").value(describeEvent(*l.fault)).endObject();
      w.key("process").value("nemesis");
    }
    w.key("time").value(l.timeNs).key("index").value(static_cast<std::uint64_t>(i)).endObject();
    out << w.str() << '\n';
  }
  if (!out) return Status::ioError("the JSON history could not be written");
  return Status::ok();
}

}  // namespace qlab::interop
