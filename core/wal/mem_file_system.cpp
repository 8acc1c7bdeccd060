#include "core/wal/mem_file_system.h"

#include <algorithm>
#include <cstring>

namespace qlab::wal {

// The bytes of one file. Open handles share it, so a removed file lives on for its handles
// (POSIX unlink semantics). Each node has its own mutex: handles never take the fs mutex.
struct MemFileSystem::Node {
  mutable std::mutex mu;
  std::string data;
};

namespace {

std::string parentOf(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return "";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// "a/b/" -> "a/b"; "." -> "" (the current directory is the root of a MemFileSystem).
std::string stripSlash(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (dir == ".") dir.clear();
  return dir;
}

class MemFile final : public File {
 public:
  MemFile(std::shared_ptr<MemFileSystem::Node> node, std::string path, bool writable)
      : m_node(std::move(node)), m_path(std::move(path)), m_writable(writable) {}

  Result<std::size_t> append(const char* data, std::size_t n) override {
    if (!m_writable) return Status::ioError(m_path + ": append to a file opened for reading");
    std::lock_guard lk(m_node->mu);
    m_node->data.append(data, n);
    return n;
  }
  Status sync() override { return Status::ok(); }
  Result<std::size_t> readAt(std::uint64_t offset, char* buf, std::size_t n) const override {
    std::lock_guard lk(m_node->mu);
    if (offset >= m_node->data.size()) return std::size_t{0};
    const std::size_t got = std::min<std::size_t>(n, m_node->data.size() - offset);
    std::memcpy(buf, m_node->data.data() + offset, got);
    return got;
  }
  Result<std::uint64_t> size() const override {
    std::lock_guard lk(m_node->mu);
    return static_cast<std::uint64_t>(m_node->data.size());
  }
  Status truncate(std::uint64_t size) override {
    if (!m_writable) return Status::ioError(m_path + ": truncate of a file opened for reading");
    std::lock_guard lk(m_node->mu);
    // ftruncate may also extend, with zeros.
    m_node->data.resize(static_cast<std::size_t>(size), '\0');
    return Status::ok();
  }
  const std::string& path() const override { return m_path; }

 private:
  std::shared_ptr<MemFileSystem::Node> m_node;
  std::string m_path;
  bool m_writable;
};

}  // namespace

MemFileSystem::MemFileSystem() {
  m_dirs[""] = true;
  m_dirs["/"] = true;
}
MemFileSystem::~MemFileSystem() = default;

Result<std::unique_ptr<File>> MemFileSystem::open(const std::string& path, OpenMode mode) {
  std::lock_guard lk(m_mu);
  auto it = m_files.find(path);
  const bool writable = mode != OpenMode::kRead;
  if (mode == OpenMode::kRead || mode == OpenMode::kAppend) {
    if (it == m_files.end()) return Status::notFound(path + ": open failed: no such file");
    return std::unique_ptr<File>(std::make_unique<MemFile>(it->second, path, writable));
  }
  if (m_dirs.count(stripSlash(parentOf(path))) == 0) {
    return Status::notFound(path + ": open failed: no such directory " + parentOf(path));
  }
  if (m_dirs.count(path) != 0) return Status::ioError(path + ": open failed: is a directory");
  if (it != m_files.end()) {
    if (mode == OpenMode::kCreate) return Status::ioError(path + ": create failed: file exists");
    std::lock_guard nlk(it->second->mu);
    it->second->data.clear();
    return std::unique_ptr<File>(std::make_unique<MemFile>(it->second, path, true));
  }
  auto node = std::make_shared<Node>();
  m_files[path] = node;
  return std::unique_ptr<File>(std::make_unique<MemFile>(node, path, true));
}

Status MemFileSystem::createDirs(const std::string& path) {
  std::lock_guard lk(m_mu);
  std::string p = stripSlash(path);
  std::vector<std::string> chain;
  while (!p.empty() && m_dirs.count(p) == 0) {
    if (m_files.count(p) != 0) {
      return Status::ioError(p + ": create directory failed: exists and is not a directory");
    }
    chain.push_back(p);
    p = parentOf(p);
  }
  for (const std::string& d : chain) m_dirs[d] = true;
  return Status::ok();
}

Result<std::vector<std::string>> MemFileSystem::list(const std::string& dir) const {
  std::lock_guard lk(m_mu);
  const std::string d = stripSlash(dir);
  if (m_dirs.count(d) == 0) return Status::notFound(d + ": list directory failed: no such directory");
  std::vector<std::string> names;
  auto collect = [&](const std::string& path) {
    if (path != d && path != "/" && parentOf(path) == d) {
      names.push_back(d.empty() ? path : path.substr(d.size() + (d == "/" ? 0 : 1)));
    }
  };
  for (const auto& [path, node] : m_files) collect(path);
  for (const auto& [path, unused] : m_dirs) collect(path);
  return names;
}

Status MemFileSystem::remove(const std::string& path) {
  std::lock_guard lk(m_mu);
  if (m_files.erase(path) == 0) return Status::notFound(path + ": remove failed: no such file");
  return Status::ok();
}

Status MemFileSystem::rename(const std::string& from, const std::string& to) {
  std::lock_guard lk(m_mu);
  auto it = m_files.find(from);
  if (it == m_files.end()) return Status::notFound(from + ": rename failed: no such file");
  if (m_dirs.count(parentOf(to)) == 0) {
    return Status::notFound(to + ": rename failed: no such directory " + parentOf(to));
  }
  auto node = it->second;
  m_files.erase(it);
  m_files[to] = std::move(node);
  return Status::ok();
}

Status MemFileSystem::syncDir(const std::string& dir) {
  std::lock_guard lk(m_mu);
  if (m_dirs.count(stripSlash(dir)) == 0) {
    return Status::notFound(dir + ": fsync of directory failed: no such directory");
  }
  return Status::ok();
}

bool MemFileSystem::exists(const std::string& path) const {
  std::lock_guard lk(m_mu);
  return m_files.count(path) != 0 || m_dirs.count(stripSlash(path)) != 0;
}

Result<std::uint64_t> MemFileSystem::fileSize(const std::string& path) const {
  std::lock_guard lk(m_mu);
  auto it = m_files.find(path);
  if (it == m_files.end()) return Status::notFound(path + ": stat failed: no such file");
  std::lock_guard nlk(it->second->mu);
  return static_cast<std::uint64_t>(it->second->data.size());
}

std::string MemFileSystem::contents(const std::string& path) const {
  std::lock_guard lk(m_mu);
  auto it = m_files.find(path);
  if (it == m_files.end()) return {};
  std::lock_guard nlk(it->second->mu);
  return it->second->data;
}

void MemFileSystem::setContents(const std::string& path, std::string bytes) {
  std::lock_guard lk(m_mu);
  auto& node = m_files[path];
  if (!node) node = std::make_shared<Node>();
  std::lock_guard nlk(node->mu);
  node->data = std::move(bytes);
}

}  // namespace qlab::wal
