// quorumlab bench wal|recovery|cluster|memory|seek|group-limit ...: dispatch to one function per benchmark (bench.h).
// A new benchmark is one function and one row in kBenches.
#include <cstdio>

#include "app/args.h"
#include "app/bench.h"
#include "app/commands.h"

namespace qlab::app {

namespace {

struct Bench {
  const char* name;
  int (*run)(const Argv&);
};

constexpr Bench kBenches[] = {
    {"wal", benchWal},
    {"recovery", benchRecovery},
    {"cluster", benchCluster},
    {"memory", benchMemory},
    {"seek", benchSeek},
    {"group-limit", benchGroupLimit},
};

}  // namespace

int cmdBench(const Argv& args) {
  if (args.empty() || args[0].rfind("--", 0) == 0) {
    return usageError("bench", "name a benchmark: wal, recovery, cluster, memory, seek or group-limit");
  }
  for (const Bench& b : kBenches) {
    if (args[0] == b.name) return b.run(Argv(args.begin() + 1, args.end()));
  }
  return usageError("bench", "unknown benchmark '" + args[0] + "' (use wal, recovery, cluster, memory, seek or group-limit)");
}

}  // namespace qlab::app
