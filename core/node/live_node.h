#pragma once
// LiveNode: one node for real. Its NodeEngine runs on a thread of its own with a Qt event
// loop, a TCP Transport on 127.0.0.1, a background Flusher (group and delayed policies) and
// a tick timer. The object itself lives on the caller's thread (the cluster's) and is the
// only handle to the node: every command is a queued call into the node thread, and what the
// node looks like comes back as an immutable NodeView published at a bounded rate.
//
// docs/architecture.md "Kill, power loss, torn writes, pause":
//   kill      power loss: the thread stops at once, sockets are reset, the unflushed buffer
//             is discarded (with `torn`, a random prefix of it reaches the file first)
//   pause     the thread stops processing but keeps its sockets open (a frozen VM)
//   restart   a new engine recovers from the same data directory and rejoins
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <QObject>
#include <QThread>

#include "core/net/link_fault.h"
#include "core/node/node_engine.h"
#include "core/node/node_event.h"
#include "core/node/node_view.h"

namespace spdlog {
class logger;
}

namespace qlab::node {

struct LiveNodeOptions {
  EngineOptions engine;
  std::string clusterName = "quorumlab";
  std::uint16_t port = 0;                        // fixed across restarts once chosen
  std::map<NodeId, std::uint16_t> peerPorts;
  int tickMs = 20;
  int publishIntervalMs = 33;                    // ~30 Hz
  std::uint64_t seed = 1;
  std::shared_ptr<spdlog::logger> logger;        // one per node ("node-2")
  // Called on the node thread; must be thread-safe and quick.
  std::function<void(const NodeEvent&)> onEvent;
  std::function<void(NodeId, const Entry&, bool duplicate)> onApplied;
  std::function<void(NodeId, const replication::SnapshotMeta&, NodeId from)> onStateReplaced;
  std::function<void(NodeId, Index appliedAtStart)> onStarted;  // after recovery, before serving
  std::function<std::int64_t()> clock;          // cluster clock in ms (events, timestamps)
  // Every picture as view() would return it, in publish order, each time it changes (a
  // publish, a pause, a resume). Called on any thread under the view lock: quick, no calls
  // back into the node (the run recording, core/recording, keeps every picture this way).
  std::function<void(const std::shared_ptr<const NodeView>&)> onPublish;
};

class NodeWorker;
class Mailbox;

class LiveNode : public QObject {
  Q_OBJECT
 public:
  explicit LiveNode(LiveNodeOptions options, QObject* parent = nullptr);
  ~LiveNode() override;  // stops the node like a kill, without tearing

  NodeId id() const { return m_options.engine.id; }
  std::uint16_t port() const { return m_port.load(); }

  // Starts the thread and recovers from disk. Returns once the node is serving or has
  // failed (the reason is in view()->failure): never throws, never hangs past its timeout.
  Status start();
  void kill(bool torn);
  Status restart();
  void pause();
  void resume();
  bool running() const;   // started and not killed
  bool paused() const { return m_paused.load(); }
  // Freeze (time travel): the node thread and its flusher stand still until unfrozen, with no
  // log line and no change to its view. Independent of pause(); a node killed while frozen
  // dies, and one restarted while frozen starts frozen.
  void setFrozen(bool on);
  bool frozen() const { return m_frozen.load(); }

  void setFlushPolicy(const wal::FlushPolicy& p);
  void flushNow();
  void proposeWriteQuorum(std::uint32_t w);
  void campaign();
  void setLinkFault(NodeId to, const net::LinkFault& f);
  void clearLinkFaults();
  void dropNextResponses(int count);
  // The policy the node will use (also across restarts).
  wal::FlushPolicy flushPolicy() const;

  // The newest published picture (never null). Thread-safe.
  std::shared_ptr<const NodeView> view() const;
  // Hands the current picture to onPublish again, in order with publishes (a new listener
  // starts from it). Thread-safe.
  void tapView() const;
  // Entries [from, to] decoded for display, read through the node's log on the caller's
  // thread (the log is internally synchronized). Empty when the node is down.
  std::vector<EntryView> entries(Index from, Index to) const;
  // The whole log as the node holds it now, buffered (not yet fdatasync'ed) entries included,
  // for exports and final summaries. nullopt / kNotFound when the node is down: then what it
  // holds is exactly what is in its files.
  struct LogExtent {
    Index first = 0;       // first index held (lastIndex + 1 when empty)
    Index last = 0;        // last appended, buffered or not
    Index durableEnd = 0;  // last index covered by a completed flush
  };
  std::optional<LogExtent> logExtent() const;
  // Full entries [from, to], stopping early once maxBytes of payload are read.
  Status readLog(Index from, Index to, std::size_t maxBytes, std::vector<Entry>* out) const;

 private:
  friend class NodeWorker;
  void publish(std::shared_ptr<const NodeView> v);
  // m_view as view() shows it (paused status applied); m_viewMu held or not needed.
  std::shared_ptr<const NodeView> shown(const std::shared_ptr<const NodeView>& v) const;
  void tapViewLocked() const;  // m_viewMu held: hands the shown picture to onPublish
  Status startThread();
  void stopThread(bool torn);
  void destroyThread();
  void holdHere();     // node thread: wait while paused or frozen
  void blockThread();  // post holdHere for a freeze

  LiveNodeOptions m_options;
  std::atomic<std::uint16_t> m_port{0};
  std::atomic<bool> m_paused{false};
  std::atomic<int> m_incarnation{0};
  QThread* m_thread = nullptr;
  NodeWorker* m_worker = nullptr;  // lives in m_thread
  Mailbox* m_mailbox = nullptr;    // the worker's: every call into the node thread goes here
  mutable std::mutex m_viewMu;
  std::shared_ptr<const NodeView> m_view;
  // Pause: the node thread waits here inside a queued call.
  std::mutex m_pauseMu;
  std::condition_variable m_pauseCv;
  bool m_pauseRequested = false;
  bool m_freezeRequested = false;
  std::atomic<bool> m_frozen{false};
  // Read access to the log from other threads while the node is up.
  mutable std::mutex m_logMu;
  const wal::SegmentedLog* m_logForReads = nullptr;  // set by the worker while its engine lives
  wal::Flusher* m_flusherForHold = nullptr;           // likewise, for freezing
  wal::FlushPolicy m_policy;
};

}  // namespace qlab::node
