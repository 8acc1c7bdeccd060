// FaultFileSystem: remembers what is durable so that a power loss can take the rest away.
//
// Files: per path, the current size and the synced size (File::sync makes them equal;
// truncate lowers both). Files are append-only, so rolling back to the synced size is exact.
// Directories: every create, rename and remove since the last syncDir of its directory is
// an undo-able operation. A remove is a rename to a hidden graveyard name, and a rename over
// an existing file first moves that file to the graveyard, so power loss can put both back;
// syncDir deletes the graveyard files for good.
#include "core/wal/fault_file_system.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

namespace qlab::wal {
namespace {

constexpr const char* kGravePrefix = ".qlab-grave-";

std::string dirOf(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return "";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// "a/b/" -> "a/b"; "." -> "" (the same directory dirOf gives a bare file name).
std::string normDir(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (dir == ".") dir.clear();
  return dir;
}

bool isGraveName(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  const std::size_t start = slash == std::string::npos ? 0 : slash + 1;
  return path.compare(start, std::string::traits_type::length(kGravePrefix), kGravePrefix) == 0;
}

Status aborted(const std::string& path) {
  return Status::aborted(path + ": the machine lost power (simulated); reopen");
}

}  // namespace

struct FaultFileSystem::State {
  explicit State(FileSystem& b, std::uint64_t seed) : base(b), rng(seed) {}

  struct FileInfo {
    std::uint64_t size = 0;
    std::uint64_t synced = 0;
  };
  enum class OpKind { kCreate, kRename, kRemove };
  struct DirOp {
    OpKind kind;
    std::string dir;
    std::string a;      // created / removed / renamed-from path
    std::string b;      // renamed-to path
    std::string grave;  // where a removed file, or a replaced rename target, waits
  };

  FileSystem& base;
  mutable std::mutex mu;
  Random rng;
  FaultConfig cfg;
  int failSyncs = 0;
  int failAppends = 0;
  std::atomic<bool> hasHook{false};
  std::function<bool(const std::string&)> hook;
  PowerLossMode crashMode = PowerLossMode::kDropUnsynced;
  std::uint64_t epoch = 0;
  int losses = 0;
  std::map<std::string, FileInfo> files;
  std::vector<DirOp> ops;
  std::string lastWritten;
  std::uint64_t graveCounter = 0;

  // Callers hold mu.
  FileInfo& info(const std::string& path) {
    auto it = files.find(path);
    if (it != files.end()) return it->second;
    Result<std::uint64_t> sz = base.fileSize(path);
    const std::uint64_t n = sz.isOk() ? *sz : 0;
    return files[path] = FileInfo{n, n};  // files that predate us count as durable
  }
  void moveInfo(const std::string& from, const std::string& to) {
    auto it = files.find(from);
    if (it == files.end()) return;
    FileInfo fi = it->second;
    files.erase(it);
    files[to] = fi;
  }
  std::string graveFor(const std::string& path) {
    return (dirOf(path).empty() ? std::string() : dirOf(path) + "/") + kGravePrefix +
           std::to_string(++graveCounter);
  }
  std::uint64_t usedBytes() const {
    std::uint64_t total = 0;
    for (const auto& [path, fi] : files) total += fi.size;
    return total;
  }
  bool injectSyncError() {
    if (failSyncs > 0) {
      --failSyncs;
      return true;
    }
    return cfg.fsyncEioProbability > 0 && rng.chance(cfg.fsyncEioProbability);
  }

  // Returns false when the crash hook fired: power is lost and the operation must fail.
  bool survives(const char* verb, const std::string& a, const std::string& b = {}) {
    if (!hasHook.load(std::memory_order_acquire)) return true;
    std::function<bool(const std::string&)> h;
    PowerLossMode mode;
    {
      std::lock_guard lk(mu);
      h = hook;
      mode = crashMode;
    }
    std::string op = std::string(verb) + " " + a;
    if (!b.empty()) op += " " + b;
    if (h && h(op)) {
      powerLoss(mode);
      return false;
    }
    return true;
  }

