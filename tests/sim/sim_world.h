#pragma once
// SimWorld: a whole cluster on one thread, deterministic from one seed (TigerBeetle /
// FoundationDB habit). Each node is the real NodeEngine (ReplicaCore + SegmentedLog + KV)
// over a FaultFileSystem on a MemFileSystem; time is virtual; the network drops, delays,
// duplicates, reorders and partitions (one-way too); nodes crash (losing unsynced data,
// tearing or zeroing the last write), restart, pause and resume; flush policies and the
// write quorum change at run time; clients retry with the same (client, seq).
//
// Checkers run after every event: at most one leader per generation, HWM never decreasing
// within a node's life, committed prefixes identical everywhere. At the end, after healing
// everything, the cluster must converge, and (for safe configurations) no acknowledged write
// may be lost and the client history must be linearizable.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "core/cluster/fault.h"
#include "core/instruments/history.h"
#include "core/common/clock.h"
#include "core/common/random.h"
#include "core/cluster/fault.h"
#include "core/node/node_engine.h"
#include "core/wal/fault_file_system.h"
#include "core/wal/mem_file_system.h"

namespace qlab::sim {

struct SimConfig {
  std::uint64_t seed = 1;
  int nodes = 3;
  wal::FlushMode policy = wal::FlushMode::kAlways;
  std::int64_t delayMs = 30;       // for kDelayed
  std::uint32_t writeQuorum = 0;   // 0 = majority
  bool changePolicies = true;      // switch flush policies at run time (within the safety class)
  bool changeQuorum = false;       // propose write-quorum changes at run time
  bool faults = true;
  int clients = 3;
  int keys = 4;
  std::int64_t faultPhaseMs = 6000;
  std::int64_t quiesceMs = 12000;  // upper bound to converge after healing
  double dropRate = 0.02;
  double duplicateRate = 0.01;
  std::int64_t maxDelayMs = 15;
  std::uint64_t segmentBytes = 2048;  // small: rolls and LWM cleanup happen often
  std::uint64_t snapshotEvery = 40;
  double fsyncErrorRate = 0.0;        // per fault round: a node's next fsync fails (node fails)

  // Safe configurations promise: no acknowledged write lost, linearizable history.
  bool safe() const {
    bool safePolicy = policy == wal::FlushMode::kAlways || policy == wal::FlushMode::kGroup;
    return safePolicy && writeQuorum == 0 && !changeQuorum;
  }
  std::string describe() const;
};

struct SimResult {
  bool ok = true;
  std::vector<std::string> violations;   // broken promises (the test fails)
  std::vector<cluster::LostWrite> lost;  // acknowledged then lost (expected when unsafe)
  std::vector<cluster::LostWrite> lostByOracle;
  std::vector<std::string> notes;        // divergences observed in unsafe configs, etc.
  std::uint64_t ackedWrites = 0;
  std::uint64_t okReads = 0;
  std::uint64_t timedOut = 0;
  Index finalHwm = 0;
  int leaderChanges = 0;
  int crashes = 0;
  int restarts = 0;
  int snapshotsInstalled = 0;
  int truncations = 0;
  int segmentsDeleted = 0;
  int duplicatesIgnored = 0;
  std::uint64_t events = 0;
  std::string trace;  // the last events, for a failing seed
};

class SimWorld {
 public:
  explicit SimWorld(SimConfig config);
  ~SimWorld();

  // Runs the fault phase, heals, quiesces and checks. Deterministic for a given config.
  SimResult run();

