#pragma once
// An in-memory FileSystem: fast, no real I/O, one mutex. Every call succeeds unless the
// caller breaks a precondition (missing file, file exists). It has no notion of durability;
// wrap it in FaultFileSystem to get power-loss semantics.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/wal/file_system.h"

namespace qlab::wal {

class MemFileSystem final : public FileSystem {
 public:
  MemFileSystem();
  ~MemFileSystem() override;

  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override;
  Status createDirs(const std::string& path) override;
  Result<std::vector<std::string>> list(const std::string& dir) const override;
  Status remove(const std::string& path) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status syncDir(const std::string& dir) override;
  bool exists(const std::string& path) const override;
  Result<std::uint64_t> fileSize(const std::string& path) const override;

  // Test helpers: direct access to a file's bytes (e.g. to flip a bit or cut a file).
  std::string contents(const std::string& path) const;
  void setContents(const std::string& path, std::string bytes);

  struct Node;  // shared with open File handles

 private:
  mutable std::mutex m_mu;
  std::map<std::string, std::shared_ptr<Node>> m_files;
  std::map<std::string, bool> m_dirs;
};

}  // namespace qlab::wal
