#pragma once
// Cluster: N live nodes (1..9) in one process, with their data directories and free ports on
// 127.0.0.1, plus the client load generator, the recorder, the live invariant checker and
// the log hub. This is the one object the GUI and `quorumlab run` drive. It lives on the
// thread that creates it (the GUI thread); every node runs on its own thread behind it.
//
//   Cluster c(options);
//   if (Status s = c.start(); !s) ...            // recovers if options.dataDir holds a cluster
//   c.load().start({.clients = 4, .rate = 200});
//   c.kill(c.leader());                          // power loss
//   c.restart(2); c.partition({{1}, {2, 3}}); c.heal();
//   for (auto& v : c.views()) ...                // immutable per-node pictures
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <QObject>
#include <QTimer>

#include "core/instruments/live_checker.h"
#include "core/cluster/load_generator.h"
#include "core/instruments/log_hub.h"
#include "core/instruments/recorder.h"
#include "core/net/link_fault.h"
#include "core/cluster/fault.h"
#include "core/cluster/node_backends.h"
#include "core/node/node_handle.h"
#include "core/node/mailbox.h"
#include "core/node/node_view.h"
#include "core/wal/flusher.h"

namespace qlab::cluster {

// The election timeout T a cluster accepts (ms), and its default (measured in
// docs/BENCHMARKS.md "Time to first leader").
inline constexpr int kDefaultElectionTimeoutMs = 500;
inline constexpr int kMinElectionTimeoutMs = 150;
inline constexpr int kMaxElectionTimeoutMs = 60'000;

struct ClusterOptions {
  std::string name = "quorumlab";
  int nodes = 3;                       // 1..9
  std::string dataDir;                 // empty: a fresh temporary directory
  bool keepData = false;               // keep that temporary directory (a given one is never removed)
  std::uint32_t writeQuorum = 0;       // W; 0 = majority
  std::uint64_t segmentBytes = 64 * 1024;
  std::uint64_t snapshotEvery = 1000;  // entries; 0 = never
  Index retainEntries = 256;           // kept below the log end even after a snapshot
  wal::FlushPolicy flush;              // default for every node
  std::uint64_t seed = 1;
  int tickMs = 20;
  int heartbeatTicks = 5;              // 100 ms
  // A follower that hears no leader for a random time in [T, 2T) stands for election. The
  // default elects the first leader in well under a second and still leaves several
  // heartbeats (100 ms) between elections to follow by eye. Rounded to whole ticks.
  int electionTimeoutMs = kDefaultElectionTimeoutMs;
  bool echoLogs = false;               // node warnings to stderr (headless runs)
  // Record every event and applied entry (timeline, live checker, events.jsonl). Benchmarks
  // turn it off to measure replication alone; client history is always kept.
  bool instrument = true;
  bool spillFiles = true;              // events.jsonl / history.jsonl in the data directory
  int publishIntervalMs = 33;          // how often each node publishes its view (~30 Hz)
  // What runs the nodes (core/cluster/node_backends.h). Processes and attach: each node has a
  // control port and the cluster a token (processes: a fresh one in <data>/token, mode 0600).
  NodeBackend backend = NodeBackend::kThreads;
  std::string nodeBinary;              // processes: the quorumlab executable (default: this one)
  std::vector<remote::ClusterMember> attachNodes;  // attach: the nodes, from a cluster file
  std::string token;                   // attach: the cluster token
};

// Options for attaching to the nodes a cluster file lists (name, nodes, ports, token).
// Errors name the file and what to fix.
Result<ClusterOptions> attachOptions(const std::string& clusterFile);

// Parses "majority" or 1..nodes. Error names the value.
Result<std::uint32_t> parseWriteQuorum(const std::string& s, int nodes);
std::string writeQuorumName(std::uint32_t w);

// One direction of one link, as the cluster set it.
struct LinkState {
  bool cut = false;
  int delayMs = 0;
  double drop = 0;
  bool operator==(const LinkState&) const = default;
};

// The leader and HWM a set of node pictures shows: the running leader of the highest
// generation (0 if none), and its HWM (else the highest any node has). The live cluster and a
// replayed recording answer with these same two functions.
NodeId leaderOf(const std::vector<std::shared_ptr<const node::NodeView>>& views);
Index hwmOf(const std::vector<std::shared_ptr<const node::NodeView>>& views);

class Cluster : public QObject {
  Q_OBJECT
 public:
  explicit Cluster(ClusterOptions options, QObject* parent = nullptr);
  ~Cluster() override;

