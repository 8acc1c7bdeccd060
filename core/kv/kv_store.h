#pragma once
// KvStore: the state machine every replica applies committed entries to, in index order.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/common/entry.h"
#include "core/common/status.h"
#include "core/kv/command.h"

namespace qlab::kv {

struct ApplyResult {
  bool isCommand = false;   // a data entry carrying a client command
  bool duplicate = false;   // (client, seq) was applied before: not applied again
  std::uint64_t client = 0;
  std::uint64_t seq = 0;
  Index answerIndex = 0;    // the index that first applied this (client, seq)
  bool malformed = false;   // a data entry whose payload is not a command (skipped)
};

// One client's session: the newest request applied and where. Clients send one request at
// a time, so older sequence numbers are always duplicates.
struct Session {
  std::uint64_t lastSeq = 0;
  Index lastIndex = 0;
};

class KvStore {
 public:
  // Sessions beyond this many are evicted oldest-first (by last applied index).
  static constexpr std::size_t kMaxSessions = 4096;

  // Applies the entry at appliedIndex() + 1. Noop and config entries only move the index.
  ApplyResult apply(const Entry& e);

  std::optional<std::string> get(std::string_view key) const;
  const std::map<std::string, std::string, std::less<>>& data() const { return m_data; }
  const std::unordered_map<std::uint64_t, Session>& sessions() const { return m_sessions; }
  Index appliedIndex() const { return m_appliedIndex; }
  Generation appliedGeneration() const { return m_appliedGeneration; }
  std::uint32_t writeQuorum() const { return m_writeQuorum; }  // config at appliedIndex
  std::uint64_t duplicatesIgnored() const { return m_duplicates; }

  // Snapshot of the whole state at appliedIndex (docs/wal-format.md, "Snapshots").
  std::string encodeSnapshot() const;
  static Result<KvStore> decodeSnapshot(std::string_view bytes);
  // The encoding of the empty initial state (snapshot index 0).
  static std::string emptySnapshot();

  friend bool operator==(const KvStore& a, const KvStore& b) {
    return a.m_appliedIndex == b.m_appliedIndex && a.m_data == b.m_data;
  }

 private:
  void evictSessions();

  std::map<std::string, std::string, std::less<>> m_data;
  std::unordered_map<std::uint64_t, Session> m_sessions;
  Index m_appliedIndex = 0;
  Generation m_appliedGeneration = 0;
  std::uint32_t m_writeQuorum = 0;
  std::uint64_t m_duplicates = 0;
};

}  // namespace qlab::kv