  void powerLoss(PowerLossMode mode) {
    std::lock_guard lk(mu);
    ++epoch;
    ++losses;
    for (auto& [path, fi] : files) {
      if (fi.size <= fi.synced) continue;
      if (mode != PowerLossMode::kDropUnsynced && path == lastWritten) {
        std::uint64_t keep = rng.uniform(fi.size - fi.synced + 1);
        Result<std::unique_ptr<File>> f = base.open(path, OpenMode::kAppend);
        if (f.isOk()) {
          Status s = (*f)->truncate(fi.synced + keep);
          if (s.isOk() && mode == PowerLossMode::kZeroedTail && keep > 0) {
            s = (*f)->truncate(fi.synced);
            if (s.isOk()) s = (*f)->truncate(fi.synced + keep);  // extends with zeros
          }
          (void)s;
        }
        fi.size = fi.synced = fi.synced + keep;
        continue;
      }
      Result<std::unique_ptr<File>> f = base.open(path, OpenMode::kAppend);
      if (f.isOk()) (void)(*f)->truncate(fi.synced);
      fi.size = fi.synced;
    }
    for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
      switch (it->kind) {
        case OpKind::kCreate:
          (void)base.remove(it->a);
          files.erase(it->a);
          break;
        case OpKind::kRemove:
          (void)base.rename(it->grave, it->a);
          moveInfo(it->grave, it->a);
          break;
        case OpKind::kRename:
          (void)base.rename(it->b, it->a);
          moveInfo(it->b, it->a);
          if (!it->grave.empty()) {
            (void)base.rename(it->grave, it->b);
            moveInfo(it->grave, it->b);
          }
          break;
      }
    }
    ops.clear();
    lastWritten.clear();
  }
};

namespace {

class FaultFile final : public File {
 public:
  FaultFile(std::shared_ptr<FaultFileSystem::State> st, std::unique_ptr<File> base,
            std::string path, std::uint64_t epoch)
      : m_st(std::move(st)), m_base(std::move(base)), m_path(std::move(path)), m_epoch(epoch) {}

  Result<std::size_t> append(const char* data, std::size_t n) override {
    if (!m_st->survives("append", m_path)) return aborted(m_path);
    std::lock_guard lk(m_st->mu);
    if (m_epoch != m_st->epoch) return aborted(m_path);
    if (m_st->failAppends > 0) {
      --m_st->failAppends;
      return Status::noSpace(m_path + ": write failed: No space left on device (injected)");
    }
    if (m_st->cfg.capacityBytes > 0) {
      const std::uint64_t used = m_st->usedBytes();
      if (used >= m_st->cfg.capacityBytes) {
        return Status::noSpace(m_path + ": write failed: No space left on device (capacity " +
                               std::to_string(m_st->cfg.capacityBytes) + " bytes)");
      }
      n = static_cast<std::size_t>(std::min<std::uint64_t>(n, m_st->cfg.capacityBytes - used));
    }
    if (n > 1 && m_st->cfg.shortWriteProbability > 0 &&
        m_st->rng.chance(m_st->cfg.shortWriteProbability)) {
      n = 1 + static_cast<std::size_t>(m_st->rng.uniform(n - 1));
    }
    Result<std::size_t> w = m_base->append(data, n);
    if (w.isOk()) {
      m_st->info(m_path).size += *w;
      m_st->lastWritten = m_path;
    }
    return w;
  }

