#include "core/replication/replica_core.h"

#include <algorithm>
#include <utility>

#include "core/common/assert.h"

namespace qlab::replication {

namespace {
std::string str(Index i) { return std::to_string(i); }
}  // namespace

ReplicaCore::ReplicaCore(CoreConfig config, const LogStorage& storage, HardState hardState,
                         SnapshotMeta snapshot, std::vector<ConfigChange> configChanges,
                         Index durableEnd)
    : m_config(std::move(config)),
      m_storage(storage),
      m_random(m_config.seed * 0x9e3779b97f4a7c15ull + m_config.self),
      m_generation(hardState.generation),
      m_votedFor(hardState.votedFor),
      m_snapshot(snapshot) {
  QLAB_ASSERT(!m_config.voters.empty());
  QLAB_ASSERT(static_cast<int>(m_config.voters.size()) <= kMaxNodes);
  QLAB_ASSERT(std::find(m_config.voters.begin(), m_config.voters.end(), m_config.self) !=
              m_config.voters.end());
  {
    auto sorted = m_config.voters;
    std::sort(sorted.begin(), sorted.end());
    QLAB_ASSERT_MSG(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(),
                    "a voter is listed twice");
  }
  QLAB_ASSERT(m_config.heartbeatTicks >= 1 && m_config.electionTicks > m_config.heartbeatTicks);
  m_last = m_storage.lastIndex();
  if (m_last < m_snapshot.index) m_last = m_snapshot.index;
  m_lastGeneration = m_last == m_snapshot.index ? m_snapshot.generation
                                                : m_storage.generationAt(m_last).value_or(0);
  m_durable = std::min(durableEnd, m_last);
  if (m_durable < m_snapshot.index) m_durable = m_snapshot.index;
  m_hwm = m_snapshot.index;
  m_matched = m_hwm;
  if (m_snapshot.index > 0) m_configs.push_back({m_snapshot.index, {m_snapshot.writeQuorum}});
  for (const auto& c : configChanges) {
    if (c.index > m_snapshot.index && c.index <= m_last) m_configs.push_back(c);
  }
  resetElectionTimer();
}

// ---------------------------------------------------------------------------------------
// Call bracketing

void ReplicaCore::begin() {
  QLAB_ASSERT_MSG(!m_inCall, "ReplicaCore is not reentrant");
  // The caller must have carried out the previous Ready's appends before calling again.
  QLAB_ASSERT_MSG(m_storage.lastIndex() == m_last || m_last == m_snapshot.index,
                  "previous Ready not applied to the log");
  m_inCall = true;
  m_hwmAtBegin = m_hwm;
}

Ready ReplicaCore::finish() {
  QLAB_ASSERT(m_hwm >= m_hwmAtBegin || m_ready.installSnapshot.has_value());
  m_ready.hwm = m_hwm;
  Ready out = std::move(m_ready);
  m_ready = Ready{};
  m_inCall = false;
  return out;
}

// ---------------------------------------------------------------------------------------
// Inputs

Ready ReplicaCore::tick(std::int64_t nowMs) {
  begin();
  m_nowMs = nowMs;
  if (m_role == Role::kLeader) {
    if (++m_heartbeatElapsed >= m_config.heartbeatTicks) {
      m_heartbeatElapsed = 0;
      sendHeartbeats();
    }
    if (++m_checkQuorumElapsed >= m_config.electionTicks) {
      m_checkQuorumElapsed = 0;
      if (m_config.checkQuorum && !quorumActive()) {
        becomeFollower(m_generation, kNoNode, "lost contact with a majority");
      } else {
        for (auto& [id, pr] : m_progress) pr.recentActive = false;
      }
    }
  } else if (++m_electionElapsed >= m_randomizedElectionTimeout) {
    becomeCandidate();
  }
  return finish();
}

Ready ReplicaCore::campaign() {
  begin();
  if (m_role != Role::kLeader) becomeCandidate();
  return finish();
}

Ready ReplicaCore::step(const Message& m) {
  begin();
  if (m.to == m_config.self && m.from != m_config.self) handleMessage(m);
  return finish();
}

Ready ReplicaCore::propose(const std::vector<Proposal>& proposals) {
  begin();
  if (m_role == Role::kLeader && !proposals.empty()) {
    m_ready.proposedFirst = m_last + 1;
    for (const auto& p : proposals) {
      Entry e;
      e.index = m_last + 1;
      e.generation = m_generation;
      e.type = p.type;
      e.timestampMs = m_nowMs;
      e.payload = p.payload;
      appendLocal(std::move(e));
    }
    m_ready.proposedLast = m_last;
    for (auto& [id, pr] : m_progress) sendAppend(id, pr);
    maybeAdvanceHwm();  // a single-node cluster (or W = 1) commits on its own durability
  }
  return finish();
}

Ready ReplicaCore::proposeWriteQuorum(std::uint32_t writeQuorum) {
  QLAB_ASSERT(writeQuorum <= static_cast<std::uint32_t>(voterCount()));
  return propose({Proposal{EntryType::kConfig, encodeClusterConfig({writeQuorum})}});
}

Ready ReplicaCore::readIndex(std::uint64_t requestId) {
  begin();
  if (m_role != Role::kLeader) {
    m_ready.reads.push_back({requestId, false, 0, m_leader});
  } else if (!committedInCurrentGeneration()) {
    m_readsAwaitingCommit.push_back(requestId);
  } else if (voterCount() == 1) {
    m_ready.reads.push_back({requestId, true, m_hwm, m_config.self});
  } else {
    m_nextRoundReads.push_back(requestId);
    if (!m_readRoundInFlight) startReadRound();
  }
  return finish();
}

Ready ReplicaCore::onDurable(Index durableEnd) {
  begin();
  m_durable = std::max(std::min(durableEnd, m_last), m_snapshot.index);
  if (m_role == Role::kLeader) {
    maybeAdvanceHwm();
  } else {
    maybeAckDurable();
  }
  return finish();
}

Ready ReplicaCore::onSnapshotSaved(const SnapshotMeta& meta) {
  begin();
  QLAB_ASSERT(meta.index <= m_hwm);
  if (meta.index > m_snapshot.index) m_snapshot = meta;
  return finish();
}

// ---------------------------------------------------------------------------------------
// Message dispatch and the generation clock

void ReplicaCore::handleMessage(const Message& m) {
  if (m.generation > m_generation) {
    bool fromLeader = m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat ||
                      m.type == MessageType::kSnapshotChunk;
    becomeFollower(m.generation, fromLeader ? m.from : kNoNode,
                   "saw generation " + str(m.generation) + " from node " + str(m.from));
  } else if (m.generation < m_generation) {
    // A stale sender (a paused or partitioned old leader, a slow candidate): tell it our
    // generation so it steps down. Stale responses are simply dropped.
    if (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat ||
        m.type == MessageType::kSnapshotChunk) {
      Message r;
      r.type = m.type == MessageType::kHeartbeat ? MessageType::kHeartbeatResponse
                                                 : MessageType::kAppendResponse;
      r.to = m.from;
      r.success = false;
      send(std::move(r));
      addEvent(EventKind::kStaleMessage, m.from, m.generation, 0,
               std::string("rejected ") + messageTypeName(m.type) + " of old generation " +
                   str(m.generation));
    } else if (m.type == MessageType::kVoteRequest) {
      Message r;
      r.type = MessageType::kVoteResponse;
      r.to = m.from;
      r.success = false;
      send(std::move(r));
    }
    return;
  }

  switch (m.type) {
    case MessageType::kAppend: handleAppend(m); break;
    case MessageType::kAppendResponse: handleAppendResponse(m); break;
    case MessageType::kHeartbeat: handleHeartbeat(m); break;
    case MessageType::kHeartbeatResponse: handleHeartbeatResponse(m); break;
    case MessageType::kVoteRequest: handleVoteRequest(m); break;
    case MessageType::kVoteResponse: handleVoteResponse(m); break;
    case MessageType::kSnapshotChunk: handleSnapshotChunk(m); break;
    case MessageType::kSnapshotResponse: handleSnapshotResponse(m); break;
  }
}

void ReplicaCore::resetElectionTimer() {
  m_electionElapsed = 0;
  m_randomizedElectionTimeout =
      m_config.electionTicks + static_cast<int>(m_random.uniform(
                                   static_cast<std::uint64_t>(m_config.electionTicks)));
}

void ReplicaCore::becomeFollower(Generation generation, NodeId leader, const std::string& why) {
  Role was = m_role;
  if (generation > m_generation) {
    m_generation = generation;
    m_votedFor = kNoNode;
    m_ready.hardState = HardState{m_generation, m_votedFor};
    m_incoming.reset();
  }
  if (was == Role::kLeader) failReads();
  m_role = Role::kFollower;
  if (leader != m_leader || generation > m_generationOfLeaderView) {
    m_leaderLastIndex = 0;
    m_generationOfLeaderView = generation;
  }
  if (leader != m_leader) {
    // A new leader: we only know that our committed prefix matches its log.
    m_matched = m_hwm;
    m_ackedMatch = 0;
    m_ackPending = false;
  }
  m_leader = leader;
  m_progress.clear();
  m_votes.clear();
  resetElectionTimer();
  if (was != Role::kFollower) addEvent(EventKind::kSteppedDown, kNoNode, 0, 0, why);
}

void ReplicaCore::becomeCandidate() {
  m_role = Role::kCandidate;
  ++m_generation;
  m_votedFor = m_config.self;
  m_leader = kNoNode;
  m_ready.hardState = HardState{m_generation, m_votedFor};
  m_votes.clear();
  m_votes[m_config.self] = true;
  m_progress.clear();
  m_incoming.reset();
  resetElectionTimer();
  addEvent(EventKind::kElectionStarted, kNoNode, m_last, m_lastGeneration,
           "election timeout: asking for votes");
  if (voterCount() == 1) {
    becomeLeader();
    return;
  }
  for (NodeId id : m_config.voters) {
    if (id == m_config.self) continue;
    Message m;
    m.type = MessageType::kVoteRequest;
    m.to = id;
    m.lastIndex = m_last;
    m.lastGeneration = m_lastGeneration;
    send(std::move(m));
  }
}

void ReplicaCore::becomeLeader() {
  m_role = Role::kLeader;
  m_leader = m_config.self;
  m_heartbeatElapsed = 0;
  m_checkQuorumElapsed = 0;
  m_progress.clear();
  for (NodeId id : m_config.voters) {
    if (id == m_config.self) continue;
    Progress pr;
    pr.next = m_last + 1;
    pr.recentActive = true;
    m_progress.emplace(id, pr);
  }
  m_readRoundInFlight = false;
  addEvent(EventKind::kElected, kNoNode, m_last, 0,
           "won the election; appending a no-op of generation " + str(m_generation));
  // The no-op lets entries of earlier generations commit (they cannot on their own).
  Entry noop;
  noop.index = m_last + 1;
  noop.generation = m_generation;
  noop.type = EntryType::kNoop;
  noop.timestampMs = m_nowMs;
  appendLocal(std::move(noop));
  for (auto& [id, pr] : m_progress) sendAppend(id, pr);
  maybeAdvanceHwm();
}

// ---------------------------------------------------------------------------------------
// Votes

void ReplicaCore::handleVoteRequest(const Message& m) {
  bool canVote = m_votedFor == kNoNode || m_votedFor == m.from;
  bool upToDate = m.lastGeneration > m_lastGeneration ||
                  (m.lastGeneration == m_lastGeneration && m.lastIndex >= m_last);
  Message r;
  r.type = MessageType::kVoteResponse;
  r.to = m.from;
  r.success = canVote && upToDate && m_role != Role::kLeader;
  if (r.success) {
    m_votedFor = m.from;
    m_ready.hardState = HardState{m_generation, m_votedFor};
    resetElectionTimer();
    addEvent(EventKind::kVoted, m.from, m.lastIndex, m.lastGeneration,
             "voted for node " + str(m.from));
  }
  send(std::move(r));
}

void ReplicaCore::handleVoteResponse(const Message& m) {
  if (m_role != Role::kCandidate) return;
  m_votes[m.from] = m.success;
  int granted = 0;
  int rejected = 0;
  for (const auto& [id, yes] : m_votes) (yes ? granted : rejected)++;
  if (granted >= majority(voterCount())) {
    becomeLeader();
  } else if (rejected >= majority(voterCount())) {
    becomeFollower(m_generation, kNoNode, "a majority refused its vote");
  }
}

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

// ---------------------------------------------------------------------------------------

void ReplicaCore::send(Message m) {
  m.from = m_config.self;
  m.generation = m_generation;
  if (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat) m.lastIndex = m_last;
  m_ready.messages.push_back(std::move(m));
}

void ReplicaCore::addEvent(EventKind kind, NodeId peer, Index a, Index b, std::string detail) {
  m_ready.events.push_back(Event{kind, m_generation, peer, a, b, std::move(detail)});
}

std::vector<PeerProgress> ReplicaCore::progress() const {
  std::vector<PeerProgress> out;
  for (const auto& [id, pr] : m_progress) {
    PeerProgress p;
    p.id = id;
    p.match = pr.match;
    p.next = pr.next;
    p.state = pr.state == ProgressState::kProbe       ? "probe"
              : pr.state == ProgressState::kReplicate ? "replicate"
                                                      : "snapshot";
    p.recentlyActive = pr.recentActive;
    if (pr.state == ProgressState::kSnapshot) {
      p.snapshotIndex = pr.snapshot.index;
      p.snapshotOffset = pr.snapshotOffset;
      p.snapshotBytes = pr.snapshot.bytes;
    }
    out.push_back(p);
  }
  return out;
}

Index ReplicaCore::lowWaterMark(Index snapshotIndex, Index hwm, Index retentionFloor) {
  return std::max<Index>(1, std::min({snapshotIndex + 1, hwm, retentionFloor}));
}

const char* roleName(Role r) {
  switch (r) {
    case Role::kFollower: return "follower";
    case Role::kCandidate: return "candidate";
    case Role::kLeader: return "leader";
  }
  return "?";
}

const char* eventKindName(EventKind k) {
  switch (k) {
    case EventKind::kElectionStarted: return "election_started";
    case EventKind::kElected: return "elected";
    case EventKind::kSteppedDown: return "step_down";
    case EventKind::kVoted: return "voted";
    case EventKind::kTruncated: return "truncate";
    case EventKind::kDiverged: return "diverged";
    case EventKind::kSnapshotSendStarted: return "snapshot_send";
    case EventKind::kSnapshotSent: return "snapshot_sent";
    case EventKind::kSnapshotInstalled: return "snapshot_install";
    case EventKind::kConfigChanged: return "config";
    case EventKind::kStaleMessage: return "stale_message";
  }
  return "?";
}

}  // namespace qlab::replication
