#include "core/remote/node_process.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <unistd.h>

#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "core/net/frame_socket.h"
#include "core/net/handshake.h"
#include "core/node/live_node.h"
#include "core/node/node_codec.h"
#include "core/remote/control_protocol.h"
#include "core/remote/flush_policy_text.h"

namespace qlab::remote {

// A log sink that hands each line to the observers, as kLog messages.
class NodeProcess::LogForwarder final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit LogForwarder(NodeProcess* owner) : m_owner(owner) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string body;
    coding::putFixed8(body, static_cast<std::uint8_t>(msg.level));
    node::codec::putStr(body, std::string_view(msg.payload.data(), msg.payload.size()).substr(0, 4096));
    m_owner->post(controlPayload(ControlKind::kLog, body));
  }
  void flush_() override {}

 private:
  NodeProcess* m_owner;
};

struct NodeProcess::Session {
  net::FrameSocket* socket = nullptr;
  QTimer* handshake = nullptr;
  bool welcomed = false;
};

NodeProcess::NodeProcess(NodeProcessOptions options, QObject* parent)
    : QObject(parent), m_options(std::move(options)) {
  node::NodeSink& sink = m_options.spec.sink;
  // Times since this process started (an observer stamps what arrives with its own clock).
  const auto started = std::chrono::steady_clock::now();
  sink.clock = [started] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  };
  sink.onEvent = [this](const node::NodeEvent& e) {
    std::string body;
    node::codec::putEvent(body, e);
    post(controlPayload(ControlKind::kEvent, body));
  };
  sink.onApplied = [this](NodeId, const Entry& e, bool dup) {
    post(controlPayload(ControlKind::kApplied, encodeApplied(e, dup)));
  };
  sink.onStateReplaced = [this](NodeId, const replication::SnapshotMeta& m, NodeId from) {
    post(controlPayload(ControlKind::kStateReplaced, encodeStateReplaced(m, from)));
  };
  sink.onStarted = [this](NodeId, Index applied) {
    std::string body;
    coding::putFixed64(body, applied);
    post(controlPayload(ControlKind::kStarted, body));
  };
  sink.onPublish = [this](const std::shared_ptr<const node::NodeView>& v) {
    std::string body;
    node::codec::putView(body, *v, nullptr);
    post(controlPayload(ControlKind::kView, body));
  };
  // Every log line of the node also goes to the observers (the GUI's log pane).
  if (m_options.spec.logger) m_options.spec.logger->sinks().push_back(std::make_shared<LogForwarder>(this));
  m_node = std::make_unique<node::LiveNode>(m_options.spec);
}

NodeProcess::~NodeProcess() {
  for (auto& s : m_sessions) s->socket->abort();
  m_node.reset();  // its threads are gone: nothing logs through the forwarder any more
  if (auto& logger = m_options.spec.logger) {
    auto& sinks = logger->sinks();
    sinks.erase(std::remove_if(sinks.begin(), sinks.end(),
                               [](const auto& s) { return dynamic_cast<LogForwarder*>(s.get()) != nullptr; }),
                sinks.end());
  }
}

Status NodeProcess::start() {
  m_server = new QTcpServer(this);
  const QHostAddress host(QString::fromStdString(m_options.controlHost));
  if (host.isNull())
    return Status::invalidArgument("control address '" + m_options.controlHost + "' is not an IP address");
  if (!m_server->listen(host, m_options.controlPort)) {
    return Status::ioError("cannot listen on control port " + m_options.controlHost + ":" +
                           std::to_string(m_options.controlPort) + ": " +
                           m_server->errorString().toStdString() + "; choose another with --control");
  }
  m_server->setMaxPendingConnections(static_cast<int>(m_options.maxObservers));
  connect(m_server, &QTcpServer::newConnection, this, &NodeProcess::onNewConnection);
  m_nodeStatus = m_node->start();
  return Status::ok();
}

void NodeProcess::stop() {
  if (!m_node->running()) return;
  m_node->resume();
  m_node->flushNow();
  m_node->kill(node::KillKind::kPowerLoss);  // after the flush: nothing is left to lose
}

std::uint16_t NodeProcess::controlPort() const { return m_server ? m_server->serverPort() : 0; }
node::NodeHandle& NodeProcess::node() { return *m_node; }

void NodeProcess::post(std::string payload) {
  QMetaObject::invokeMethod(this, [this, p = std::move(payload)]() mutable { broadcast(std::move(p)); },
                            Qt::QueuedConnection);
}

void NodeProcess::broadcast(std::string payload) {
  // A copy of the list: drop() removes from it.
  std::vector<Session*> targets;
  for (auto& s : m_sessions)
    if (s->welcomed) targets.push_back(s.get());
  for (Session* s : targets) send(s, payload);
}

