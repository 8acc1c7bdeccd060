#include "core/remote/process_node.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaObject>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>
#include <spdlog/spdlog.h>

#include "core/common/coding.h"
#include "core/net/frame_socket.h"
#include "core/net/handshake.h"
#include "core/node/node_codec.h"
#include "core/remote/control_protocol.h"
#include "core/remote/flush_policy_text.h"

extern char** environ;

namespace qlab::remote {

using Clock = std::chrono::steady_clock;

// The connection to one node's control port; lives on the ProcessNode's connection thread.
// Reconnects while wanted (a restarted process listens again on the same port).
class ControlClient : public QObject {
 public:
  ControlClient(ProcessNode* owner, HostPort control, std::string cluster, std::string token)
      : m_owner(owner), m_control(std::move(control)), m_cluster(std::move(cluster)), m_token(std::move(token)) {}

  void open() {
    {
      std::lock_guard lk(m_mu);
      m_refusal.clear();  // a new attempt: the token or the node may have been fixed
    }
    m_wanted = true;
    if (!m_socket) connectNow();
  }
  void close() {
    m_wanted = false;
    if (m_socket) {
      m_socket->abort();
      m_socket->deleteLater();
      m_socket = nullptr;
    }
    m_owner->m_connected.store(false);
  }
  void send(const std::string& payload) {
    if (m_socket && m_owner->m_connected.load()) m_socket->send(net::FrameType::kControl, payload);
  }
  std::string refusal() const {
    std::lock_guard lk(m_mu);
    return m_refusal;
  }

 private:
  void connectNow() {
    auto* raw = new QTcpSocket;
    m_socket = new net::FrameSocket(raw, kMaxNodeFrameBytes, 1u << 20, this);
    net::FrameSocket* sock = m_socket;
    connect(sock, &net::FrameSocket::connected, this, [this, sock] {
      sock->send(net::FrameType::kHello, encodeControlHello({m_cluster, m_token}));
    });
    connect(sock, &net::FrameSocket::frameReceived, this, [this, sock](const net::Frame& f) { onFrame(sock, f); });
    connect(sock, &net::FrameSocket::closed, this, [this, sock](net::CloseCause, const QString&) {
      if (sock != m_socket) return;
      m_socket->deleteLater();
      m_socket = nullptr;
      const bool was = m_owner->m_connected.exchange(false);
      if (was) m_owner->onDisconnected();
      if (m_wanted) QTimer::singleShot(100, this, [this] { if (m_wanted && !m_socket) connectNow(); });
    });
    raw->connectToHost(QString::fromStdString(m_control.host), m_control.port);
  }

