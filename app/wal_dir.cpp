#include "app/wal_dir.h"

#include <filesystem>
#include <system_error>

namespace qlab::app {

namespace fs = std::filesystem;

WalDir resolveWalDir(const std::string& dir) {
  constexpr const char* kWhat = "pass a node's data directory (the one containing wal/) or its wal/ folder";
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (!fs::exists(st)) return {{}, dir + ": no such directory; " + kWhat};
  if (!fs::is_directory(st)) return {{}, dir + ": not a directory; " + kWhat};
  const fs::path sub = fs::path(dir) / "wal";
  if (fs::is_directory(sub, ec)) return {sub.string(), {}};
  fs::directory_iterator it(dir, ec);
  if (ec) return {{}, dir + ": cannot list the directory (" + ec.message() + ")"};
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return {{}, dir + ": cannot list the directory (" + ec.message() + ")"};
    if (it->path().extension() == ".wal") return {dir, {}};
  }
  fs::path p(dir);
  if (p.filename().empty()) p = p.parent_path();  // "x/wal/"
  if (p.filename() == "wal") return {dir, {}};
  return {{}, dir + ": not a WAL directory (no wal/ folder and no *.wal segment files); " + kWhat};
}

}  // namespace qlab::app