  // Creates directories, picks free ports (kept across restarts) and starts every node.
  // Fails with a message naming the directory when it is not writable.
  Status start();
  // Stops load and every node (like a clean shutdown: buffers are flushed first). Attached
  // nodes (they run elsewhere) are only let go of: resumed if paused, never stopped.
  void stop();
  bool started() const { return !m_nodes.empty(); }

  const ClusterOptions& options() const { return m_options; }
  int size() const { return m_options.nodes; }
  const std::string& dataDir() const { return m_dataDir; }
  std::string nodeDir(NodeId id) const;
  std::int64_t nowMs() const;
  std::int64_t nowUs() const;  // the cluster clock: stands still while the cluster is frozen

  // Freeze (time travel): every node thread and flusher stands still and the cluster clock
  // stops, so nothing times out because of the freeze: elections, client deadlines, delayed
  // flushes and scenario waits all go on after thaw() as if no time had passed. Client
  // requests already sent wait for their answer. Nodes can still be killed (they die) and
  // restarted (they start frozen) meanwhile. Recorded as `freeze`/`thaw` events.
  void freeze();
  void thaw();
  bool frozen() const { return m_frozenAtUs.load() >= 0; }

  // ---- faults and controls (ids are 1..size(); the "all" forms loop) ----
  // Every fault goes through here (scenario steps, GUI actions); the calls below are its
  // parts. Fails only when a node could not restart (the reason names it).
  Status apply(const Fault& f);
  void kill(NodeId id, node::KillKind how);
  void kill(NodeId id, bool torn = false) {
    kill(id, torn ? node::KillKind::kTornPowerLoss : node::KillKind::kPowerLoss);
  }
  Status restart(NodeId id);
  void pause(NodeId id);
  void resume(NodeId id);
  void setFlushPolicy(NodeId id, const wal::FlushPolicy& p);
  wal::FlushPolicy flushPolicy(NodeId id) const;
  void flushNow(NodeId id);
  void campaign(NodeId id);
  void dropResponses(NodeId id, int count);
  // Nodes talk only within their group; nodes not listed form a group of their own.
  void partition(const std::vector<std::vector<NodeId>>& groups);
  // Degrades from -> to (and to -> from unless oneWay).
  void setLink(NodeId from, NodeId to, const net::LinkFault& fault, bool oneWay = false);
  void heal();
  LinkState link(NodeId from, NodeId to) const;
  // Proposes the write quorum through the leader (0 = majority). False when there is no
  // leader to propose it; the request is kept and proposed when one appears.
  bool setWriteQuorum(std::uint32_t w);
  std::uint32_t writeQuorum() const;    // as the cluster last asked for it
  // Why the current W is risky, in words ("" when it is the safe majority).
  std::string writeQuorumWarning() const;

