#include "core/wal/file_system.h"

namespace qlab::wal {

Status writeAll(File& f, std::string_view data) {
  while (!data.empty()) {
    Result<std::size_t> n = f.append(data.data(), data.size());
    if (!n.isOk()) return n.status();
    if (*n == 0) return Status::ioError(f.path() + ": write made no progress");
    data.remove_prefix(*n);
  }
  return Status::ok();
}

Status readExact(const File& f, std::uint64_t offset, char* buf, std::size_t n) {
  Result<std::size_t> got = f.readAt(offset, buf, n);
  if (!got.isOk()) return got.status();
  if (*got != n) {
    return Status::corruption(f.path() + " at byte " + std::to_string(offset) + ": expected " +
                              std::to_string(n) + " bytes, the file ends after " +
                              std::to_string(*got));
  }
  return Status::ok();
}

std::string joinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

}  // namespace qlab::wal