  // ---- building blocks for hand-written scenarios ----
  void runFor(std::int64_t ms);
  bool runUntil(const std::function<bool()>& pred, std::int64_t timeoutMs);
  // The live cluster's fault vocabulary (core/cluster/fault.h), on simulated nodes. A kill of
  // kind kCrash keeps what the node wrote to its files, as a process crash does.
  void apply(const cluster::Fault& f);
  void crash(NodeId id, wal::PowerLossMode mode = wal::PowerLossMode::kDropUnsynced);
  void restart(NodeId id);
  void pause(NodeId id);
  void resume(NodeId id);
  void cut(NodeId from, NodeId to);  // one way
  void partition(const std::vector<std::vector<NodeId>>& groups);
  void heal();
  void setPolicy(NodeId id, wal::FlushPolicy p);
  void proposeWriteQuorum(std::uint32_t w);
  void dropNextResponses(NodeId id, int n);
  // A client write/read driven to completion (or timeout); returns the final operation.
  cluster::Operation clientWrite(std::uint64_t client, const std::string& key,
                                 const std::string& value, std::int64_t timeoutMs = 5000);
  cluster::Operation clientRead(std::uint64_t client, const std::string& key,
                                std::int64_t timeoutMs = 5000);
  void startLoad();   // background clients (config.clients)
  void stopLoad();
  NodeId leader() const;  // a live leader of the highest generation, or 0
  node::NodeEngine* engine(NodeId id);
  bool alive(NodeId id) const;
  const std::vector<cluster::Operation>& history() const { return m_history; }
  std::vector<std::string>& violations() { return m_violations; }
  // Checks at the end: convergence, lost writes, linearizability (fills result).
  void finalChecks(SimResult* r);
  std::int64_t nowMs() const { return m_clock.nowMs(); }
  Random& random() { return m_rng; }
  const SimConfig& config() const { return m_config; }
  // Count of node events of a kind across the run.
  int eventCount(node::EventKind k) const;

 private:
  struct Node;
  struct Client;
  struct Event {
    std::int64_t atUs;
    std::uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Event& o) const { return atUs != o.atUs ? atUs > o.atUs : seq > o.seq; }
  };

  void schedule(std::int64_t delayUs, std::function<void()> fn);
  bool step();  // runs one event; false when the queue is empty
  void checkAfterEvent();
  void checkNode(Node& n);
  void checkApplied(NodeId id, const Entry& e);
  void faultRound();
  void operatorRound();
  void deliver(NodeId to, std::string bytes);
  void sendFromNode(NodeId from, const replication::Message& m);
  void clientSend(Client& c);
  void clientResponse(std::uint64_t clientId, const kv::ClientResponse& r);
  void clientNext(Client& c);
  void finishOp(Client& c, cluster::OpResult r);
  void beginOp(Client& c, cluster::OpKind kind, std::string key, std::string value, std::int64_t timeoutUs);
  cluster::Operation runClientOp(std::uint64_t client, cluster::OpKind kind, const std::string& key,
                                 const std::string& value, std::int64_t timeoutMs);
  void nodeEvent(const node::NodeEvent& e);
  void trace(const std::string& line);
  node::EngineOptions optionsFor(NodeId id) const;

  SimConfig m_config;
  Random m_rng;
  ManualClock m_clock;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> m_queue;
  std::uint64_t m_seq = 0;
  std::vector<std::unique_ptr<Node>> m_nodes;  // index = id - 1
  std::vector<std::unique_ptr<Client>> m_clients;
  std::set<std::pair<NodeId, NodeId>> m_cut;
  std::vector<cluster::Operation> m_history;
  std::vector<std::string> m_violations;
  std::vector<std::string> m_notes;
  std::map<Generation, NodeId> m_leaderOf;
  int m_leaderChanges = 0;
  // The committed log as first seen by any node: index -> (generation, client, seq).
  struct CommittedEntry {
    Generation generation = 0;
    EntryType type = EntryType::kData;
    std::string payload;
  };
  std::map<Index, CommittedEntry> m_committed;
  std::map<int, int> m_eventCounts;
  bool m_loadOn = false;
  bool m_faultsOn = false;
  std::uint64_t m_events = 0;
  std::vector<std::string> m_trace;  // ring of recent lines
  std::size_t m_traceNext = 0;
  bool m_verbose = false;  // QLAB_SIM_VERBOSE: print every message and event
  int m_crashes = 0;
  int m_restarts = 0;
};

}  // namespace qlab::sim
