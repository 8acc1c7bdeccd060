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
#include "core/node/node_handle.h"
#include "core/node/node_view.h"

namespace spdlog {
class logger;
}

namespace qlab::node {

// A thread node is configured like any node (core/node/node_handle.h).
using LiveNodeOptions = NodeSpec;

class NodeWorker;
class Mailbox;

class LiveNode : public QObject, public NodeHandle {
  Q_OBJECT
 public:
  explicit LiveNode(LiveNodeOptions options, QObject* parent = nullptr);
  ~LiveNode() override;  // stops the node like a kill, without tearing

  NodeId id() const override { return m_options.engine.id; }
  std::uint16_t port() const override { return m_port.load(); }
  std::string backendName() const override { return "thread"; }

  // Starts the thread and recovers from disk. Returns once the node is serving or has
  // failed (the reason is in view()->failure): never throws, never hangs past its timeout.
  Status start() override;
  // kCrash drops what the node holds in user space and keeps what it wrote to the OS: the same
  // as a power loss unless the spec writes through (a node process), since otherwise nothing
  // reaches the OS before its fdatasync.
  void kill(KillKind how) override;
  void kill(bool torn) { kill(torn ? KillKind::kTornPowerLoss : KillKind::kPowerLoss); }
  Status restart() override;
  void pause() override;
  void resume() override;
  bool running() const override;  // started and not killed
  bool paused() const override { return m_paused.load(); }
  // Freeze (time travel): the node thread and its flusher stand still until unfrozen, with no
  // log line and no change to its view. Independent of pause(); a node killed while frozen
  // dies, and one restarted while frozen starts frozen.
  void setFrozen(bool on) override;
  bool frozen() const { return m_frozen.load(); }

  void setFlushPolicy(const wal::FlushPolicy& p) override;
  void flushNow() override;
  void proposeWriteQuorum(std::uint32_t w) override;
  void campaign() override;
  void setLinkFault(NodeId to, const net::LinkFault& f) override;
  void clearLinkFaults() override;
  void dropNextResponses(int count) override;
  // The policy the node will use (also across restarts).
  wal::FlushPolicy flushPolicy() const override;

  // The newest published picture (never null). Thread-safe.
  std::shared_ptr<const NodeView> view() const override;
  // Hands the current picture to onPublish again, in order with publishes (a new listener
  // starts from it). Thread-safe.
  void tapView() const override;
  // Entries [from, to] decoded for display, read through the node's log on the caller's
  // thread (the log is internally synchronized). Empty when the node is down.
  std::vector<EntryView> entries(Index from, Index to) const override;
  // The whole log as the node holds it now, buffered (not yet fdatasync'ed) entries included,
  // for exports and final summaries. nullopt / kNotFound when the node is down: then what it
  // holds is exactly what is in its files.
  std::optional<LogExtent> logExtent() const override;
  // Full entries [from, to], stopping early once maxBytes of payload are read.
  Status readLog(Index from, Index to, std::size_t maxBytes, std::vector<Entry>* out) const override;

 private:
  friend class NodeWorker;
  void publish(std::shared_ptr<const NodeView> v);
  // m_view as view() shows it (paused status applied); m_viewMu held or not needed.
  std::shared_ptr<const NodeView> shown(const std::shared_ptr<const NodeView>& v) const;
  void tapViewLocked() const;  // m_viewMu held: hands the shown picture to onPublish
  Status startThread();
  void stopThread(KillKind how);
  void destroyThread();
  void holdHere();     // node thread: wait while paused or frozen
  void blockThread();  // post holdHere for a freeze

  LiveNodeOptions m_options;
  std::atomic<std::uint16_t> m_port{0};
  std::atomic<bool> m_paused{false};
  std::atomic<bool> m_dying{false};  // set by a kill before the node thread is released
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