  void onFrame(net::FrameSocket* sock, const net::Frame& f) {
    if (f.type == net::FrameType::kRefuse) {
      auto r = net::decodeRefuse(f.payload);
      std::lock_guard lk(m_mu);
      m_refusal = "node at " + m_control.text() + " refused us: " + (r.isOk() ? r->reason : "a refuse frame");
      m_wanted = false;  // a wrong token does not get better by retrying
      return;
    }
    if (f.type == net::FrameType::kHelloAck) {
      auto w = decodeControlWelcome(f.payload);
      if (!w.isOk() || w->node != m_owner->id()) {
        std::lock_guard lk(m_mu);
        m_refusal = "the node at " + m_control.text() + " is not node " + std::to_string(m_owner->id());
        m_wanted = false;
        sock->abort();
        return;
      }
      m_owner->m_connected.store(true);
      m_owner->m_cv.notify_all();
      return;
    }
    if (f.type != net::FrameType::kControl) return;
    auto msg = splitControl(f.payload);
    if (!msg.isOk()) return;
    coding::Reader in(msg->body);
    const node::NodeSink& sink = m_owner->m_options.launch.spec.sink;
    switch (msg->kind) {
      case ControlKind::kView: {
        auto v = std::make_shared<node::NodeView>();
        if (node::codec::getView(in, nullptr, *v)) m_owner->onView(std::move(v));
        return;
      }
      case ControlKind::kEvent: {
        node::NodeEvent e;
        if (!node::codec::getEvent(in, e)) return;
        if (sink.clock) e.tMs = sink.clock();
        if (sink.onEvent) sink.onEvent(e);
        return;
      }
      case ControlKind::kApplied: {
        Entry e;
        bool dup = false;
        if (decodeApplied(msg->body, &e, &dup) && sink.onApplied) sink.onApplied(m_owner->id(), e, dup);
        return;
      }
      case ControlKind::kStateReplaced: {
        replication::SnapshotMeta m;
        NodeId from = kNoNode;
        if (decodeStateReplaced(msg->body, &m, &from) && sink.onStateReplaced) sink.onStateReplaced(m_owner->id(), m, from);
        return;
      }
      case ControlKind::kStarted: {
        const Index applied = in.u64();
        if (in.ok() && sink.onStarted) sink.onStarted(m_owner->id(), applied);
        return;
      }
      case ControlKind::kLog: {
        const std::uint8_t level = in.u8();
        std::string text;
        node::codec::getStr(in, text);
        const auto& logger = m_owner->m_options.launch.spec.logger;
        if (in.ok() && logger && level <= spdlog::level::critical)
          logger->log(static_cast<spdlog::level::level_enum>(level), "{}", text);
        return;
      }
      case ControlKind::kReply: {
        Reply r;
        if (decodeReply(msg->body, &r)) m_owner->onReply(r.id, std::move(r.status), std::move(r.body));
        return;
      }
      default: return;
    }
  }

  ProcessNode* m_owner;
  HostPort m_control;
  std::string m_cluster;
  std::string m_token;
  net::FrameSocket* m_socket = nullptr;
  bool m_wanted = false;
  mutable std::mutex m_mu;
  std::string m_refusal;
};

ProcessNode::ProcessNode(ProcessNodeOptions options) : m_options(std::move(options)) {
  m_policy = m_options.launch.spec.engine.flush;
  auto v = std::make_shared<node::NodeView>();
  v->id = id();
  v->status = node::NodeStatus::kDead;
  m_view = v;
  m_thread = new QThread;
  m_thread->setObjectName(QString("control-%1").arg(id()));
  m_client = new ControlClient(this, m_options.launch.control, m_options.launch.spec.clusterName, m_options.token);
  m_client->moveToThread(m_thread);
  m_thread->start();
}

ProcessNode::~ProcessNode() {
  if (m_options.spawn) stopChild(3000);
  QMetaObject::invokeMethod(m_client, [c = m_client] { c->close(); delete c; }, Qt::BlockingQueuedConnection);
  m_thread->quit();
  m_thread->wait();
  delete m_thread;
}

std::string ProcessNode::backendName() const {
  if (!m_options.spawn) return "remote " + m_options.launch.control.text();
  const auto pid = m_pid.load();
  return pid > 0 ? "process " + std::to_string(pid) : "process";
}

Status ProcessNode::spawnChild() {
  std::vector<std::string> args = {m_options.binary, "node", "--parent-pid", std::to_string(::getpid())};
  for (auto& a : nodeLaunchArgs(m_options.launch)) args.push_back(a);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The token travels in the child's environment only (never in its arguments).
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (std::string_view(*e).rfind(std::string(kTokenEnv) + "=", 0) != 0) env.emplace_back(*e);
  env.push_back(std::string(kTokenEnv) + "=" + m_options.token);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  const std::string log = m_options.logFile.empty() ? "/dev/null" : m_options.logFile;
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, m_options.binary.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    return Status::ioError("cannot start node " + std::to_string(id()) + " as a process (" + m_options.binary +
                           "): " + std::strerror(rc));
  m_pid.store(pid);
  m_reaped.store(false);
  return Status::ok();
}

bool ProcessNode::childAlive() const {
  const pid_t pid = static_cast<pid_t>(m_pid.load());
  if (pid <= 0 || m_reaped.load()) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == 0) return true;
  m_reaped.store(true);
  return false;
}