  Status sync() override {
    if (!m_st->survives("sync", m_path)) return aborted(m_path);
    std::int64_t latencyUs;
    {
      std::lock_guard lk(m_st->mu);
      if (m_epoch != m_st->epoch) return aborted(m_path);
      if (m_st->injectSyncError()) {
        return Status::ioError(m_path + ": fdatasync failed: Input/output error (injected)");
      }
      latencyUs = m_st->cfg.latencyUs;
    }
    if (latencyUs > 0) std::this_thread::sleep_for(std::chrono::microseconds(latencyUs));
    std::lock_guard lk(m_st->mu);
    if (m_epoch != m_st->epoch) return aborted(m_path);
    QLAB_RETURN_IF_ERROR(m_base->sync());
    auto& fi = m_st->info(m_path);
    fi.synced = fi.size;
    return Status::ok();
  }

  Result<std::size_t> readAt(std::uint64_t offset, char* buf, std::size_t n) const override {
    {
      std::lock_guard lk(m_st->mu);
      if (m_epoch != m_st->epoch) return aborted(m_path);
    }
    return m_base->readAt(offset, buf, n);
  }

  Result<std::uint64_t> size() const override {
    {
      std::lock_guard lk(m_st->mu);
      if (m_epoch != m_st->epoch) return aborted(m_path);
    }
    return m_base->size();
  }

  Status truncate(std::uint64_t size) override {
    if (!m_st->survives("truncate", m_path)) return aborted(m_path);
    std::lock_guard lk(m_st->mu);
    if (m_epoch != m_st->epoch) return aborted(m_path);
    QLAB_RETURN_IF_ERROR(m_base->truncate(size));
    auto& fi = m_st->info(m_path);
    fi.size = size;
    fi.synced = std::min(fi.synced, size);
    return Status::ok();
  }

  const std::string& path() const override { return m_path; }

