#include "core/node/live_node.h"

#include <chrono>

#include <QAbstractEventDispatcher>
#include <QDateTime>
#include <QHostAddress>
#include <QMetaObject>
#include <QTimer>
#include <spdlog/spdlog.h>

#include "core/common/thread_priority.h"
#include "core/kv/client_protocol.h"
#include "core/node/mailbox.h"
#include "core/net/transport.h"
#include "core/replication/message.h"
#include "core/wal/flusher.h"

namespace qlab::node {

// The part of a LiveNode that lives on the node thread: the engine's host.
class NodeWorker final : public QObject, public EngineHost {
 public:
  NodeWorker(LiveNode* owner, int incarnation) : m_owner(owner), m_opts(owner->m_options), m_incarnation(incarnation) {
    m_opts.engine.flush = owner->flushPolicy();
    m_mailbox = new Mailbox(this);  // a child: it moves to the node thread with the worker
  }
  Mailbox* mailbox() const { return m_mailbox; }
  ~NodeWorker() override = default;

  // Runs on the node thread: recover, then start serving.
  Status open() {
    auto e = NodeEngine::open(m_opts.engine, wal::posixFileSystem(), *this);
    if (!e.isOk()) return e.status();
    m_engine = std::move(e.value());
    if (m_opts.sink.onStarted) m_opts.sink.onStarted(m_opts.engine.id, m_engine->kv().appliedIndex());
    for (const auto& note : m_engine->recoveryNotes()) log(spdlog::level::info, "recovery: " + note);
    m_flusher = std::make_unique<wal::Flusher>(m_engine->log(), m_opts.engine.flush);
    // Called from the flusher thread (or inline from this one): hop onto the node thread.
    // shutdown() clears the listener and joins the flusher before this worker goes away.
    NodeWorker* me = this;
    m_engine->log().setDurableListener([me](Index) { me->m_mailbox->post([me] { me->durable(); }); });
    {
      std::lock_guard lk(m_owner->m_logMu);
      m_owner->m_logForReads = &m_engine->log();
      m_owner->m_flusherForHold = m_flusher.get();
      if (m_owner->m_frozen.load()) m_flusher->hold(true);
    }

    net::TransportOptions to;
    to.clusterName = m_opts.clusterName;
    to.self = m_opts.engine.id;
    to.port = m_opts.port;
    to.peerPorts = m_opts.peerPorts;
    for (const auto& [peer, address] : m_opts.peerAddresses) {
      const auto colon = address.rfind(':');
      if (colon == std::string::npos) continue;  // checked where the spec was made
      to.peerHosts[peer] = address.substr(0, colon);
      to.peerPorts[peer] = static_cast<std::uint16_t>(std::stoul(address.substr(colon + 1)));
    }
    to.bindAddress = QHostAddress(QString::fromStdString(m_opts.host));
    to.faultSeed = m_opts.seed * 977 + static_cast<std::uint64_t>(m_incarnation);
    to.logger = m_opts.logger;
    m_transport = std::make_unique<net::Transport>(to);
    connect(m_transport.get(), &net::Transport::peerMessage, this, &NodeWorker::onPeerMessage);
    connect(m_transport.get(), &net::Transport::clientRequest, this, &NodeWorker::onClientRequest);
    connect(m_transport.get(), &net::Transport::clientDisconnected, this,
            [this](quint64 conn) { if (m_engine) m_engine->clientGone(conn); });
    Status s = m_transport->start();
    if (!s.isOk()) {
      shutdown(KillKind::kPowerLoss, 0);
      return s;
    }
    m_owner->m_port.store(m_transport->port());
    // The turn runs when the event loop has handled everything that was ready and is about
    // to wait again (see scheduleTurn).
    if (auto* d = QThread::currentThread()->eventDispatcher()) {
      connect(d, &QAbstractEventDispatcher::aboutToBlock, this, &NodeWorker::runPendingTurn,
              Qt::DirectConnection);
      m_turnOnBlock = true;
    }

    m_tick = new QTimer(this);
    m_tick->setTimerType(Qt::PreciseTimer);
    connect(m_tick, &QTimer::timeout, this, [this] {
      if (!live()) return;
      m_engine->tick();
      m_engine->endOfTurn();
      m_dirty = true;
    });
    m_tick->start(m_opts.tickMs);
    m_publishTimer = new QTimer(this);
    connect(m_publishTimer, &QTimer::timeout, this, [this] { publishIfDirty(); });
    m_publishTimer->start(m_opts.publishIntervalMs);
    m_dirty = true;
    publishIfDirty();
    log(spdlog::level::info, "serving on " + m_opts.host + ":" + std::to_string(m_transport->port()) + ", log " +
                                 std::to_string(m_engine->log().firstIndex()) + ".." +
                                 std::to_string(m_engine->log().lastIndex()) + ", flush " +
                                 wal::flushModeName(m_opts.engine.flush.mode));
    return Status::ok();
  }

