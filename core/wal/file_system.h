#pragma once
// The WAL's only view of storage. Three implementations: PosixFileSystem (the real disk:
// write + fdatasync, directory fsync after create/rename/delete), MemFileSystem (plain bytes
// in memory, for fast tests) and FaultFileSystem (wraps another and injects power loss, torn
// writes, EIO on fsync, ENOSPC, short writes and latency). Files are written append-only;
// `truncate` is the only way to shorten one.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/status.h"

namespace qlab::wal {

class File {
 public:
  virtual ~File() = default;
  // Appends at the end of the file. May write fewer bytes than asked (a short write): the
  // return value says how many; callers loop (see writeAll).
  virtual Result<std::size_t> append(const char* data, std::size_t n) = 0;
  // fdatasync: everything appended so far survives power loss once this returns ok.
  virtual Status sync() = 0;
  // Reads up to n bytes at offset; fewer only at end of file.
  virtual Result<std::size_t> readAt(std::uint64_t offset, char* buf, std::size_t n) const = 0;
  virtual Result<std::uint64_t> size() const = 0;
  // Shortens the file to `size` bytes (ftruncate). Durable after the next sync().
  virtual Status truncate(std::uint64_t size) = 0;
  virtual const std::string& path() const = 0;
};

// Loops over short writes; the first error wins.
Status writeAll(File& f, std::string_view data);
// Reads exactly n bytes or fails with kCorruption/kIoError naming the file and offset.
Status readExact(const File& f, std::uint64_t offset, char* buf, std::size_t n);

enum class OpenMode {
  kRead,          // existing file, reads only
  kAppend,        // existing file, reads and appends
  kCreate,        // new file (fails if it exists), reads and appends
  kCreateOrTruncate,
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) = 0;
  // mkdir -p; ok if it exists.
  virtual Status createDirs(const std::string& path) = 0;
  // Names (not paths) of the entries of a directory, unsorted.
  virtual Result<std::vector<std::string>> list(const std::string& dir) const = 0;
  virtual Status remove(const std::string& path) = 0;
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  // fsync of the directory: makes create/rename/remove of its entries durable.
  virtual Status syncDir(const std::string& dir) = 0;
  virtual bool exists(const std::string& path) const = 0;
  virtual Result<std::uint64_t> fileSize(const std::string& path) const = 0;
};

// The real disk. Paths are ordinary POSIX paths.
std::unique_ptr<FileSystem> makePosixFileSystem();
// A process-wide instance for code that has no FileSystem handed to it (the app's dump/verify).
FileSystem& posixFileSystem();

// "dir/name" without doubling the slash.
std::string joinPath(const std::string& dir, const std::string& name);

}  // namespace qlab::wal
