#pragma once
// ReplicaCore: one replica's protocol state machine (Leader and Followers with a Generation
// Clock, the quorum High-Water Mark, truncation, snapshot transfer, ReadIndex reads).
// No I/O: every input returns a Ready (ready.h) that the caller carries out in order.
//
// Inputs:  tick(nowMs)           time passes by one tick (the caller's timer)
//          step(message)         a message from another replica arrived
//          propose(proposals)    the leader appends client commands
//          readIndex(id)         a linearizable read wants a safe index to read at
//          onDurable(index)      the log is durable (or, under an unsafe flush policy,
//                                reported durable) up to index
//          onSnapshotSaved(meta) a local snapshot was written
//
// Invariants kept (and asserted where cheap):
//   - at most one leader per generation (votes are persisted before they are sent);
//   - the HWM never decreases, except when an unsafe configuration forces a follower to
//     install a snapshot below it (reported with a kDiverged event);
//   - the HWM advances only over an entry of the leader's current generation;
//   - a follower never truncates at or below its HWM; it asks for a snapshot instead.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/common/random.h"
#include "core/replication/config.h"
#include "core/replication/message.h"
#include "core/replication/quorum.h"
#include "core/replication/ready.h"
#include "core/replication/storage.h"

namespace qlab::replication {

struct Proposal {
  EntryType type = EntryType::kData;
  std::string payload;
};

// What the leader knows of one follower, for the inspector.
struct PeerProgress {
  NodeId id = kNoNode;
  Index match = 0;  // highest index known durable on the follower and matching the leader
  Index next = 1;   // next index to send
  const char* state = "probe";  // probe | replicate | snapshot
  bool recentlyActive = false;
  Index snapshotIndex = 0;      // when sending a snapshot
  std::uint64_t snapshotOffset = 0;
  std::uint64_t snapshotBytes = 0;
};

class ReplicaCore {
 public:
  // `storage` must outlive the core. `hardState` and `snapshot` come from disk;
  // `configChanges` are the config entries in the log above the snapshot, in index order;
  // `durableEnd` is the last index on disk (everything recovered from disk is durable).
  ReplicaCore(CoreConfig config, const LogStorage& storage, HardState hardState,
              SnapshotMeta snapshot, std::vector<ConfigChange> configChanges, Index durableEnd);

  Ready tick(std::int64_t nowMs = 0);
  Ready step(const Message& m);
  Ready propose(const std::vector<Proposal>& proposals);
  Ready proposeWriteQuorum(std::uint32_t writeQuorum);
  Ready readIndex(std::uint64_t requestId);
  Ready onDurable(Index durableEnd);
  Ready onSnapshotSaved(const SnapshotMeta& meta);
  // Start an election now (tests, and the "make this node campaign" action).
  Ready campaign();

  Role role() const { return m_role; }
  Generation generation() const { return m_generation; }
  NodeId votedFor() const { return m_votedFor; }
  NodeId leader() const { return m_leader; }
  NodeId self() const { return m_config.self; }
  Index hwm() const { return m_hwm; }
  Index durableEnd() const { return m_durable; }
  Index lastIndex() const { return m_last; }
  Generation lastGeneration() const { return m_lastGeneration; }
  const SnapshotMeta& snapshot() const { return m_snapshot; }
  std::uint32_t writeQuorum() const;  // as configured, 0 = majority
  int effectiveWriteQuorum() const;
  int voterCount() const { return static_cast<int>(m_config.voters.size()); }
  bool committedInCurrentGeneration() const;
  std::vector<PeerProgress> progress() const;
  const CoreConfig& config() const { return m_config; }

  // The low-water mark (docs/architecture.md "HWM, LWM and snapshots"): segments wholly
  // below min(snapshot index + 1, HWM, retention floor) may go.
  static Index lowWaterMark(Index snapshotIndex, Index hwm, Index retentionFloor);

