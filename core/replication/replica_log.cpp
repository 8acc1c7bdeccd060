// ReplicaCore: the log as seen during one call (storage plus what this call appended or
// truncated), conflict search and write-quorum configuration entries.
#include "core/replication/replica_core.h"

#include <algorithm>
#include <utility>

#include "core/common/assert.h"

namespace qlab::replication {

namespace {
std::string str(Index i) { return std::to_string(i); }
}  // namespace

// ---------------------------------------------------------------------------------------
// The log as seen during a call

std::optional<Generation> ReplicaCore::generationOf(Index index) const {
  if (index == 0) return Generation{0};
  if (index > m_last) return std::nullopt;
  if (!m_ready.append.empty() && index >= m_ready.append.front().index)
    return m_ready.append[index - m_ready.append.front().index].generation;
  if (index == m_snapshot.index) return m_snapshot.generation;
  return m_storage.generationAt(index);
}

bool ReplicaCore::readEntries(Index from, Index to, std::vector<Entry>* out) const {
  // Entries below pendingFirst are in storage; this call's appends are not there yet.
  Index pendingFirst = m_ready.append.empty() ? m_last + 1 : m_ready.append.front().index;
  std::size_t bytes = 0;
  if (from < pendingFirst) {
    Index storedTo = std::min(to, pendingFirst - 1);
    std::vector<Entry> stored;
    if (!m_storage.entries(from, storedTo, m_config.maxAppendBytes, &stored).isOk() ||
        stored.empty() || stored.front().index != from)
      return false;
    for (auto& e : stored) {
      bytes += e.payload.size();
      out->push_back(std::move(e));
    }
    if (out->back().index < storedTo || bytes >= m_config.maxAppendBytes) return true;
    from = storedTo + 1;
  }
  for (Index i = from; i <= to && bytes < m_config.maxAppendBytes; ++i) {
    const Entry& e = m_ready.append[i - pendingFirst];
    out->push_back(e);
    bytes += e.payload.size();
  }
  return true;
}

void ReplicaCore::appendLocal(Entry e) {
  QLAB_ASSERT(e.index == m_last + 1);
  QLAB_ASSERT(e.generation >= m_lastGeneration);
  m_last = e.index;
  m_lastGeneration = e.generation;
  if (e.type == EntryType::kConfig) configAppended(e);
  m_ready.append.push_back(std::move(e));
}

void ReplicaCore::truncateLocal(Index after) {
  QLAB_ASSERT(after >= m_hwm);
  QLAB_ASSERT(m_ready.append.empty());  // one cut per call, before appending
  Index removedTo = m_last;
  m_ready.truncateAfter = after;
  m_last = after;
  m_lastGeneration = after == m_snapshot.index ? m_snapshot.generation
                                               : m_storage.generationAt(after).value_or(0);
  m_durable = std::min(m_durable, after);
  m_matched = std::min(m_matched, after);
  m_ackedMatch = std::min(m_ackedMatch, after);
  std::uint32_t before = writeQuorum();
  while (!m_configs.empty() && m_configs.back().index > after) m_configs.pop_back();
  addEvent(EventKind::kTruncated, m_leader, after, removedTo,
           "removed uncommitted entries " + str(after + 1) + ".." + str(removedTo) +
               " that conflict with the leader's log");
  if (writeQuorum() != before)
    addEvent(EventKind::kConfigChanged, kNoNode, writeQuorum(), after, "config entry truncated");
}

Index ReplicaCore::findConflict(Index hint, Generation hintGeneration) const {
  // Generations never decrease along the log, so "generation <= hintGeneration" holds on a
  // prefix: binary search for its end within [lo, hint].
  Index lo = m_storage.firstIndex() > 0 ? m_storage.firstIndex() - 1 : 0;
  if (lo < m_snapshot.index) lo = m_snapshot.index;
  if (hint <= lo) return hint;
  auto fits = [&](Index i) {
    auto g = generationOf(i);
    return !g || *g <= hintGeneration;
  };
  if (fits(hint)) return hint;
  Index good = lo;
  Index bad = hint;  // fits(lo) assumed: at or below our snapshot, committed
  while (bad - good > 1) {
    Index mid = good + (bad - good) / 2;
    if (fits(mid)) good = mid;
    else bad = mid;
  }
  return good;
}

void ReplicaCore::configAppended(const Entry& e) {
  auto c = decodeClusterConfig(e.payload);
  if (!c.isOk()) return;  // the proposer validated it; a bad one is ignored, not fatal
  m_configs.push_back({e.index, *c});
  addEvent(EventKind::kConfigChanged, kNoNode, c->writeQuorum, e.index,
           c->writeQuorum == 0 ? "write quorum is now a majority"
                               : "write quorum is now " + str(c->writeQuorum));
  if (m_role == Role::kLeader) maybeAdvanceHwm();
}

std::uint32_t ReplicaCore::writeQuorum() const {
  if (m_configs.empty()) return static_cast<std::uint32_t>(std::max(0, m_config.initialWriteQuorum));
  return m_configs.back().config.writeQuorum;
}

int ReplicaCore::effectiveWriteQuorum() const {
  return replication::effectiveWriteQuorum(static_cast<int>(writeQuorum()), voterCount());
}


}  // namespace qlab::replication
