// ReplicaCore, follower side: appends and heartbeats from the leader, the follower's HWM,
// durable acknowledgements and snapshot chunks.
#include "core/replication/replica_core.h"

#include <algorithm>
#include <utility>

#include "core/common/assert.h"

namespace qlab::replication {

namespace {
std::string str(Index i) { return std::to_string(i); }
}  // namespace

// ---------------------------------------------------------------------------------------
// Follower side of replication

bool ReplicaCore::leaderLostOurCommittedEntries(const Message& m) {
  // A leader holds every committed entry. If its log ends below our HWM, what we committed
  // came from a history the cluster has lost (write quorum below a majority, or acknowledged
  // entries that were never flushed): our state must be replaced by the leader's snapshot.
  // Messages can arrive out of order: judge by the newest log end this leader has shown.
  m_leaderLastIndex = std::max(m_leaderLastIndex, m.lastIndex);
  if (m_leaderLastIndex >= m_hwm || m_divergedRequested) return m_divergedRequested;
  m_divergedRequested = true;
  addEvent(EventKind::kDiverged, m.from, m.lastIndex, m_hwm,
           "the leader's log ends at " + str(m.lastIndex) + ", below our committed index " + str(m_hwm));
  return true;
}

void ReplicaCore::handleAppend(const Message& m) {
  if (m_role != Role::kFollower) becomeFollower(m_generation, m.from, "another node leads");
  if (m_leader != m.from) becomeFollower(m_generation, m.from, "");
  resetElectionTimer();
  if (leaderLostOurCommittedEntries(m)) {
    sendAppendResponse(false, true, 0, m.prevIndex);
    return;
  }

  // Does our log hold the leader's entry at prevIndex?
  bool prevOk;
  if (m.prevIndex == 0) {
    prevOk = true;
  } else if (m.prevIndex > m_last) {
    prevOk = false;
  } else if (m.prevIndex == m_snapshot.index) {
    prevOk = m.prevGeneration == m_snapshot.generation;
  } else if (auto g = generationOf(m.prevIndex)) {
    prevOk = *g == m.prevGeneration;
  } else {
    prevOk = m.prevIndex < m_snapshot.index;  // compacted: part of our committed prefix
  }
  if (!prevOk) {
    if (m.prevIndex <= m_hwm) {
      // Our committed entry differs from the leader's: only an unsafe configuration can do
      // this (write quorum below a majority, or acknowledged-but-unflushed entries lost).
      m_divergedRequested = true;
      addEvent(EventKind::kDiverged, m.from, m.prevIndex, m_hwm,
               "leader's entry " + str(m.prevIndex) + " differs from our committed one");
      sendAppendResponse(false, true, 0, m.prevIndex);
      return;
    }
    Index hint = std::min(m.prevIndex - 1, m_last);
    sendAppendResponse(false, false, hint, m.prevIndex);
    return;
  }

  // Skip entries we already hold, cut at the first conflict, append the rest.
  std::size_t i = 0;
  for (; i < m.entries.size(); ++i) {
    const Entry& e = m.entries[i];
    if (e.index > m_last) break;
    auto g = generationOf(e.index);
    if (!g || *g == e.generation) continue;  // compacted (committed) or identical
    if (e.index <= m_hwm) {
      m_divergedRequested = true;
      addEvent(EventKind::kDiverged, m.from, e.index, m_hwm,
               "leader's entry " + str(e.index) + " differs from our committed one");
      sendAppendResponse(false, true, 0, m.prevIndex);
      return;
    }
    truncateLocal(e.index - 1);
    break;
  }
  for (; i < m.entries.size(); ++i) {
    QLAB_ASSERT(m.entries[i].index == m_last + 1);
    appendLocal(m.entries[i]);
  }

  Index matchedEnd = m.prevIndex + m.entries.size();
  m_matched = std::max(m_matched, std::min(matchedEnd, m_last));
  m_leaderHwm = std::max(m_leaderHwm, m.hwm);
  updateFollowerHwm(m.hwm);
  if (m_durable >= matchedEnd) {
    sendAppendResponse(true, false, 0, m.prevIndex);
  } else {
    m_ackPending = true;  // acknowledged from onDurable, once it is durable
  }
}

void ReplicaCore::handleHeartbeat(const Message& m) {
  if (m_role != Role::kFollower || m_leader != m.from)
    becomeFollower(m_generation, m.from, "another node leads");
  resetElectionTimer();
  if (leaderLostOurCommittedEntries(m)) {
    sendAppendResponse(false, true, 0, 0);
    return;
  }
  updateFollowerHwm(m.hwm);
  Message r;
  r.type = MessageType::kHeartbeatResponse;
  r.to = m.from;
  r.success = true;
  r.matchIndex = std::min(m_durable, m_matched);
  r.lastIndex = m_matched;  // received and matching, durable or not
  r.context = m.context;
  send(std::move(r));
}

void ReplicaCore::updateFollowerHwm(Index leaderHwm) {
  Index candidate = std::min({leaderHwm, m_durable, m_matched});
  if (candidate > m_hwm) m_hwm = candidate;
}

void ReplicaCore::sendAppendResponse(bool success, bool diverged, Index rejectHint,
                                     Index prevIndex) {
  Message r;
  r.type = MessageType::kAppendResponse;
  r.to = m_leader;
  r.success = success;
  r.diverged = diverged;
  r.prevIndex = prevIndex;
  if (success) {
    r.matchIndex = std::min(m_durable, m_matched);
    m_ackedMatch = std::max(m_ackedMatch, r.matchIndex);
    m_ackPending = false;
  } else {
    r.rejectHint = rejectHint;
    r.hintGeneration = generationOf(rejectHint).value_or(
        rejectHint == m_snapshot.index ? m_snapshot.generation : 0);
  }
  send(std::move(r));
}

void ReplicaCore::maybeAckDurable() {
  if (m_role != Role::kFollower || m_leader == kNoNode) return;
  updateFollowerHwm(m_leaderHwm);
  Index match = std::min(m_durable, m_matched);
  if (match > m_ackedMatch || (m_ackPending && match >= m_matched)) {
    sendAppendResponse(true, false, 0, 0);
  }
}

void ReplicaCore::handleSnapshotChunk(const Message& m) {
  if (m_role != Role::kFollower || m_leader != m.from)
    becomeFollower(m_generation, m.from, "another node leads");
  resetElectionTimer();
  SnapshotMeta meta{m.snapshotIndex, m.snapshotGeneration, m.snapshotBytes,
                    m.snapshotWriteQuorum};
  Message r;
  r.type = MessageType::kSnapshotResponse;
  r.to = m.from;
  r.snapshotIndex = meta.index;
  if (!m_divergedRequested && meta.index <= m_hwm) {
    // We already hold (and committed) everything it contains.
    r.success = true;
    r.done = true;
    r.matchIndex = std::min(m_durable, m_matched);
    send(std::move(r));
    return;
  }
  if (!m_divergedRequested && meta.index <= m_last && generationOf(meta.index) == meta.generation) {
    // Our log holds the snapshot's last entry: by log matching everything up to it equals
    // the leader's, and the entries after it may be durable and acknowledged, so they must
    // not be thrown away (Raft section 7). Confirm the match instead of installing.
    m_incoming.reset();
    m_matched = std::max(m_matched, meta.index);
    updateFollowerHwm(m_leaderHwm);
    r.success = true;
    r.done = true;
    r.matchIndex = std::min(m_durable, m_matched);
    m_ackedMatch = std::max(m_ackedMatch, r.matchIndex);
    send(std::move(r));
    return;
  }
  if (m.offset == 0) m_incoming = IncomingSnapshot{meta, 0};
  if (!m_incoming || !(m_incoming->meta == meta) || m.offset != m_incoming->expectedOffset ||
      m_incoming->expectedOffset + m.data.size() > meta.bytes) {
    r.success = false;
    r.offset = (m_incoming && m_incoming->meta == meta) ? m_incoming->expectedOffset : 0;
    send(std::move(r));
    return;
  }
  m_ready.snapshotChunk = SnapshotChunkWrite{meta, m.offset, m.data};
  m_incoming->expectedOffset += m.data.size();
  if (m_incoming->expectedOffset < meta.bytes) {
    r.success = true;
    r.offset = m_incoming->expectedOffset;
    send(std::move(r));
    return;
  }
  // Complete: the caller installs it (state machine and log reset) before sending.
  m_ready.installSnapshot = meta;
  m_ready.append.clear();
  Index oldHwm = m_hwm;
  m_snapshot = meta;
  m_last = meta.index;
  m_lastGeneration = meta.generation;
  m_durable = meta.index;
  m_matched = meta.index;
  m_hwm = meta.index;
  m_configs.assign(1, ConfigChange{meta.index, {meta.writeQuorum}});
  m_incoming.reset();
  m_divergedRequested = false;
  addEvent(EventKind::kSnapshotInstalled, m.from, meta.index, oldHwm,
           "installed snapshot at index " + str(meta.index) +
               (meta.index < oldHwm ? " below our old HWM " + str(oldHwm) : ""));
  r.success = true;
  r.done = true;
  r.matchIndex = meta.index;
  m_ackedMatch = meta.index;
  send(std::move(r));
}


}  // namespace qlab::replication