void NodeProcess::send(Session* s, const std::string& payload) {
  if (s->socket->send(net::FrameType::kControl, payload) == net::FrameSocket::SendResult::kOverloaded)
    drop(s, "it does not read fast enough (more than " +
                std::to_string(m_options.maxObserverBacklogBytes >> 20) + " MiB waiting)");
}

void NodeProcess::onNewConnection() {
  while (QTcpSocket* raw = m_server->nextPendingConnection()) {
    auto s = std::make_unique<Session>();
    s->socket = new net::FrameSocket(raw, net::kMaxHandshakePayloadBytes, m_options.maxObserverBacklogBytes, this);
    Session* sp = s.get();
    if (m_sessions.size() >= m_options.maxObservers) {
      // Kept only until the refusal is out: it must not hold a place after its close.
      connect(s->socket, &net::FrameSocket::closed, this, [this, sp] { drop(sp, ""); });
      m_sessions.push_back(std::move(s));
      refuse(sp, static_cast<std::uint16_t>(net::RefuseCode::kTooManyConnections),
             "this node already has " + std::to_string(m_options.maxObservers) + " observers");
      continue;
    }
    s->handshake = new QTimer(s->socket);
    s->handshake->setSingleShot(true);
    connect(s->handshake, &QTimer::timeout, this, [this, sp] { drop(sp, "no hello within the handshake timeout"); });
    s->handshake->start(m_options.handshakeTimeoutMs);
    connect(s->socket, &net::FrameSocket::frameReceived, this, [this, sp](const net::Frame& f) { onFrame(sp, f); });
    connect(s->socket, &net::FrameSocket::closed, this, [this, sp](net::CloseCause cause, const QString& reason) {
      if (cause == net::CloseCause::kDecodeError || cause == net::CloseCause::kProtocolError) {
        ++m_refusals;
        if (m_options.spec.logger)
          m_options.spec.logger->warn("control: closed {}: {} (the node goes on)", sp->socket->peerName().toStdString(),
                                      reason.toStdString());
      }
      drop(sp, "");
    });
    m_sessions.push_back(std::move(s));
  }
}

void NodeProcess::onFrame(Session* s, const net::Frame& frame) {
  if (!s->welcomed) onHello(s, frame);
  else onControl(s, frame);
}

void NodeProcess::onHello(Session* s, const net::Frame& frame) {
  using net::RefuseCode;
  if (frame.type != net::FrameType::kHello) {
    refuse(s, static_cast<std::uint16_t>(RefuseCode::kProtocolError),
           std::string("expected hello, got a ") + net::frameTypeName(frame.type) + " frame");
    return;
  }
  auto hello = decodeControlHello(frame.payload);
  if (!hello.isOk()) {
    refuse(s, static_cast<std::uint16_t>(RefuseCode::kProtocolError), hello.status().message());
    return;
  }
  if (hello->cluster != m_options.spec.clusterName) {
    refuse(s, static_cast<std::uint16_t>(RefuseCode::kWrongCluster),
           "this node belongs to cluster '" + m_options.spec.clusterName + "', not '" + hello->cluster + "'");
    return;
  }
  if (!tokensEqual(hello->token, m_options.token)) {
    refuse(s, static_cast<std::uint16_t>(RefuseCode::kBadToken),
           "wrong cluster token (give the token of this cluster: --token-file or QUORUMLAB_TOKEN)");
    return;
  }
  s->welcomed = true;
  if (s->handshake) s->handshake->stop();
  s->socket->setMaxPayloadBytes(kMaxObserverFrameBytes);
  s->socket->send(net::FrameType::kHelloAck,
                  encodeControlWelcome({m_options.spec.engine.id, static_cast<std::int64_t>(::getpid())}));
  if (m_options.spec.logger)
    m_options.spec.logger->info("control: observer {} attached", s->socket->peerName().toStdString());
  // The picture as of now; later ones follow as they are published.
  std::string body;
  node::codec::putView(body, *m_node->view(), nullptr);
  send(s, controlPayload(ControlKind::kView, body));
}

void NodeProcess::onControl(Session* s, const net::Frame& frame) {
  if (frame.type != net::FrameType::kControl) {
    drop(s, std::string("unexpected ") + net::frameTypeName(frame.type) + " frame after hello");
    ++m_refusals;
    return;
  }
  auto msg = splitControl(frame.payload);
  if (!msg.isOk()) {
    ++m_refusals;
    drop(s, msg.status().message());
    return;
  }
  switch (msg->kind) {
    case ControlKind::kCommand: command(s, std::string(msg->body)); return;
    case ControlKind::kRequest: {
      std::uint64_t id = 0;
      std::string json;
      if (!decodeRequest(msg->body, &id, &json)) {
        ++m_refusals;
        drop(s, "a request that does not decode");
        return;
      }
      Reply r;
      r.id = id;
      r.body = request(json, &r.status);
      send(s, controlPayload(ControlKind::kReply, encodeReply(r)));
      return;
    }
    default:
      ++m_refusals;
      drop(s, "an observer may send only commands and requests");
      return;
  }
}