 private:
  enum class ProgressState : std::uint8_t { kProbe, kReplicate, kSnapshot };
  struct Progress {
    Index match = 0;
    Index next = 1;
    ProgressState state = ProgressState::kProbe;
    bool probeSent = false;
    bool recentActive = false;
    std::uint64_t ackedContext = 0;
    SnapshotMeta snapshot;
    std::uint64_t snapshotOffset = 0;
    int snapshotIdleTicks = 0;
    Index lastReportedReceived = 0;  // from heartbeat responses, to notice lost appends
    int stalledHeartbeats = 0;
  };
  struct PendingRead {
    std::uint64_t id = 0;
    Index index = 0;
  };
  struct IncomingSnapshot {
    SnapshotMeta meta;
    std::uint64_t expectedOffset = 0;
  };

  // One input = begin(); ...; finish(). finish() moves the Ready out.
  void begin();
  Ready finish();

  void handleMessage(const Message& m);
  bool leaderLostOurCommittedEntries(const Message& m);
  void handleAppend(const Message& m);
  void handleAppendResponse(const Message& m);
  void handleHeartbeat(const Message& m);
  void handleHeartbeatResponse(const Message& m);
  void handleVoteRequest(const Message& m);
  void handleVoteResponse(const Message& m);
  void handleSnapshotChunk(const Message& m);
  void handleSnapshotResponse(const Message& m);

  void becomeFollower(Generation generation, NodeId leader, const std::string& why);
  void becomeCandidate();
  void becomeLeader();
  void resetElectionTimer();

  // Log view including this call's pending truncation and appends.
  std::optional<Generation> generationOf(Index index) const;
  bool readEntries(Index from, Index to, std::vector<Entry>* out) const;
  void appendLocal(Entry e);
  void truncateLocal(Index after);
  Index findConflict(Index hint, Generation hintGeneration) const;

  void send(Message m);
  void sendAppend(NodeId to, Progress& pr);
  void sendHeartbeats();
  void startSnapshot(NodeId to, Progress& pr, const std::string& why);
  void sendSnapshotChunk(NodeId to, Progress& pr);
  void sendAppendResponse(bool success, bool diverged, Index rejectHint, Index prevIndex);
  void maybeAckDurable();
  void updateFollowerHwm(Index leaderHwm);
  void maybeAdvanceHwm();
  bool quorumActive() const;

  void startReadRound();
  void releaseReads();
  void failReads();

  void addEvent(EventKind kind, NodeId peer, Index a, Index b, std::string detail);
  void configAppended(const Entry& e);

  CoreConfig m_config;
  const LogStorage& m_storage;
  Random m_random;

  Role m_role = Role::kFollower;
  Generation m_generation = 0;
  NodeId m_votedFor = kNoNode;
  NodeId m_leader = kNoNode;
  std::int64_t m_nowMs = 0;

  Index m_last = 0;
  Generation m_lastGeneration = 0;
  Index m_durable = 0;
  Index m_hwm = 0;
  SnapshotMeta m_snapshot;
  std::vector<ConfigChange> m_configs;

  int m_electionElapsed = 0;
  int m_randomizedElectionTimeout = 0;
  int m_heartbeatElapsed = 0;
  int m_checkQuorumElapsed = 0;

  // candidate
  std::map<NodeId, bool> m_votes;
  // leader
  std::map<NodeId, Progress> m_progress;
  std::uint64_t m_readContext = 0;       // context of the newest read round
  bool m_readRoundInFlight = false;
  std::deque<PendingRead> m_roundReads;  // confirmed by the round m_readContext
  std::deque<std::uint64_t> m_nextRoundReads;
  std::deque<std::uint64_t> m_readsAwaitingCommit;
  // follower
  Index m_matched = 0;      // last index known to match the current leader's log
  Index m_ackedMatch = 0;   // last match acknowledged to the leader
  bool m_ackPending = false;
  Index m_leaderHwm = 0;
  bool m_divergedRequested = false;
  Index m_leaderLastIndex = 0;              // newest log end the current leader has shown
  Generation m_generationOfLeaderView = 0;  // generation m_leaderLastIndex belongs to
  std::optional<IncomingSnapshot> m_incoming;

  Ready m_ready;
  bool m_inCall = false;
  Index m_hwmAtBegin = 0;
};

}  // namespace qlab::replication
