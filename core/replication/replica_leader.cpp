// ReplicaCore, leader side: acknowledgements, appends and heartbeats to followers, snapshot
// transfer, the quorum HWM and ReadIndex.
#include "core/replication/replica_core.h"

#include <algorithm>
#include <utility>

#include "core/common/assert.h"

namespace qlab::replication {

namespace {
std::string str(Index i) { return std::to_string(i); }
}  // namespace

// ---------------------------------------------------------------------------------------
// Leader side of replication

void ReplicaCore::handleAppendResponse(const Message& m) {
  if (m_role != Role::kLeader) return;
  auto it = m_progress.find(m.from);
  if (it == m_progress.end()) return;
  Progress& pr = it->second;
  pr.recentActive = true;
  if (m.diverged) {
    // Repeated while the transfer runs (every heartbeat asks again): do not restart it.
    if (pr.state != ProgressState::kSnapshot) startSnapshot(m.from, pr, "its committed entries differ from ours");
    return;
  }
  if (!m.success) {
    if (pr.state == ProgressState::kSnapshot) return;
    // Walk back: jump to the last index where our generation is not newer than the
    // follower's at its hint (etcd's findConflictByTerm), then probe from there.
    Index hint = std::min(m.rejectHint, m_last);
    Index next = findConflict(hint, m.hintGeneration) + 1;
    pr.next = std::max<Index>(1, next);
    pr.match = std::min(pr.match, pr.next - 1);
    pr.state = ProgressState::kProbe;
    pr.probeSent = false;
    sendAppend(m.from, pr);
    return;
  }
  if (m.matchIndex > pr.match) pr.match = std::min(m.matchIndex, m_last);
  if (pr.next <= pr.match) pr.next = pr.match + 1;
  if (pr.state == ProgressState::kProbe) {
    pr.state = ProgressState::kReplicate;
    pr.probeSent = false;
    pr.next = std::max(pr.next, pr.match + 1);
  }
  maybeAdvanceHwm();
  if (m_role == Role::kLeader) sendAppend(m.from, pr);
}

void ReplicaCore::handleHeartbeatResponse(const Message& m) {
  if (m_role != Role::kLeader) return;
  auto it = m_progress.find(m.from);
  if (it == m_progress.end()) return;
  Progress& pr = it->second;
  pr.recentActive = true;
  if (m.success && m.matchIndex > pr.match && m.matchIndex <= m_last) {
    pr.match = m.matchIndex;
    if (pr.next <= pr.match) pr.next = pr.match + 1;
    maybeAdvanceHwm();
  }
  if (m.context > pr.ackedContext) {
    pr.ackedContext = m.context;
    releaseReads();
  }
  if (m_role != Role::kLeader) return;
  if (m.success && m.lastIndex < pr.match && pr.state != ProgressState::kSnapshot) {
    // The follower knows less than it acknowledged: it restarted (and only trusts its
    // committed prefix until we confirm the rest), or it lost acknowledged entries that were
    // only buffered (an unsafe flush policy). Probe again from what it reports.
    pr.match = m.lastIndex;
    pr.next = m.lastIndex + 1;
    pr.state = ProgressState::kProbe;
    pr.probeSent = false;
    pr.stalledHeartbeats = 0;
  }
  if (pr.state == ProgressState::kReplicate) {
    // Pipelined appends that never arrived (a lossy link) show up as a received end that
    // stays below what we sent over two heartbeats: fall back to probing from the match.
    if (m.lastIndex + 1 < pr.next && m.lastIndex <= pr.lastReportedReceived) {
      if (++pr.stalledHeartbeats >= 2) {
        pr.state = ProgressState::kProbe;
        pr.next = m.lastIndex + 1;
        pr.probeSent = false;
        pr.stalledHeartbeats = 0;
      }
    } else {
      pr.stalledHeartbeats = 0;
    }
    pr.lastReportedReceived = m.lastIndex;
  }
  if (pr.match < m_last && pr.state != ProgressState::kSnapshot) {
    if (pr.state == ProgressState::kProbe) pr.probeSent = false;
    sendAppend(m.from, pr);
  }
}

void ReplicaCore::handleSnapshotResponse(const Message& m) {
  if (m_role != Role::kLeader) return;
  auto it = m_progress.find(m.from);
  if (it == m_progress.end()) return;
  Progress& pr = it->second;
  pr.recentActive = true;
  if (pr.state != ProgressState::kSnapshot) return;
  if (m.done) {
    if (m.matchIndex > pr.match) pr.match = std::min(m.matchIndex, m_last);
    pr.next = pr.match + 1;
    pr.state = ProgressState::kProbe;
    pr.probeSent = false;
    addEvent(EventKind::kSnapshotSent, m.from, m.snapshotIndex, 0,
             "node " + str(m.from) + " installed snapshot " + str(m.snapshotIndex));
    maybeAdvanceHwm();
    if (m_role == Role::kLeader) sendAppend(m.from, pr);
    return;
  }
  if (m.snapshotIndex != pr.snapshot.index) return;  // a response to an older transfer
  pr.snapshotOffset = m.offset;
  pr.snapshotIdleTicks = 0;
  sendSnapshotChunk(m.from, pr);
}

void ReplicaCore::sendAppend(NodeId to, Progress& pr) {
  if (pr.state == ProgressState::kSnapshot) return;
  if (pr.state == ProgressState::kProbe && pr.probeSent) return;
  if (pr.state == ProgressState::kReplicate) {
    if (pr.next > m_last) return;                                   // nothing new
    if (pr.next > pr.match + m_config.maxInflightEntries) return;   // window full
  }
  Index prev = pr.next - 1;
  std::optional<Generation> prevGeneration;
  if (prev == 0) {
    prevGeneration = 0;
  } else if (prev == m_snapshot.index) {
    prevGeneration = m_snapshot.generation;
  } else {
    prevGeneration = generationOf(prev);
  }
  bool entriesCompacted = pr.next <= m_last && pr.next < m_storage.firstIndex() &&
                          pr.next <= m_snapshot.index;
  if (!prevGeneration || entriesCompacted) {
    startSnapshot(to, pr, "it needs entries below our low-water mark");
    return;
  }
  Message m;
  m.type = MessageType::kAppend;
  m.to = to;
  m.prevIndex = prev;
  m.prevGeneration = *prevGeneration;
  m.hwm = m_hwm;
  if (pr.next <= m_last) {
    Index to_ = std::min(m_last, pr.next + m_config.maxAppendEntries - 1);
    if (!readEntries(pr.next, to_, &m.entries)) return;  // I/O trouble: retry on next heartbeat
  }
  if (pr.state == ProgressState::kReplicate) {
    if (m.entries.empty()) return;
    pr.next = m.entries.back().index + 1;
  } else {
    pr.probeSent = true;
  }
  send(std::move(m));
}

void ReplicaCore::sendHeartbeats() {
  for (auto& [id, pr] : m_progress) {
    Message m;
    m.type = MessageType::kHeartbeat;
    m.to = id;
    m.hwm = std::min(m_hwm, pr.match);
    m.context = m_readContext;
    send(std::move(m));
    if (pr.state == ProgressState::kProbe) pr.probeSent = false;
    if (pr.state == ProgressState::kSnapshot && ++pr.snapshotIdleTicks >= 3) {
      pr.snapshotIdleTicks = 0;
      sendSnapshotChunk(id, pr);  // the chunk or its answer was lost: send it again
    }
  }
}

void ReplicaCore::startSnapshot(NodeId to, Progress& pr, const std::string& why) {
  pr.state = ProgressState::kSnapshot;
  pr.snapshot = m_snapshot;
  pr.snapshotOffset = 0;
  pr.snapshotIdleTicks = 0;
  addEvent(EventKind::kSnapshotSendStarted, to, m_snapshot.index, m_snapshot.bytes,
           "sending snapshot " + str(m_snapshot.index) + " to node " + str(to) + ": " + why);
  sendSnapshotChunk(to, pr);
}

void ReplicaCore::sendSnapshotChunk(NodeId to, Progress& pr) {
  auto chunk = m_storage.snapshotChunk(pr.snapshot, pr.snapshotOffset, m_config.snapshotChunkBytes);
  if (!chunk.isOk() && chunk.status().code() == Status::Code::kNotFound &&
      !(pr.snapshot == m_snapshot)) {
    pr.snapshot = m_snapshot;  // replaced by a newer one: start over with it
    pr.snapshotOffset = 0;
    chunk = m_storage.snapshotChunk(pr.snapshot, 0, m_config.snapshotChunkBytes);
  }
  if (!chunk.isOk()) return;  // retried on a later heartbeat
  Message m;
  m.type = MessageType::kSnapshotChunk;
  m.to = to;
  m.snapshotIndex = pr.snapshot.index;
  m.snapshotGeneration = pr.snapshot.generation;
  m.snapshotBytes = pr.snapshot.bytes;
  m.snapshotWriteQuorum = pr.snapshot.writeQuorum;
  m.offset = pr.snapshotOffset;
  m.data = std::move(chunk.value());
  m.done = m.offset + m.data.size() >= pr.snapshot.bytes;
  send(std::move(m));
}

void ReplicaCore::maybeAdvanceHwm() {
  if (m_role != Role::kLeader) return;
  std::vector<Index> ends;
  ends.reserve(m_config.voters.size());
  ends.push_back(m_durable);
  for (const auto& [id, pr] : m_progress) ends.push_back(pr.match);
  Index q = quorumIndex(ends, effectiveWriteQuorum());
  // Only an entry of our own generation commits by counting (with everything before it).
  if (q > m_hwm && generationOf(q) == m_generation) {
    bool firstCommitOfGeneration = !committedInCurrentGeneration();
    m_hwm = q;
    if (firstCommitOfGeneration) {
      while (!m_readsAwaitingCommit.empty()) {
        m_nextRoundReads.push_back(m_readsAwaitingCommit.front());
        m_readsAwaitingCommit.pop_front();
      }
      if (!m_nextRoundReads.empty()) {
        if (voterCount() == 1) {
          for (auto id : m_nextRoundReads) m_ready.reads.push_back({id, true, m_hwm, m_config.self});
          m_nextRoundReads.clear();
        } else if (!m_readRoundInFlight) {
          startReadRound();
        }
      }
    }
  }
}

bool ReplicaCore::quorumActive() const {
  int active = 1;
  for (const auto& [id, pr] : m_progress) active += pr.recentActive ? 1 : 0;
  return active >= majority(voterCount());
}

bool ReplicaCore::committedInCurrentGeneration() const {
  return m_role == Role::kLeader && m_hwm > 0 && generationOf(m_hwm) == m_generation;
}

// ---------------------------------------------------------------------------------------
// ReadIndex: a read may be answered at index i once a majority confirmed, after the read
// arrived, that we are still the leader, and the state machine has applied i.

void ReplicaCore::startReadRound() {
  ++m_readContext;
  m_readRoundInFlight = true;
  for (auto id : m_nextRoundReads) m_roundReads.push_back({id, m_hwm});
  m_nextRoundReads.clear();
  for (auto& [peer, pr] : m_progress) {
    Message m;
    m.type = MessageType::kHeartbeat;
    m.to = peer;
    m.hwm = std::min(m_hwm, pr.match);
    m.context = m_readContext;
    send(std::move(m));
  }
}

void ReplicaCore::releaseReads() {
  if (!m_readRoundInFlight) return;
  int acks = 1;
  for (const auto& [id, pr] : m_progress) acks += pr.ackedContext >= m_readContext ? 1 : 0;
  if (acks < majority(voterCount())) return;
  for (const auto& r : m_roundReads) m_ready.reads.push_back({r.id, true, r.index, m_config.self});
  m_roundReads.clear();
  m_readRoundInFlight = false;
  if (!m_nextRoundReads.empty()) startReadRound();
}

void ReplicaCore::failReads() {
  for (const auto& r : m_roundReads) m_ready.reads.push_back({r.id, false, 0, kNoNode});
  for (auto id : m_nextRoundReads) m_ready.reads.push_back({id, false, 0, kNoNode});
  for (auto id : m_readsAwaitingCommit) m_ready.reads.push_back({id, false, 0, kNoNode});
  m_roundReads.clear();
  m_nextRoundReads.clear();
  m_readsAwaitingCommit.clear();
  m_readRoundInFlight = false;
}


}  // namespace qlab::replication