void ProcessNode::signalChild(int sig) const {
  const auto pid = static_cast<pid_t>(m_pid.load());
  if (pid > 0 && childAlive()) ::kill(pid, sig);  // never pid <= 0: that would hit a whole group
}

void ProcessNode::stopChild(int graceMs) {
  if (!childAlive()) return;
  signalChild(SIGCONT);  // a stopped process cannot act on SIGTERM
  signalChild(SIGTERM);  // a clean stop: it flushes, then exits
  const auto until = Clock::now() + std::chrono::milliseconds(graceMs);
  while (childAlive() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (childAlive()) {
    signalChild(SIGKILL);
    int status = 0;
    ::waitpid(static_cast<pid_t>(m_pid.load()), &status, 0);
    m_reaped.store(true);
  }
}

Status ProcessNode::connectAndWait(int timeoutMs, bool wantRunning) {
  std::uint64_t seen = 0;
  {
    std::lock_guard lk(m_mu);
    seen = m_viewsSeen;
  }
  QMetaObject::invokeMethod(m_client, [c = m_client] { c->open(); }, Qt::QueuedConnection);
  const auto until = Clock::now() + std::chrono::milliseconds(timeoutMs);
  std::unique_lock lk(m_mu);
  for (;;) {
    if (m_connected.load() && m_viewsSeen > seen) {
      const auto st = m_view->status;
      if (!wantRunning || st == node::NodeStatus::kRunning || st == node::NodeStatus::kFailed) break;
    }
    if (m_options.spawn && !childAlive())
      return Status::ioError("node " + std::to_string(id()) + "'s process exited while starting; see " +
                             m_options.logFile);
    const std::string refusal = m_client->refusal();
    if (!refusal.empty()) return Status::unavailable(refusal);
    if (Clock::now() >= until)
      return Status::timeout("node " + std::to_string(id()) + " did not answer on its control port " +
                             m_options.launch.control.text() + " within " + std::to_string(timeoutMs) + " ms" +
                             (m_options.spawn ? "; see " + m_options.logFile : ""));
    m_cv.wait_for(lk, std::chrono::milliseconds(20));
  }
  if (m_view->status == node::NodeStatus::kFailed)
    return Status::failed("node " + std::to_string(id()) + " failed to start: " + m_view->failure);
  return Status::ok();
}

Status ProcessNode::start() {
  if (m_options.spawn) {
    if (Status s = spawnChild(); !s.isOk()) return s;
  }
  return connectAndWait(m_options.startTimeoutMs, true);
}

void ProcessNode::kill(node::KillKind how) {
  if (how == node::KillKind::kCrash && m_options.spawn) {
    const auto pid = static_cast<pid_t>(m_pid.load());
    if (pid <= 0 || !childAlive()) return;
    // The real thing: the process gets no chance to flush anything.
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    m_reaped.store(true);
    m_paused.store(false);
    publishLocal(node::NodeStatus::kDead);
    return;
  }
  if (m_paused.load() && m_options.spawn) resume();
  const char* word = how == node::KillKind::kCrash ? "crash" : how == node::KillKind::kTornPowerLoss ? "torn" : "power_loss";
  command(QJsonDocument(QJsonObject{{"op", "kill"}, {"how", word}}).toJson(QJsonDocument::Compact).toStdString());
  // Wait (bounded) until the node says it is down, so the caller sees the kill done.
  const auto until = Clock::now() + std::chrono::milliseconds(3000);
  std::unique_lock lk(m_mu);
  while (m_view->status != node::NodeStatus::kDead && m_connected.load() && Clock::now() < until)
    m_cv.wait_for(lk, std::chrono::milliseconds(10));
}

Status ProcessNode::restart() {
  if (running()) return Status::ok();
  m_paused.store(false);
  if (m_options.spawn && !childAlive()) {
    if (Status s = spawnChild(); !s.isOk()) return s;
    return connectAndWait(m_options.startTimeoutMs, true);
  }
  if (!m_connected.load())
    return Status::unavailable("node " + std::to_string(id()) + "'s process at " + m_options.launch.control.text() +
                               " is gone: start it again where it runs (Quorum Lab reattaches)");
  command(R"({"op":"restart"})");
  return connectAndWait(m_options.startTimeoutMs, true);
}

void ProcessNode::pause() {
  if (!running() || m_paused.load()) return;
  if (m_options.spawn) {
    m_paused.store(true);
    if (!m_frozen.load()) signalChild(SIGSTOP);
    publishLocal(node::NodeStatus::kPaused);
  } else {
    m_paused.store(true);
    command(R"({"op":"pause"})");
  }
}

void ProcessNode::resume() {
  if (!m_paused.load()) return;
  m_paused.store(false);
  if (m_options.spawn) {
    if (!m_frozen.load()) signalChild(SIGCONT);
    tapView();
  } else {
    command(R"({"op":"resume"})");
  }
}

bool ProcessNode::running() const {
  if (m_options.spawn && !childAlive()) return false;
  if (!m_options.spawn && !m_connected.load()) return false;
  std::lock_guard lk(m_mu);
  return m_view->status == node::NodeStatus::kRunning || m_view->status == node::NodeStatus::kPaused;
}

void ProcessNode::setFrozen(bool on) {
  if (m_frozen.exchange(on) == on) return;
  if (!m_options.spawn) {
    command(QJsonDocument(QJsonObject{{"op", "freeze"}, {"on", on}}).toJson(QJsonDocument::Compact).toStdString());
    return;
  }
  if (!m_paused.load()) signalChild(on ? SIGSTOP : SIGCONT);
  if (on && running()) {
    // A stopped process publishes nothing: this picture stands for it, stamped now.
    std::shared_ptr<const node::NodeView> v = view();
    publishLocal(v->status);
  }
}

void ProcessNode::setFlushPolicy(const wal::FlushPolicy& p) {
  m_policy = p;
  m_options.launch.spec.engine.flush = p;  // a restarted process starts with it
  command(QJsonDocument(QJsonObject{{"op", "flush_policy"}, {"policy", QString::fromStdString(flushPolicyText(p))}})
              .toJson(QJsonDocument::Compact)
              .toStdString());
}
wal::FlushPolicy ProcessNode::flushPolicy() const { return m_policy; }
void ProcessNode::flushNow() { command(R"({"op":"flush_now"})"); }
void ProcessNode::proposeWriteQuorum(std::uint32_t w) {
  command(R"({"op":"write_quorum","w":)" + std::to_string(w) + "}");
}
void ProcessNode::campaign() { command(R"({"op":"campaign"})"); }
void ProcessNode::setLinkFault(NodeId to, const net::LinkFault& f) {
  command(QJsonDocument(QJsonObject{{"op", "link"}, {"to", static_cast<qint64>(to)}, {"cut", f.cut},
                                    {"delay_ms", f.delayMs}, {"drop", f.dropProbability}})
              .toJson(QJsonDocument::Compact)
              .toStdString());
}
void ProcessNode::clearLinkFaults() { command(R"({"op":"clear_links"})"); }
void ProcessNode::dropNextResponses(int count) {
  command(R"({"op":"drop_responses","count":)" + std::to_string(count) + "}");
}

void ProcessNode::command(const std::string& json) const {
  const std::string payload = controlPayload(ControlKind::kCommand, json);
  QMetaObject::invokeMethod(m_client, [c = m_client, payload] { c->send(payload); }, Qt::QueuedConnection);
}

Result<std::string> ProcessNode::request(const std::string& json) const {
  if (!m_connected.load() || m_paused.load() || m_frozen.load())
    return Status::unavailable("node " + std::to_string(id()) + " cannot answer now");
  std::uint64_t rid = 0;
  {
    std::lock_guard lk(m_mu);
    rid = m_nextRequest++;
  }
  const std::string payload = controlPayload(ControlKind::kRequest, encodeRequest(rid, json));
  QMetaObject::invokeMethod(m_client, [c = m_client, payload] { c->send(payload); }, Qt::QueuedConnection);
  const auto until = Clock::now() + std::chrono::milliseconds(m_options.requestTimeoutMs);
  std::unique_lock lk(m_mu);
  while (!m_replies.count(rid)) {
    if (!m_connected.load() || Clock::now() >= until) {
      return Status::timeout("node " + std::to_string(id()) + " did not answer a log read within " +
                             std::to_string(m_options.requestTimeoutMs) + " ms");
    }
    m_cv.wait_for(lk, std::chrono::milliseconds(10));
  }
  auto [status, body] = std::move(m_replies[rid]);
  m_replies.erase(rid);
  if (!status.isOk()) return status;
  return body;
}

void ProcessNode::onReply(std::uint64_t rid, Status status, std::string body) {
  {
    std::lock_guard lk(m_mu);
    if (rid >= m_nextRequest) return;  // not one of ours
    m_replies[rid] = {std::move(status), std::move(body)};
    // Replies nobody waits for any more (timed out) must not pile up.
    while (m_replies.size() > 64) m_replies.erase(m_replies.begin());
  }
  m_cv.notify_all();
}

std::shared_ptr<const node::NodeView> ProcessNode::shown() const {
  if (!m_paused.load() || m_view->status != node::NodeStatus::kRunning) return m_view;
  auto v = std::make_shared<node::NodeView>(*m_view);
  v->status = node::NodeStatus::kPaused;
  return v;
}

void ProcessNode::onView(std::shared_ptr<node::NodeView> v) {
  const node::NodeSink& sink = m_options.launch.spec.sink;
  if (sink.clock) v->publishedMs = sink.clock();
  {
    std::lock_guard lk(m_mu);
    m_view = std::move(v);
    ++m_viewsSeen;
    if (sink.onPublish) sink.onPublish(shown());
  }
  m_cv.notify_all();
}

void ProcessNode::onDisconnected() {
  // The process died (or the network to it did): nothing it said since is known.
  m_paused.store(false);
  publishLocal(node::NodeStatus::kDead);
  m_cv.notify_all();
}

void ProcessNode::publishLocal(node::NodeStatus status) const {
  const node::NodeSink& sink = m_options.launch.spec.sink;
  std::lock_guard lk(m_mu);
  auto v = std::make_shared<node::NodeView>(*m_view);
  v->status = status;
  if (status == node::NodeStatus::kDead) {
    v->role = replication::Role::kFollower;
    v->leader = kNoNode;
    v->bufferedBytes = 0;
    v->peers.clear();
  }
  if (sink.clock) v->publishedMs = sink.clock();
  m_view = v;
  if (sink.onPublish) sink.onPublish(v);
}

std::shared_ptr<const node::NodeView> ProcessNode::view() const {
  std::lock_guard lk(m_mu);
  return shown();
}

void ProcessNode::tapView() const {
  const node::NodeSink& sink = m_options.launch.spec.sink;
  std::lock_guard lk(m_mu);
  if (sink.onPublish) sink.onPublish(shown());
}

std::vector<node::EntryView> ProcessNode::entries(Index from, Index to) const {
  std::vector<node::EntryView> out;
  if (!running()) return out;
  auto body = request(R"({"op":"entries","from":)" + std::to_string(from) + R"(,"to":)" + std::to_string(to) + "}");
  if (!body.isOk() || !decodeEntries(*body, &out)) out.clear();
  return out;
}

std::optional<node::LogExtent> ProcessNode::logExtent() const {
  if (!running()) return std::nullopt;
  auto body = request(R"({"op":"extent"})");
  std::optional<node::LogExtent> x;
  if (!body.isOk() || !decodeExtent(*body, &x)) return std::nullopt;
  return x;
}

Status ProcessNode::readLog(Index from, Index to, std::size_t maxBytes, std::vector<Entry>* out) const {
  auto body = request(R"({"op":"read","from":)" + std::to_string(from) + R"(,"to":)" + std::to_string(to) +
                      R"(,"max_bytes":)" + std::to_string(maxBytes) + "}");
  if (!body.isOk()) return body.status();
  if (!decodeFullEntries(*body, out)) return Status::corruption("node " + std::to_string(id()) + " sent a log read that does not decode");
  return Status::ok();
}

}  // namespace qlab::remote
