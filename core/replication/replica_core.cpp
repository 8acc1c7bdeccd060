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