void NodeProcess::command(Session* s, const std::string& json) {
  QJsonParseError err{};
  const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(json), &err).object();
  const std::string op = o.value("op").toString().toStdString();
  auto& log = m_options.spec.logger;
  if (log) log->info("control: {} from {}", json, s->socket->peerName().toStdString());
  node::NodeHandle& n = *m_node;
  if (op == "kill") {
    const std::string how = o.value("how").toString().toStdString();
    if (how == "crash") {
      // A process crash is the real thing: no flush, no goodbye.
      if (log) log->flush();
      ::kill(::getpid(), SIGKILL);
      return;
    }
    n.kill(how == "torn" ? node::KillKind::kTornPowerLoss : node::KillKind::kPowerLoss);
  } else if (op == "restart") {
    if (Status st = n.restart(); !st.isOk() && log) log->error("restart failed: {}", st.message());
  } else if (op == "pause") {
    n.pause();
  } else if (op == "resume") {
    n.resume();
  } else if (op == "freeze") {
    n.setFrozen(o.value("on").toBool());
  } else if (op == "flush_policy") {
    auto p = parseFlushPolicyText(o.value("policy").toString().toStdString());
    if (!p.isOk()) {
      if (log) log->warn("control: {}", p.status().message());
      return;
    }
    n.setFlushPolicy(*p);
  } else if (op == "flush_now") {
    n.flushNow();
  } else if (op == "write_quorum") {
    n.proposeWriteQuorum(static_cast<std::uint32_t>(o.value("w").toInteger(0)));
  } else if (op == "campaign") {
    n.campaign();
  } else if (op == "link") {
    const qint64 to = o.value("to").toInteger(0);
    if (to < 1 || to > kMaxNodes) return;
    net::LinkFault f;
    f.cut = o.value("cut").toBool();
    f.delayMs = static_cast<int>(o.value("delay_ms").toInteger(0));
    f.dropProbability = o.value("drop").toDouble(0);
    f = f.clamped();
    n.setLinkFault(static_cast<NodeId>(to), f);
  } else if (op == "clear_links") {
    n.clearLinkFaults();
  } else if (op == "drop_responses") {
    n.dropNextResponses(static_cast<int>(o.value("count").toInteger(0)));
  } else if (op == "tap") {
    std::string body;
    node::codec::putView(body, *n.view(), nullptr);
    send(s, controlPayload(ControlKind::kView, body));
  } else if (op == "exit") {
    emit exitRequested();
  } else {
    ++m_refusals;
    if (log) log->warn("control: unknown command '{}' from {} (ignored)", op, s->socket->peerName().toStdString());
  }
}

std::string NodeProcess::request(const std::string& json, Status* status) {
  const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
  const std::string op = o.value("op").toString().toStdString();
  const auto from = static_cast<Index>(std::max<qint64>(0, o.value("from").toInteger(0)));
  const auto to = static_cast<Index>(std::max<qint64>(0, o.value("to").toInteger(0)));
  *status = Status::ok();
  if (op == "entries") return encodeEntries(m_node->entries(from, to));
  if (op == "extent") return encodeExtent(m_node->logExtent());
  if (op == "read") {
    // Replies must fit in a frame: cap what one read returns well below it.
    const auto maxBytes = static_cast<std::size_t>(
        std::clamp<qint64>(o.value("max_bytes").toInteger(1 << 20), 1, kMaxNodeFrameBytes / 2));
    std::vector<Entry> out;
    *status = m_node->readLog(from, to, maxBytes, &out);
    return status->isOk() ? encodeFullEntries(out) : std::string();
  }
  *status = Status::invalidArgument("unknown request '" + op + "'");
  return {};
}

void NodeProcess::refuse(Session* s, std::uint16_t code, const std::string& reason) {
  ++m_refusals;
  if (m_options.spec.logger)
    m_options.spec.logger->warn("control: refused {}: {} (the node goes on)", s->socket->peerName().toStdString(), reason);
  s->socket->send(net::FrameType::kRefuse, net::encodeRefuse({static_cast<net::RefuseCode>(code), reason}));
  s->socket->closeAfterFlush();
}

void NodeProcess::drop(Session* s, const std::string& why) {
  if (!why.empty() && m_options.spec.logger)
    m_options.spec.logger->warn("control: closed {}: {} (the node goes on)", s->socket->peerName().toStdString(), why);
  for (auto it = m_sessions.begin(); it != m_sessions.end(); ++it) {
    if (it->get() != s) continue;
    std::unique_ptr<Session> gone = std::move(*it);
    m_sessions.erase(it);
    gone->socket->abort();
    gone->socket->deleteLater();
    return;
  }
}

}  // namespace qlab::remote
