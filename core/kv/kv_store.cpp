#include "core/kv/kv_store.h"

#include <algorithm>
#include <vector>

#include "core/common/assert.h"
#include "core/common/coding.h"
#include "core/common/cluster_config.h"

namespace qlab::kv {

namespace {
constexpr char kSnapshotMagic[4] = {'Q', 'K', 'V', '1'};
constexpr std::uint32_t kMaxSnapshotEntries = 50'000'000;
}  // namespace

ApplyResult KvStore::apply(const Entry& e) {
  QLAB_ASSERT_MSG(e.index == m_appliedIndex + 1, "entries must be applied in index order");
  m_appliedIndex = e.index;
  m_appliedGeneration = e.generation;
  ApplyResult r;
  if (e.type == EntryType::kConfig) {
    if (auto c = decodeClusterConfig(e.payload); c.isOk()) m_writeQuorum = c->writeQuorum;
    return r;
  }
  if (e.type != EntryType::kData) return r;
  auto cmd = decodeCommand(e.payload);
  if (!cmd.isOk()) {
    r.malformed = true;
    return r;
  }
  r.isCommand = true;
  r.client = cmd->client;
  r.seq = cmd->seq;
  Session& s = m_sessions[cmd->client];
  if (cmd->seq <= s.lastSeq) {
    // A retry of a request already applied: answer with where it was first applied.
    r.duplicate = true;
    r.answerIndex = cmd->seq == s.lastSeq ? s.lastIndex : 0;
    ++m_duplicates;
    return r;
  }
  m_data[cmd->key] = cmd->value;
  s.lastSeq = cmd->seq;
  s.lastIndex = e.index;
  r.answerIndex = e.index;
  if (m_sessions.size() > kMaxSessions) evictSessions();
  return r;
}

void KvStore::evictSessions() {
  std::vector<std::pair<Index, std::uint64_t>> byAge;
  byAge.reserve(m_sessions.size());
  for (const auto& [id, s] : m_sessions) byAge.emplace_back(s.lastIndex, id);
  std::sort(byAge.begin(), byAge.end());
  std::size_t drop = m_sessions.size() - kMaxSessions * 3 / 4;
  for (std::size_t i = 0; i < drop; ++i) m_sessions.erase(byAge[i].second);
}

std::optional<std::string> KvStore::get(std::string_view key) const {
  auto it = m_data.find(key);
  if (it == m_data.end()) return std::nullopt;
  return it->second;
}

std::string KvStore::encodeSnapshot() const {
  using namespace coding;
  std::string out;
  out.append(kSnapshotMagic, 4);
  putFixed64(out, m_appliedIndex);
  putFixed64(out, m_appliedGeneration);
  putFixed32(out, m_writeQuorum);
  putFixed64(out, m_duplicates);
  putFixed32(out, static_cast<std::uint32_t>(m_data.size()));
  for (const auto& [k, v] : m_data) {
    putBytes(out, k);
    putBytes(out, v);
  }
  // Sessions in client order so that equal states encode to equal bytes.
  std::vector<std::pair<std::uint64_t, Session>> sessions(m_sessions.begin(), m_sessions.end());
  std::sort(sessions.begin(), sessions.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  putFixed32(out, static_cast<std::uint32_t>(sessions.size()));
  for (const auto& [id, s] : sessions) {
    putFixed64(out, id);
    putFixed64(out, s.lastSeq);
    putFixed64(out, s.lastIndex);
  }
  return out;
}

Result<KvStore> KvStore::decodeSnapshot(std::string_view bytes) {
  coding::Reader r(bytes);
  auto magic = r.raw(4);
  if (!r.ok() || magic != std::string_view(kSnapshotMagic, 4))
    return Status::corruption("kv snapshot: bad magic (not a Quorum Lab snapshot)");
  KvStore s;
  s.m_appliedIndex = r.u64();
  s.m_appliedGeneration = r.u64();
  s.m_writeQuorum = r.u32();
  s.m_duplicates = r.u64();
  std::uint32_t n = r.u32();
  if (!r.ok() || n > kMaxSnapshotEntries || static_cast<std::uint64_t>(n) * 8 > r.remaining())
    return Status::corruption("kv snapshot: truncated or impossible key count");
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    auto k = r.bytes(kMaxKeyBytes);
    auto v = r.bytes(kMaxValueBytes);
    if (r.ok()) s.m_data.emplace(std::string(k), std::string(v));
  }
  std::uint32_t sessions = r.u32();
  if (!r.ok() || static_cast<std::uint64_t>(sessions) * 24 > r.remaining())
    return Status::corruption("kv snapshot: truncated sessions");
  for (std::uint32_t i = 0; i < sessions; ++i) {
    std::uint64_t id = r.u64();
    Session ss;
    ss.lastSeq = r.u64();
    ss.lastIndex = r.u64();
    s.m_sessions[id] = ss;
  }
  if (!r.ok() || !r.atEnd()) return Status::corruption("kv snapshot: truncated or trailing bytes");
  return s;
}

std::string KvStore::emptySnapshot() { return KvStore{}.encodeSnapshot(); }

}  // namespace qlab::kv
