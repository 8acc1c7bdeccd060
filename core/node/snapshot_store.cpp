#include "core/node/snapshot_store.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "core/kv/kv_store.h"
#include "core/wal/atomic_file.h"

namespace qlab::node {

namespace {
constexpr const char* kSuffix = ".snap";
constexpr const char* kIncoming = "incoming.part";
constexpr std::size_t kKeep = 2;

bool parseName(const std::string& name, Index* index) {
  if (name.size() != 20 + 5 || name.compare(20, 5, kSuffix) != 0) return false;
  Index v = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    v = v * 10 + static_cast<Index>(name[i] - '0');
  }
  *index = v;
  return true;
}
}  // namespace

SnapshotStore::SnapshotStore(wal::FileSystem& fs, std::string dataDir)
    : m_fs(fs), m_dataDir(std::move(dataDir)) {
  m_bytes = kv::KvStore::emptySnapshot();
  m_meta.bytes = m_bytes.size();
}

std::string SnapshotStore::dir() const { return wal::joinPath(m_dataDir, "snapshots"); }

std::string SnapshotStore::fileName(Index index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020" PRIu64 "%s", static_cast<std::uint64_t>(index), kSuffix);
  return buf;
}

std::vector<std::string> SnapshotStore::fileNames() const {
  std::vector<std::string> out;
  auto names = m_fs.list(dir());
  if (!names.isOk()) return out;
  for (const auto& n : *names) {
    Index i;
    if (parseName(n, &i)) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status SnapshotStore::load(std::vector<std::string>* notes) {
  QLAB_RETURN_IF_ERROR(m_fs.createDirs(dir()));
  auto names = fileNames();
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    std::string path = wal::joinPath(dir(), *it);
    auto bytes = wal::readAtomicFile(m_fs, path);
    if (!bytes.isOk()) {
      if (notes) notes->push_back("skipped damaged snapshot " + path + ": " + bytes.status().message());
      continue;
    }
    auto state = kv::KvStore::decodeSnapshot(*bytes);
    Index named = 0;
    parseName(*it, &named);
    if (!state.isOk() || state->appliedIndex() != named) {
      if (notes) notes->push_back("skipped snapshot " + path + " whose content does not match its name");
      continue;
    }
    m_meta = replication::SnapshotMeta{state->appliedIndex(), state->appliedGeneration(),
                                       bytes->size(), state->writeQuorum()};
    m_bytes = std::move(bytes.value());
    return Status::ok();
  }
  return Status::ok();
}

Status SnapshotStore::save(replication::SnapshotMeta meta, std::string bytes) {
  QLAB_RETURN_IF_ERROR(m_fs.createDirs(dir()));
  meta.bytes = bytes.size();
  QLAB_RETURN_IF_ERROR(wal::writeFileAtomically(m_fs, wal::joinPath(dir(), fileName(meta.index)), bytes));
  m_meta = meta;
  m_bytes = std::move(bytes);
  auto names = fileNames();
  if (names.size() > kKeep) {
    for (std::size_t i = 0; i + kKeep < names.size(); ++i)
      (void)m_fs.remove(wal::joinPath(dir(), names[i]));  // best effort: a leftover is harmless
    (void)m_fs.syncDir(dir());
  }
  return Status::ok();
}

Result<std::string> SnapshotStore::chunk(const replication::SnapshotMeta& meta,
                                         std::uint64_t offset, std::size_t maxBytes) const {
  if (!(meta == m_meta)) return Status::notFound("snapshot " + std::to_string(meta.index) + " was replaced");
  if (offset > m_bytes.size()) return Status::invalidArgument("snapshot offset beyond its end");
  return m_bytes.substr(offset, maxBytes);
}

Status SnapshotStore::writeIncoming(std::uint64_t offset, const std::string& data) {
  std::string path = wal::joinPath(dir(), kIncoming);
  if (offset == 0 || !m_incoming) {
    if (offset != 0) return Status::invalidArgument("incoming snapshot chunk out of order");
    QLAB_RETURN_IF_ERROR(m_fs.createDirs(dir()));
    auto f = m_fs.open(path, wal::OpenMode::kCreateOrTruncate);
    if (!f.isOk()) return f.status();
    m_incoming = std::move(f.value());
  }
  auto size = m_incoming->size();
  if (!size.isOk()) return size.status();
  if (*size != offset) return Status::invalidArgument("incoming snapshot chunk out of order");
  return wal::writeAll(*m_incoming, data);
}

Result<std::string> SnapshotStore::readIncoming() const {
  if (!m_incoming) return Status::notFound("no incoming snapshot");
  auto size = m_incoming->size();
  if (!size.isOk()) return size.status();
  std::string out(static_cast<std::size_t>(*size), '\0');
  QLAB_RETURN_IF_ERROR(wal::readExact(*m_incoming, 0, out.data(), out.size()));
  return out;
}

void SnapshotStore::discardIncoming() {
  m_incoming.reset();
  (void)m_fs.remove(wal::joinPath(dir(), kIncoming));
}

}  // namespace qlab::node