  // Power loss, a process crash, or the end of the node. Runs on the node thread.
  void shutdown(KillKind how, std::uint64_t seed) {
    if (m_tick) m_tick->stop();
    if (m_publishTimer) m_publishTimer->stop();
    if (m_transport) m_transport->abortAll();
    if (m_flusher) m_flusher->stop();
    if (m_engine) {
      publishIfDirty(true);
      m_engine->log().setDurableListener(nullptr);
      {
        std::lock_guard lk(m_owner->m_logMu);
        m_owner->m_logForReads = nullptr;
        m_owner->m_flusherForHold = nullptr;
      }
      if (how == KillKind::kCrash) m_engine->log().simulateCrash();
      else m_engine->log().simulatePowerLoss(how == KillKind::kTornPowerLoss, seed);
    }
    m_flusher.reset();
    m_engine.reset();
    m_transport.reset();
  }

  // Commands (node thread).
  void setFlushPolicy(const wal::FlushPolicy& p) {
    if (!m_engine) return;
    m_engine->setFlushPolicy(p);
    log(spdlog::level::info, std::string("flush policy is now ") + wal::flushModeName(p.mode) +
                                 (p.mode == wal::FlushMode::kDelayed ? " (" + std::to_string(p.delayMs) + " ms)" : ""));
    m_dirty = true;
  }
  void flushNow() {
    if (!m_engine) return;
    m_engine->flushNow();
    m_dirty = true;
  }
  void proposeWriteQuorum(std::uint32_t w) {
    if (m_engine) m_engine->proposeWriteQuorum(w);
  }
  void campaign() {
    if (m_engine) m_engine->campaign();
  }
  void setLinkFault(NodeId to, const net::LinkFault& f) {
    if (m_transport) m_transport->setLinkFault(to, f);
  }
  void clearLinkFaults() {
    if (m_transport) m_transport->clearLinkFaults();
  }
  void dropNextResponses(int n) {
    if (m_transport) m_transport->dropNextClientResponses(n);
  }

