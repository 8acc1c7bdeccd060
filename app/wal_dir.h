#pragma once
// The WAL directory that `dump DIR` and `verify DIR` read (docs/cli-tools.md "Which
// directory": DIR is one node's data directory or its wal/ folder).
#include <string>

namespace qlab::app {

struct WalDir {
  std::string path;   // the directory holding the segment files, when ok
  std::string error;  // otherwise: one line naming the path and saying what to do
  bool ok() const { return error.empty(); }
};

// DIR/wal if that is a directory; else DIR itself if it holds *.wal files or is named
// "wal" (an empty log); else an error.
WalDir resolveWalDir(const std::string& dir);

}  // namespace qlab::app