  // ---- state ----
  std::vector<std::shared_ptr<const node::NodeView>> views() const;
  std::shared_ptr<const node::NodeView> view(NodeId id) const;
  NodeId leader() const;  // the running leader of the highest generation, or 0
  Index hwm() const;      // the leader's HWM (or the highest seen if there is no leader)
  std::vector<node::EntryView> entries(NodeId id, Index from, Index to) const;
  // Streams every entry node `id` holds now, in index order, with whether it is durable. A
  // node that is up is read through its log, so buffered entries (written, not yet
  // fdatasync'ed) are included; a node that is down holds exactly what is in its files, all
  // durable. `visit` returns false to stop. Read-only (cluster_logs.cpp).
  struct LogScan {
    bool live = false;     // read through the running (or paused) node
    Index first = 0;       // first index held; last + 1 when empty
    Index last = 0;
    Index durableEnd = 0;
  };
  Result<LogScan> scanLog(NodeId id, const std::function<bool(const Entry&, bool durable)>& visit) const;
  std::uint16_t port(NodeId id) const;
  // True when every running node holds the leader's whole committed log.
  bool caughtUp() const;
  // True when every running, unpaused node has published a view at or after `sinceMs`
  // (cluster clock): views lag the nodes by up to one publish interval.
  bool viewsFresh(std::int64_t sinceMs) const;
  // caughtUp(), judged only on views published at or after `sinceMs`.
  bool caughtUpSince(std::int64_t sinceMs) const { return viewsFresh(sinceMs) && caughtUp(); }
  // Blocks (without an event loop) until every running node has published a view after
  // this call began, or timeoutMs passes. For final summaries and exports.
  bool awaitFreshViews(int timeoutMs = 2000) const;

  // Every node picture, event and client operation from now on also goes to `tap` (the run
  // recording); nullptr detaches, and returns once no call into the old tap is running.
  void setTap(RunTap* tap);

  LoadGenerator& load() { return *m_load; }
  Recorder& recorder() { return *m_recorder; }
  LiveChecker& checker() { return *m_checker; }
  LogHub& logs() { return *m_logs; }

 signals:
  // A node started, died, failed, paused or resumed.
  void nodeStatusChanged(qlab::NodeId id);
  // The live checker found something (violation or an expected loss).
  void finding(const QString& text, bool violation);

 private:
  node::NodeSpec nodeOptions(NodeId id) const;
  BackendContext backendFor(NodeId id) const;
  Status prepareBackend();
  void clusterEvent(node::EventKind kind, NodeId node, std::string detail, Index a = 0, Index b = 0);
  void applyLinks();
  void updateSafety();
  void poll();
  bool awaitViewsSince(std::int64_t sinceMs, int timeoutMs) const;

  ClusterOptions m_options;
  std::string m_dataDir;
  bool m_ownsDataDir = false;
  // The cluster clock: steady time minus m_clockBaseUs, or m_frozenAtUs while frozen (-1 when
  // not). Read from every thread; written by freeze()/thaw() under a sequence count.
  std::atomic<std::int64_t> m_clockBaseUs{0};
  std::atomic<std::int64_t> m_frozenAtUs{-1};
  std::atomic<std::uint64_t> m_clockSeq{0};
  std::map<NodeId, std::uint16_t> m_ports;
  std::map<NodeId, std::uint16_t> m_controlPorts;  // processes
  std::map<NodeId, std::string> m_clientHosts;     // attach: nodes whose client port is not on 127.0.0.1
  std::string m_token;                             // processes, attach
  std::vector<std::unique_ptr<node::NodeHandle>> m_nodes;
  std::vector<int> m_lives;
  std::map<std::pair<NodeId, NodeId>, LinkState> m_links;
  std::uint32_t m_writeQuorum = 0;
  std::optional<std::uint32_t> m_pendingWriteQuorum;
  std::unique_ptr<LogHub> m_logs;
  std::unique_ptr<Recorder> m_recorder;
  std::unique_ptr<LiveChecker> m_checker;
  std::unique_ptr<LoadGenerator> m_load;
  std::shared_ptr<spdlog::logger> m_log;
  QTimer m_poll;
  node::Mailbox m_inbox;  // findings from node threads, delivered on this thread
  std::vector<node::NodeStatus> m_lastStatus;
  mutable std::mutex m_tapMu;  // taken inside a node's view lock: never the other way round
  RunTap* m_tap = nullptr;
};

}  // namespace qlab::cluster