  // EngineHost
  void sendMessage(const replication::Message& m) override {
    if (m_transport) m_transport->sendToPeer(m.to, replication::encodeMessage(m));
  }
  void sendQueuedNow() override {
    if (m_transport) m_transport->flushPeers();
  }
  void sendClientResponse(std::uint64_t conn, const kv::ClientResponse& r) override {
    if (m_transport) m_transport->sendToClient(conn, kv::encodeClientResponse(r));
  }
  void emitEvent(NodeEvent e) override {
    e.tMs = m_opts.sink.clock ? m_opts.sink.clock() : e.tMs;
    logEvent(e);
    if (m_opts.sink.onEvent) m_opts.sink.onEvent(e);
  }
  std::int64_t nowMs() const override { return QDateTime::currentMSecsSinceEpoch(); }
  void logAppended(const wal::FlushPolicy& p) override {
    // A node process hands every append to the OS at once (fdatasync still follows the
    // policy): a crash of the process then keeps it, a power loss does not.
    if (m_opts.writeThrough && m_engine) {
      if (auto w = m_engine->log().writeOut(); !w.isOk())
        log(spdlog::level::warn, "writing the log out failed: " + w.status().message());
    }
    if (m_flusher && p.mode == wal::FlushMode::kGroup) m_flusher->flushNow();
    if (m_flusher) m_flusher->noteAppended();  // the early mark of `delayed`
  }
  void flushPolicyChanged(const wal::FlushPolicy& p) override {
    if (m_flusher) m_flusher->setPolicy(p);
  }
  void applied(const Entry& e, bool duplicate) override {
    if (m_opts.sink.onApplied) m_opts.sink.onApplied(m_opts.engine.id, e, duplicate);
  }
  void stateReplaced(const replication::SnapshotMeta& meta, NodeId from) override {
    if (m_opts.sink.onStateReplaced) m_opts.sink.onStateReplaced(m_opts.engine.id, meta, from);
  }

  void publishIfDirty(bool force = false) {
    if (!m_engine || (!m_dirty && !force)) return;
    m_dirty = false;
    auto v = std::make_shared<NodeView>(m_engine->view());
    v->version = ++m_version;
    v->publishedMs = m_opts.sink.clock ? m_opts.sink.clock() : 0;
    v->port = m_transport ? m_transport->port() : m_opts.port;
    m_owner->publish(std::move(v));
  }

 private:
  void durable() {
    if (!m_engine) return;
    m_engine->onLogDurable();
    m_dirty = true;
    scheduleTurn();
  }
  void onPeerMessage(NodeId from, const std::string& payload) {
    if (!live()) return;
    auto m = replication::decodeMessage(payload);
    if (!m.isOk()) {
      log(spdlog::level::warn, "dropped a message from node " + std::to_string(from) + ": " + m.status().message());
      return;
    }
    if (m->from != from) {
      log(spdlog::level::warn, "dropped a message claiming to be from node " + std::to_string(m->from) +
                                   " on node " + std::to_string(from) + "'s connection");
      return;
    }
    m_engine->receive(*m);
    m_dirty = true;
    scheduleTurn();
  }
  void onClientRequest(quint64 conn, const std::string& payload) {
    if (!live()) return;
    auto rq = kv::decodeClientRequest(payload);
    if (!rq.isOk()) {
      kv::ClientResponse r = kv::answerTo(0, 0, kv::ClientStatus::kBadRequest);
      r.error = rq.status().message();
      m_transport->sendToClient(conn, kv::encodeClientResponse(r));
      return;
    }
    m_engine->clientRequest(conn, *rq);
    m_dirty = true;
    scheduleTurn();
  }
  // Coalesces the writes that arrive in one pass of the event loop into one proposal.
  // False once the node is being killed: a node released from a pause or a freeze only to
  // die must not first handle what waited in its sockets (it is dead from the kill on).
  bool live() const { return m_engine && !m_owner->m_dying.load(); }
  // The turn runs once the event loop has dispatched every socket and message that was
  // ready in this pass, just before it polls again (aboutToBlock). A posted event would do
  // the same one pass later, but posting to its own thread costs the loop an eventfd write,
  // a wake-up and another poll round every pass, on the leader one per handful of requests.
  void scheduleTurn() {
    if (m_turnPending) return;
    m_turnPending = true;
    if (!m_turnOnBlock) postTurn();
  }
  void postTurn() {
    QMetaObject::invokeMethod(this, [this] { runPendingTurn(); }, Qt::QueuedConnection);
  }
  void runPendingTurn() {
    // A turn that asks for another turn gets it here, before the loop sleeps; should that
    // keep on, the next one is posted so the loop wakes for it.
    for (int i = 0; m_turnPending && i < 4; ++i) {
      m_turnPending = false;
      if (live()) m_engine->endOfTurn();
    }
    if (m_turnPending) postTurn();
  }
  void log(spdlog::level::level_enum lvl, const std::string& text) {
    if (m_opts.logger) m_opts.logger->log(lvl, text);
  }
  void logEvent(const NodeEvent& e) {
    if (!m_opts.logger) return;
    switch (e.kind) {
      case EventKind::kSend: case EventKind::kRecv: case EventKind::kFlush: case EventKind::kClientWrite:
      case EventKind::kClientRead:
        return;
      case EventKind::kFailed: case EventKind::kDiverged: case EventKind::kViolation: case EventKind::kLostWrite:
        m_opts.logger->warn("{}: {}", eventKindName(e.kind), e.detail);
        return;
      case EventKind::kElected:
        m_opts.logger->info("elected leader of generation {}", e.generation);
        return;
      case EventKind::kTruncate:
        m_opts.logger->info("truncated the log after {} (removed {}..{})", e.a, e.a + 1, e.b);
        return;
      case EventKind::kSegmentRoll:
        m_opts.logger->info("new segment {}", e.detail);
        return;
      case EventKind::kSegmentDelete:
        m_opts.logger->info("deleted segment {} (below the low-water mark)", e.detail);
        return;
      case EventKind::kSnapshot:
        m_opts.logger->info("snapshot at index {} ({} bytes)", e.a, e.b);
        return;
      default:
        if (!e.detail.empty()) m_opts.logger->info("{}: {}", eventKindName(e.kind), e.detail);
        else m_opts.logger->debug("{}", eventKindName(e.kind));
    }
  }

