// quorumlab check HISTORY [--json]: judges a client history in the history.jsonl format
// (docs/export-format.md), ours or another system's, with the same linearizability checker
// the simulator and the live cluster use (core/instruments/history.h): every key is a register,
// every written value unique; a timed-out write may have taken effect at any time after it
// was invoked, or never.
//
// Exit codes: 0 linearizable, 3 not (each violation on a line), 1 bad input (the file, the
// line and the field that is wrong).
#include <cstdio>
#include <set>

#include "app/args.h"
#include "app/commands.h"
#include "core/instruments/history.h"
#include "core/common/json_writer.h"

namespace qlab::app {

int cmdCheck(const Argv& argv) {
  Args args("check", argv, {}, {"json"});
  if (!args.ok()) return usageError("check", args.error());
  if (args.positionals().size() != 1) return usageError("check", "give one HISTORY file (history.jsonl)");
  const std::string path = args.positionals()[0];
  auto history = cluster::loadHistoryFile(path);
  if (!history.isOk()) {
    std::fprintf(stderr, "quorumlab check: %s\n", history.status().message().c_str());
    return 1;
  }
  const std::vector<cluster::Operation>& ops = history.value();
  std::size_t writes = 0, reads = 0, unknown = 0;
  std::set<std::string> keys;
  for (const auto& op : ops) {
    (op.kind == cluster::OpKind::kWrite ? writes : reads)++;
    if (op.result == cluster::OpResult::kTimeout) ++unknown;
    keys.insert(op.key);
  }
  const std::vector<std::string> violations = cluster::checkLinearizable(ops);
  if (args.has("json")) {
    JsonWriter w;
    w.beginObject();
    w.key("ok").value(violations.empty());
    w.key("operations").value(static_cast<std::uint64_t>(ops.size()));
    w.key("writes").value(static_cast<std::uint64_t>(writes));
    w.key("reads").value(static_cast<std::uint64_t>(reads));
    w.key("unknown_outcome").value(static_cast<std::uint64_t>(unknown));
    w.key("keys").value(static_cast<std::uint64_t>(keys.size()));
    w.key("violations").beginArray();
    for (const auto& v : violations) w.value(v);
    w.endArray();
    w.endObject();
    std::printf("%s\n", w.take().c_str());
  } else {
    std::printf("%s: %zu operations (%zu writes, %zu reads, %zu with unknown outcome) on %zu keys\n",
                violations.empty() ? "linearizable" : "NOT linearizable", ops.size(), writes, reads, unknown,
                keys.size());
    for (const auto& v : violations) std::printf("violation: %s\n", v.c_str());
  }
  return violations.empty() ? 0 : 3;
}

}  // namespace qlab::app
