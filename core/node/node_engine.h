#pragma once
// NodeEngine: one node's "Ready loop", single-threaded and free of sockets and timers. It
// owns the node's ReplicaCore, SegmentedLog, KV store, meta file and snapshots, and carries
// out each Ready in the fixed order of ready.h. The live node (LiveNode: a thread, TCP and
// a flusher) and the deterministic simulator (tests/sim) drive this same class, so what the
// seeded simulation checks is what the app runs.
//
// The rule "persist before you acknowledge" lives in exactly one function, ackableEnd():
// under `always` and `group` it is the log's durable end; under the unsafe `delayed` and
// `manual` policies it is the buffered end, and the app shows what that costs.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/status.h"
#include "core/kv/client_protocol.h"
#include "core/kv/kv_store.h"
#include "core/node/node_event.h"
#include "core/node/node_view.h"
#include "core/node/snapshot_store.h"
#include "core/replication/replica_core.h"
#include "core/wal/file_system.h"
#include "core/wal/flusher.h"
#include "core/wal/segmented_log.h"

namespace qlab::node {

struct EngineOptions {
  NodeId id = 1;
  std::vector<NodeId> voters = {1};
  std::string dataDir;
  wal::LogOptions log;
  wal::FlushPolicy flush;
  std::uint64_t snapshotEvery = 1000;  // entries between local snapshots; 0 = never
  Index retainEntries = 0;             // keep at least this many entries below the log end
  int heartbeatTicks = 5;
  int electionTicks = 50;
  std::uint64_t seed = 1;
  std::uint32_t initialWriteQuorum = 0;  // 0 = majority
  std::size_t recentEntries = 96;        // entries kept decoded for the view
  std::size_t maxProposalBatch = 512;    // client writes proposed together
};

// What the engine needs from its surroundings.
class EngineHost {
 public:
  virtual ~EngineHost() = default;
  virtual void sendMessage(const replication::Message& m) = 0;
  virtual void sendClientResponse(std::uint64_t conn, const kv::ClientResponse& r) = 0;
  virtual void emitEvent(NodeEvent e) = 0;
  // Wall-clock ms for entry timestamps and events.
  virtual std::int64_t nowMs() const = 0;
  // The background side of the flush policy: entries went into the log buffer (group:
  // flush soon), the policy changed, or the user asked for a flush. The host flushes on its
  // own schedule and calls onLogDurable() on the engine's thread afterwards.
  virtual void logAppended(const wal::FlushPolicy& policy) = 0;
  // The engine is about to block in an fdatasync on its own thread (`always`): messages
  // sent so far should leave now, so the followers write and sync the same entries while
  // the leader does, instead of after it.
  virtual void sendQueuedNow() {}
  virtual void flushPolicyChanged(const wal::FlushPolicy& policy) = 0;
  // Observers for the checkers: every entry applied to the state machine, in index order,
  // and every time a received snapshot replaced the state machine (sent by `from`).
  virtual void applied(const Entry& /*e*/, bool /*duplicate*/) {}
  virtual void stateReplaced(const replication::SnapshotMeta& /*meta*/, NodeId /*from*/) {}
};

// An entry decoded for display (key, value, client and sequence of data entries).
EntryView decodeEntryView(const Entry& e);

class NodeEngine {
 public:
  // Opens (or creates) the node's data directory and recovers: meta, newest intact
  // snapshot, then the log. Refuses with a clear Status on corruption or an unwritable dir.
  static Result<std::unique_ptr<NodeEngine>> open(const EngineOptions& options,
                                                  wal::FileSystem& fs, EngineHost& host);
  ~NodeEngine();

  void tick();
  void receive(const replication::Message& m);
  void clientRequest(std::uint64_t conn, const kv::ClientRequest& request);
  // Proposes the client writes gathered since the last call (one batch, one append).
  void endOfTurn();
  // The log's durable end may have moved (after a flush on another thread or schedule).
  void onLogDurable();
  void setFlushPolicy(const wal::FlushPolicy& policy);
  // Flushes the buffer now, on this thread (the Flush button).
  void flushNow();
  void proposeWriteQuorum(std::uint32_t writeQuorum);
  void campaign();
  // The connection went away: forget its pending requests.
  void clientGone(std::uint64_t conn);

  NodeView view() const;
  // Entries [from, to] decoded for display (bounded to 4096).
  std::vector<EntryView> entryViews(Index from, Index to) const;

  bool failed() const { return !m_failure.isOk(); }
  const Status& failure() const { return m_failure; }
  const replication::ReplicaCore& core() const { return *m_core; }
  wal::SegmentedLog& log() { return *m_log; }
  const wal::SegmentedLog& log() const { return *m_log; }
  const kv::KvStore& kv() const { return m_kv; }
  const EngineOptions& options() const { return m_options; }
  const wal::RecoveryReport& recovery() const { return m_recovery; }
  const std::vector<std::string>& recoveryNotes() const { return m_notes; }
  Index ackableEnd() const;

 private:
  class Storage;
  struct WaitingWrite {
    std::uint64_t conn = 0;
    std::uint64_t client = 0;
    std::uint64_t seq = 0;
  };
  struct PendingRead {
    std::uint64_t conn = 0;
    kv::ClientRequest request;
    bool confirmed = false;
    Index readIndex = 0;
  };

  NodeEngine(const EngineOptions& options, wal::FileSystem& fs, EngineHost& host);
  Status recover();

  void process(replication::Ready r);
  void reportDurability();
  void applyCommitted();
  void installSnapshot(const replication::SnapshotMeta& meta, NodeId from);
  void maybeSnapshot();
  void compact();
  void serveReads();
  void afterRoleChange();
  void fail(const Status& s, const std::string& context);
  void event(EventKind kind, NodeId peer, Index a, Index b, std::string detail = {},
             std::uint8_t msgType = 0);
  void coreEvent(const replication::Event& e);
  void rememberRecent(const Entry& e);
  void noteSegmentChanges();

  void respond(std::uint64_t conn, kv::ClientResponse r);
  kv::ClientResponse notLeader(const kv::ClientRequest& rq) const;

  EngineOptions m_options;
  wal::FileSystem& m_fs;
  EngineHost& m_host;
  std::unique_ptr<wal::SegmentedLog> m_log;
  std::unique_ptr<Storage> m_storage;
  std::unique_ptr<replication::ReplicaCore> m_core;
  SnapshotStore m_snapshots;
  kv::KvStore m_kv;
  wal::FlushPolicy m_policy;
  wal::RecoveryReport m_recovery;
  std::vector<std::string> m_notes;
  Status m_failure;

  Index m_reportedDurable = 0;
  Index m_lastDurableSeen = 0;
  replication::Role m_lastRole = replication::Role::kFollower;
  std::vector<std::string> m_segmentNames;

  std::vector<std::pair<std::uint64_t, kv::ClientRequest>> m_batch;
  std::map<Index, WaitingWrite> m_waiting;
  std::map<std::uint64_t, PendingRead> m_reads;
  std::uint64_t m_nextReadId = 1;

  std::deque<EntryView> m_recent;
  std::deque<Index> m_duplicates;  // indices applied as duplicates (bounded)
  Counters m_counters;
  int m_processDepth = 0;
};

}  // namespace qlab::node
