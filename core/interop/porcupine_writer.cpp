// Porcupine operations (docs/interop.md#porcupine): a JSON array, one Operation per line with
// Porcupine's field names. Times are microseconds since the cluster started. A timed-out
// operation's outcome is unknown: as Porcupine's own tests treat a pending operation, it
// returns at the end of the history (after every other call and return) with an output
// marked "unknown", which a model accepts whatever state it meets. Failed operations
// definitely had no effect and are left out.
#include <algorithm>

#include "core/common/json_writer.h"
#include "core/interop/run_analysis.h"
#include "core/interop/writers.h"

namespace qlab::interop {

Status writePorcupine(const InteropRun& run, std::ostream& out) {
  std::vector<const cluster::Operation*> kept;
  for (const cluster::Operation* op : byInvocation(run.operations))
    if (op->result != cluster::OpResult::kFail) kept.push_back(op);
  const auto clients = processNumbers(kept);
  std::int64_t end = 0;
  for (const cluster::Operation* op : kept) end = std::max({end, op->invokeUs + 1, op->completeUs + 1});
  out << "[\n";
  for (std::size_t i = 0; i < kept.size(); ++i) {
    const cluster::Operation& op = *kept[i];
    const bool write = op.kind == cluster::OpKind::kWrite;
    const bool unknown = op.result == cluster::OpResult::kTimeout;
    JsonWriter w;
    w.beginObject().key("ClientId").value(clients[i]);
    w.key("Input").beginObject().key("op").value(write ? "write" : "read").key("key").value(op.key);
    if (write) w.key("value").value(op.value);
    w.endObject();
    w.key("Call").value(op.invokeUs);
    w.key("Output").beginObject();
    if (!write && !unknown) {
      w.key("exists").value(op.found);
      if (op.found) w.key("value").value(op.value);
      else w.key("value").null();
    }
    w.key("unknown").value(unknown).endObject();
    w.key("Return").value(unknown ? end : op.completeUs).endObject();
    out << w.str() << (i + 1 < kept.size() ? ",\n" : "\n");
  }
  out << "]\n";
  if (!out) return Status::ioError("the Porcupine history could not be written");
  return Status::ok();
}

}  // namespace qlab::interop