 private:
  std::shared_ptr<FaultFileSystem::State> m_st;
  std::unique_ptr<File> m_base;
  std::string m_path;
  std::uint64_t m_epoch;
};

}  // namespace

FaultFileSystem::FaultFileSystem(FileSystem& base, std::uint64_t seed)
    : m_state(std::make_shared<State>(base, seed)) {}
FaultFileSystem::~FaultFileSystem() = default;

void FaultFileSystem::setConfig(const FaultConfig& c) {
  std::lock_guard lk(m_state->mu);
  m_state->cfg = c;
}
FaultConfig FaultFileSystem::config() const {
  std::lock_guard lk(m_state->mu);
  return m_state->cfg;
}
void FaultFileSystem::failNextSyncs(int n) {
  std::lock_guard lk(m_state->mu);
  m_state->failSyncs = n;
}
void FaultFileSystem::failNextAppends(int n) {
  std::lock_guard lk(m_state->mu);
  m_state->failAppends = n;
}
void FaultFileSystem::setCrashPoint(std::function<bool(const std::string& op)> hook) {
  std::lock_guard lk(m_state->mu);
  m_state->hasHook.store(static_cast<bool>(hook), std::memory_order_release);
  m_state->hook = std::move(hook);
}
void FaultFileSystem::setCrashMode(PowerLossMode mode) {
  std::lock_guard lk(m_state->mu);
  m_state->crashMode = mode;
}
void FaultFileSystem::powerLoss(PowerLossMode mode) { m_state->powerLoss(mode); }
int FaultFileSystem::powerLosses() const {
  std::lock_guard lk(m_state->mu);
  return m_state->losses;
}

Result<std::unique_ptr<File>> FaultFileSystem::open(const std::string& path, OpenMode mode) {
  const bool creating = mode == OpenMode::kCreate || mode == OpenMode::kCreateOrTruncate;
  if (creating && !m_state->survives("create", path)) return aborted(path);
  std::lock_guard lk(m_state->mu);
  if (isGraveName(path)) return Status::notFound(path + ": open failed: no such file");
  const bool existed = m_state->base.exists(path);
  Result<std::unique_ptr<File>> f = m_state->base.open(path, mode);
  if (!f.isOk()) return f.status();
  if (creating && !existed) {
    m_state->files[path] = State::FileInfo{};
    m_state->ops.push_back({State::OpKind::kCreate, dirOf(path), path, {}, {}});
  } else if (mode == OpenMode::kCreateOrTruncate) {
    m_state->info(path) = State::FileInfo{};
  } else {
    (void)m_state->info(path);
  }
  return std::unique_ptr<File>(
      std::make_unique<FaultFile>(m_state, std::move(f).value(), path, m_state->epoch));
}

Status FaultFileSystem::createDirs(const std::string& path) {
  return m_state->base.createDirs(path);
}

Result<std::vector<std::string>> FaultFileSystem::list(const std::string& dir) const {
  Result<std::vector<std::string>> names = m_state->base.list(dir);
  if (!names.isOk()) return names;
  std::vector<std::string> out;
  for (std::string& n : *names) {
    if (!isGraveName(n)) out.push_back(std::move(n));
  }
  return out;
}

Status FaultFileSystem::remove(const std::string& path) {
  if (!m_state->survives("remove", path)) return aborted(path);
  std::lock_guard lk(m_state->mu);
  if (isGraveName(path) || !m_state->base.exists(path)) {
    return Status::notFound(path + ": remove failed: no such file");
  }
  (void)m_state->info(path);
  const std::string grave = m_state->graveFor(path);
  QLAB_RETURN_IF_ERROR(m_state->base.rename(path, grave));
  m_state->moveInfo(path, grave);
  m_state->ops.push_back({State::OpKind::kRemove, dirOf(path), path, {}, grave});
  return Status::ok();
}

Status FaultFileSystem::rename(const std::string& from, const std::string& to) {
  if (!m_state->survives("rename", from, to)) return aborted(from);
  std::lock_guard lk(m_state->mu);
  if (!m_state->base.exists(from)) return Status::notFound(from + ": rename failed: no such file");
  (void)m_state->info(from);
  std::string grave;
  if (m_state->base.exists(to)) {
    (void)m_state->info(to);
    grave = m_state->graveFor(to);
    QLAB_RETURN_IF_ERROR(m_state->base.rename(to, grave));
    m_state->moveInfo(to, grave);
  }
  Status s = m_state->base.rename(from, to);
  if (!s.isOk()) {
    if (!grave.empty()) {
      (void)m_state->base.rename(grave, to);
      m_state->moveInfo(grave, to);
    }
    return s;
  }
  m_state->moveInfo(from, to);
  m_state->ops.push_back({State::OpKind::kRename, dirOf(to), from, to, grave});
  return Status::ok();
}

Status FaultFileSystem::syncDir(const std::string& dir) {
  if (!m_state->survives("syncdir", dir)) return aborted(dir);
  std::int64_t latencyUs;
  {
    std::lock_guard lk(m_state->mu);
    if (m_state->injectSyncError()) {
      return Status::ioError(dir + ": fsync of directory failed: Input/output error (injected)");
    }
    latencyUs = m_state->cfg.latencyUs;
  }
  if (latencyUs > 0) std::this_thread::sleep_for(std::chrono::microseconds(latencyUs));
  std::lock_guard lk(m_state->mu);
  QLAB_RETURN_IF_ERROR(m_state->base.syncDir(dir));
  const std::string d = normDir(dir);
  auto& ops = m_state->ops;
  for (const State::DirOp& op : ops) {
    if (op.dir != d || op.grave.empty()) continue;
    (void)m_state->base.remove(op.grave);
    m_state->files.erase(op.grave);
  }
  ops.erase(std::remove_if(ops.begin(), ops.end(), [&](const State::DirOp& op) { return op.dir == d; }),
            ops.end());
  return Status::ok();
}

bool FaultFileSystem::exists(const std::string& path) const {
  return !isGraveName(path) && m_state->base.exists(path);
}

Result<std::uint64_t> FaultFileSystem::fileSize(const std::string& path) const {
  if (isGraveName(path)) return Status::notFound(path + ": stat failed: no such file");
  return m_state->base.fileSize(path);
}

}  // namespace qlab::wal