  LiveNode* m_owner;
  LiveNodeOptions m_opts;
  int m_incarnation;
  std::unique_ptr<NodeEngine> m_engine;
  std::unique_ptr<wal::Flusher> m_flusher;
  std::unique_ptr<net::Transport> m_transport;
  QTimer* m_tick = nullptr;
  QTimer* m_publishTimer = nullptr;
  bool m_turnPending = false;
  bool m_turnOnBlock = false;  // runPendingTurn is connected to the dispatcher's aboutToBlock
  bool m_dirty = false;
  std::uint64_t m_version = 0;
  Mailbox* m_mailbox = nullptr;
};

// ---------------------------------------------------------------------------------------

LiveNode::LiveNode(LiveNodeOptions options, QObject* parent)
    : QObject(parent), m_options(std::move(options)), m_policy(m_options.engine.flush) {
  m_port.store(m_options.port);
  auto v = std::make_shared<NodeView>();
  v->id = m_options.engine.id;
  v->status = NodeStatus::kDead;
  v->flush = m_policy;
  m_view = std::move(v);
}

LiveNode::~LiveNode() { stopThread(KillKind::kPowerLoss); }

Status LiveNode::start() { return startThread(); }

Status LiveNode::restart() {
  if (running()) return Status::ok();
  return startThread();
}

bool LiveNode::running() const { return m_worker != nullptr; }

Status LiveNode::startThread() {
  if (m_worker) return Status::ok();
  int life = ++m_incarnation;
  m_dying.store(false);
  m_options.port = m_port.load();
  m_thread = new QThread();
  m_thread->setObjectName(QString("node-%1").arg(m_options.engine.id));
  QObject::connect(m_thread, &QThread::started, [] { applyClusterThreadNice(); });  // runs in the new thread
  m_worker = new NodeWorker(this, life);
  m_mailbox = m_worker->mailbox();
  m_worker->moveToThread(m_thread);
  m_thread->start();
  NodeWorker* w = m_worker;
  Status s = Status::aborted("node thread did not start");
  m_mailbox->call([w, &s] { s = w->open(); });
  if (!s.isOk()) {
    destroyThread();
    auto v = std::make_shared<NodeView>(*view());
    v->status = NodeStatus::kFailed;
    v->failure = s.toString();
    publish(std::move(v));
    if (m_options.logger) m_options.logger->error("could not start: {}", s.toString());
    if (m_options.sink.onEvent) {
      NodeEvent e;
      e.tMs = m_options.sink.clock ? m_options.sink.clock() : 0;
      e.node = id();
      e.kind = EventKind::kFailed;
      e.detail = s.toString();
      m_options.sink.onEvent(e);
    }
    return s;
  }
  if (m_frozen.load()) blockThread();  // restarted while the cluster stands still
  return Status::ok();
}

// Ends the node thread's event loop and frees the worker and the thread.
void LiveNode::destroyThread() {
  m_thread->quit();
  m_thread->wait();
  delete m_worker;
  delete m_thread;
  m_worker = nullptr;
  m_mailbox = nullptr;
  m_thread = nullptr;
}

void LiveNode::stopThread(KillKind how) {
  if (!m_worker) return;
  m_dying.store(true);  // before the thread is released from a pause or freeze
  {
    std::lock_guard lk(m_pauseMu);
    m_pauseRequested = false;
    m_freezeRequested = false;  // a kill while frozen: the thread must run its shutdown
  }
  m_pauseCv.notify_all();
  m_paused.store(false);
  NodeWorker* w = m_worker;
  std::uint64_t seed = m_options.seed * 7919 + static_cast<std::uint64_t>(m_incarnation.load());
  m_mailbox->call([w, how, seed] { w->shutdown(how, seed); });
  m_mailbox->close();
  destroyThread();
  auto v = std::make_shared<NodeView>(*view());
  v->status = NodeStatus::kDead;
  v->role = replication::Role::kFollower;
  v->leader = kNoNode;
  v->bufferedBytes = 0;
  v->peers.clear();
  publish(std::move(v));
}

void LiveNode::kill(KillKind how) {
  if (!m_worker) return;
  if (m_options.logger) m_options.logger->warn("killed ({})", killKindName(how));
  stopThread(how);
}

void LiveNode::pause() {
  if (!m_worker || m_paused.load()) return;
  {
    std::lock_guard lk(m_pauseMu);
    m_pauseRequested = true;
  }
  m_paused.store(true);
  tapView();
  if (m_options.logger) m_options.logger->warn("paused (the thread is frozen; its sockets stay open)");
  m_mailbox->post([this] { holdHere(); });
}

// On the node thread: stands still while paused or frozen.
void LiveNode::holdHere() {
  std::unique_lock lk(m_pauseMu);
  m_pauseCv.wait(lk, [this] { return !m_pauseRequested && !m_freezeRequested; });
}

void LiveNode::blockThread() {
  {
    std::lock_guard lk(m_pauseMu);
    m_freezeRequested = true;
  }
  // One last view first, so the frozen picture is the node's state at the freeze (views are
  // otherwise up to a publish interval old).
  m_mailbox->post([this, w = m_worker] {
    w->publishIfDirty(true);
    holdHere();
  });
}

void LiveNode::setFrozen(bool on) {
  if (m_frozen.exchange(on) == on) return;
  {
    std::lock_guard lk(m_logMu);
    if (m_flusherForHold) m_flusherForHold->hold(on);
  }
  if (!m_worker) return;
  if (on) {
    blockThread();
  } else {
    {
      std::lock_guard lk(m_pauseMu);
      m_freezeRequested = false;
    }
    m_pauseCv.notify_all();
  }
}

void LiveNode::resume() {
  if (!m_paused.load()) return;
  {
    std::lock_guard lk(m_pauseMu);
    m_pauseRequested = false;
  }
  m_paused.store(false);
  tapView();
  m_pauseCv.notify_all();
  if (m_options.logger) m_options.logger->info("resumed");
}

void LiveNode::setFlushPolicy(const wal::FlushPolicy& p) {
  m_policy = p;
  m_options.engine.flush = p;
  if (m_worker) m_mailbox->post([w = m_worker, p] { w->setFlushPolicy(p); });
}

wal::FlushPolicy LiveNode::flushPolicy() const { return m_policy; }

void LiveNode::flushNow() {
  if (m_worker) m_mailbox->post([w = m_worker] { w->flushNow(); });
}

void LiveNode::proposeWriteQuorum(std::uint32_t q) {
  if (m_worker) m_mailbox->post([w = m_worker, q] { w->proposeWriteQuorum(q); });
}

void LiveNode::campaign() {
  if (m_worker) m_mailbox->post([w = m_worker] { w->campaign(); });
}

void LiveNode::setLinkFault(NodeId to, const net::LinkFault& f) {
  if (m_worker) m_mailbox->post([w = m_worker, to, f] { w->setLinkFault(to, f); });
}

void LiveNode::clearLinkFaults() {
  if (m_worker) m_mailbox->post([w = m_worker] { w->clearLinkFaults(); });
}

void LiveNode::dropNextResponses(int n) {
  if (m_worker) m_mailbox->post([w = m_worker, n] { w->dropNextResponses(n); });
}

void LiveNode::publish(std::shared_ptr<const NodeView> v) {
  std::lock_guard lk(m_viewMu);
  m_view = std::move(v);
  tapViewLocked();
}

std::shared_ptr<const NodeView> LiveNode::shown(const std::shared_ptr<const NodeView>& v) const {
  if (m_paused.load() && v->status == NodeStatus::kRunning) {
    auto copy = std::make_shared<NodeView>(*v);
    copy->status = NodeStatus::kPaused;
    return copy;
  }
  return v;
}

void LiveNode::tapViewLocked() const {
  if (m_options.sink.onPublish) m_options.sink.onPublish(shown(m_view));
}

void LiveNode::tapView() const {
  if (!m_options.sink.onPublish) return;
  std::lock_guard lk(m_viewMu);
  tapViewLocked();
}

std::shared_ptr<const NodeView> LiveNode::view() const {
  std::shared_ptr<const NodeView> v;
  {
    std::lock_guard lk(m_viewMu);
    v = m_view;
  }
  return shown(v);
}

std::vector<EntryView> LiveNode::entries(Index from, Index to) const {
  std::vector<EntryView> out;
  std::lock_guard lk(m_logMu);
  if (!m_logForReads) return out;
  from = std::max(from, m_logForReads->firstIndex());
  to = std::min({to, m_logForReads->lastIndex(), from + 4095});
  if (from > to) return out;
  std::vector<Entry> entries;
  if (!m_logForReads->read(from, to, 16u << 20, &entries).isOk()) return out;
  out.reserve(entries.size());
  for (const auto& e : entries) out.push_back(decodeEntryView(e));
  return out;
}

std::optional<LogExtent> LiveNode::logExtent() const {
  std::lock_guard lk(m_logMu);
  if (!m_logForReads) return std::nullopt;
  // Durable end first: an entry is never called durable before its flush completed.
  LogExtent x;
  x.durableEnd = m_logForReads->durableEnd();
  x.first = m_logForReads->firstIndex();
  x.last = m_logForReads->lastIndex();
  x.durableEnd = std::min(x.durableEnd, x.last);
  return x;
}

Status LiveNode::readLog(Index from, Index to, std::size_t maxBytes, std::vector<Entry>* out) const {
  std::lock_guard lk(m_logMu);
  if (!m_logForReads) return Status::notFound("node " + std::to_string(id()) + " is down");
  from = std::max(from, m_logForReads->firstIndex());
  to = std::min(to, m_logForReads->lastIndex());
  if (from > to) return Status::ok();
  return m_logForReads->read(from, to, maxBytes, out);
}

}  // namespace qlab::node
