// Subcommands whose layers are not built yet. Each later issue replaces one of these with a
// real implementation in its own cmd_*.cpp and removes it from here.
#include <cstdio>

#include "app/commands.h"

namespace qlab::app {

// The GUI is cmd_gui.cpp when qlab::ui is built (QLAB_WITH_UI); this stands in without it.
#ifndef QLAB_WITH_UI
namespace {
int notYet(const char* what) {
  std::fprintf(stderr, "quorumlab %s: not available in this build yet\n", what);
  return 1;
}
}  // namespace

int cmdGui(int, char**, const Argv&) { return notYet("gui"); }
#endif

}  // namespace qlab::app
