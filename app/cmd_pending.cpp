// Subcommands whose layers are not built yet. Each later issue replaces one of these with a
// real implementation in its own cmd_*.cpp and removes it from here.
#include <cstdio>

#include "app/commands.h"

namespace qlab::app {

namespace {
int notYet(const char* what) {
  std::fprintf(stderr, "quorumlab %s: not available in this build yet\n", what);
  return 1;
}
}  // namespace

int cmdGui(int, char**, const Argv&) { return notYet("gui"); }
int cmdRun(const Argv&) { return notYet("run"); }
int cmdBench(const Argv&) { return notYet("bench"); }

}  // namespace qlab::app
