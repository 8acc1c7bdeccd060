#include "core/net/transport.h"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>
#include <QMetaType>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

#include "core/common/assert.h"
#include "core/net/inbound_connection.h"
#include "core/net/peer_link.h"

namespace qlab::net {

namespace {

std::string describeFault(const LinkFault& f) {
  if (f.isNone()) return "no fault";
  std::string s;
  if (f.cut) s += "cut";
  if (f.delayMs > 0) s += (s.empty() ? "" : ", ") + fmt::format("delay {} ms", f.delayMs);
  if (f.dropProbability > 0.0)
    s += (s.empty() ? "" : ", ") + fmt::format("drop {:.0f}%", f.dropProbability * 100.0);
  return s;
}

std::string describeConnection(const InboundConnection& c) {
  switch (c.kind()) {
    case InboundConnection::Kind::kPeer: return fmt::format("node {}", c.peer());
    case InboundConnection::Kind::kClient: return fmt::format("client {}", c.clientId());
    case InboundConnection::Kind::kPending:
    case InboundConnection::Kind::kClosing: break;
  }
  return "before hello";
}

}  // namespace

void registerNetMetaTypes() {
  qRegisterMetaType<std::string>("std::string");
  qRegisterMetaType<qlab::NodeId>("qlab::NodeId");
}

Transport::Transport(TransportOptions options, QObject* parent)
    : QObject(parent),
      m_options(std::move(options)),
      m_log(m_options.logger ? m_options.logger : std::make_shared<spdlog::logger>("net-silent")),
      m_faultRandom(m_options.faultSeed ^ (std::uint64_t{m_options.self} << 32)),
      m_server(new QTcpServer(this)) {
  QLAB_ASSERT_MSG(m_options.self != kNoNode, "a Transport needs its node id");
  QLAB_ASSERT(!m_options.clusterName.empty() &&
              m_options.clusterName.size() <= kMaxClusterNameBytes);
  registerNetMetaTypes();
  connect(m_server, &QTcpServer::newConnection, this, &Transport::onNewConnection);
  for (const auto& [peer, port] : m_options.peerPorts) {
    if (peer != m_options.self) linkFor(peer)->setPort(port);
  }
}

Transport::~Transport() { abortAll(); }

void Transport::assertOwnerThread() const {
  QLAB_ASSERT_MSG(QThread::currentThread() == thread(), "Transport used outside its own thread");
}

bool Transport::isListening() const { return m_server->isListening(); }

PeerLink* Transport::linkFor(NodeId peer) {
  auto it = m_links.find(peer);
  if (it != m_links.end()) return it->second;
  PeerLink::Config c;
  c.clusterName = m_options.clusterName;
  c.self = m_options.self;
  c.peer = peer;
  auto host = m_options.peerHosts.find(peer);
  c.host = host != m_options.peerHosts.end() ? QString::fromStdString(host->second)
                                             : m_options.peerAddress.toString();
  c.reconnectInitialMs = m_options.reconnectInitialMs;
  c.reconnectMaxMs = m_options.reconnectMaxMs;
  c.handshakeTimeoutMs = m_options.handshakeTimeoutMs;
  c.maxQueuedBytes = m_options.maxQueuedBytesPerPeer;
  c.logger = m_log;
  auto* link = new PeerLink(std::move(c), &m_faultRandom, this);
  connect(link, &PeerLink::upChanged, this, &Transport::peerLinkChanged);
  m_links.emplace(peer, link);
  return link;
}

Status Transport::start() {
  assertOwnerThread();
  if (m_aborted)
    return Status::aborted("transport of node " + std::to_string(m_options.self) + " was aborted");
  if (m_server->isListening())
    return Status::invalidArgument("transport of node " + std::to_string(m_options.self) +
                                   " already started");
  const std::string where =
      m_options.bindAddress.toString().toStdString() + ":" + std::to_string(m_options.port);
  if (!m_server->listen(m_options.bindAddress, m_options.port)) {
    return Status::ioError("node " + std::to_string(m_options.self) + " cannot listen on " + where +
                           ": " + m_server->errorString().toStdString() +
                           " (another program may hold the port: stop it or choose other ports)");
  }
  m_port = m_server->serverPort();
  m_log->info("net: node {} listening on {}:{}", m_options.self,
              m_options.bindAddress.toString().toStdString(), m_port);
  for (auto& [peer, link] : m_links) link->start();
  return Status::ok();
}

void Transport::setPeerPort(NodeId peer, std::uint16_t port) {
  assertOwnerThread();
  if (peer == m_options.self || peer == kNoNode) return;
  PeerLink* link = linkFor(peer);
  link->setPort(port);
  if (m_server->isListening()) link->start();
}

void Transport::sendToPeer(NodeId to, std::string payload) {
  assertOwnerThread();
  auto it = m_links.find(to);
  if (it == m_links.end()) {
    m_log->error("net: dropped a message to node {}: not a peer of node {}", to, m_options.self);
    return;
  }
  it->second->send(std::move(payload));
}

void Transport::flushPeers() {
  assertOwnerThread();
  for (auto& [peer, link] : m_links) link->flushNow();
}

bool Transport::isPeerConnected(NodeId peer) const {
  auto it = m_links.find(peer);
  return it != m_links.end() && it->second->isUp();
}

void Transport::onNewConnection() {
  while (QTcpSocket* socket = m_server->nextPendingConnection()) {
    if (m_aborted || m_inbound.size() >= m_options.maxInboundConnections) {
      if (!m_aborted) {
        ++m_stats.connectionsRejected;
        m_log->warn("net: rejected a connection from {}:{}: {} connections open already",
                    socket->peerAddress().toString().toStdString(), socket->peerPort(),
                    m_inbound.size());
      }
      socket->abort();
      socket->deleteLater();
      continue;
    }
    const std::uint64_t id = m_nextConnectionId++;
    auto* conn = new InboundConnection(id, socket, m_options.handshakeTimeoutMs,
                                       m_options.maxQueuedBytesPerPeer, this);
    connect(conn, &InboundConnection::helloReceived, this, &Transport::onHello);
    connect(conn, &InboundConnection::frameReceived, this, &Transport::onInboundFrame);
    connect(conn, &InboundConnection::closed, this, &Transport::onInboundClosed);
    m_inbound.emplace(id, conn);
    m_log->debug("net: connection #{} from {}", id, conn->peerName().toStdString());
  }
}

void Transport::refuse(InboundConnection* conn, RefuseCode code, const std::string& reason) {
  ++m_stats.handshakesRefused;
  m_log->warn("net: refused connection #{} from {}: {}: {}", conn->id(),
              conn->peerName().toStdString(), refuseCodeName(code), reason);
  conn->refuse(code, reason);
}

void Transport::onHello(InboundConnection* conn, const Hello& hello) {
  if (hello.clusterName != m_options.clusterName) {
    refuse(conn, RefuseCode::kWrongCluster,
           fmt::format("cluster name '{}' does not match '{}'", hello.clusterName,
                       m_options.clusterName));
    return;
  }
  if (hello.protocolVersion != kProtocolVersion) {
    refuse(conn, RefuseCode::kBadVersion,
           fmt::format("protocol version {}, this node speaks {}", hello.protocolVersion,
                       kProtocolVersion));
    return;
  }
  if (hello.isClient()) {
    if (hello.clientId == 0) {
      refuse(conn, RefuseCode::kBadClientId, "a client hello needs a client id other than 0");
      return;
    }
    conn->accept(hello, m_options.self);
    m_log->debug("net: connection #{} from {} is client {}", conn->id(),
                 conn->peerName().toStdString(), hello.clientId);
    emit clientConnected(conn->id(), hello.clientId);
    return;
  }
  if (hello.nodeId == m_options.self || !m_links.contains(hello.nodeId)) {
    std::string members;
    for (const auto& [peer, link] : m_links)
      members += (members.empty() ? "" : ",") + std::to_string(peer);
    refuse(conn, RefuseCode::kUnknownNode,
           fmt::format("node {} is not a peer of node {} (peers: {})", hello.nodeId, m_options.self,
                       members));
    return;
  }
  conn->accept(hello, m_options.self);
  // A restarted peer connects again while its old connection may linger half-open: the
  // newest one wins.
  auto [it, inserted] = m_inboundPeer.try_emplace(hello.nodeId, conn->id());
  if (!inserted) {
    auto old = m_inbound.find(it->second);
    if (old != m_inbound.end() && old->second != conn) {
      InboundConnection* stale = old->second;
      disconnect(stale, nullptr, this, nullptr);
      stale->abort();
      stale->deleteLater();
      m_inbound.erase(old);
    }
    it->second = conn->id();
  }
  m_log->info("net: node {} connected from {}", hello.nodeId, conn->peerName().toStdString());
}

void Transport::onInboundFrame(InboundConnection* conn, const Frame& frame) {
  if (conn->kind() == InboundConnection::Kind::kPeer) {
    auto& [frames, bytes] = m_received[conn->peer()];
    ++frames;
    bytes += frame.wireBytes();
    emit peerMessage(conn->peer(), frame.payload);
  } else {
    ++m_stats.clientRequests;
    m_stats.clientRequestBytes += frame.wireBytes();
    emit clientRequest(conn->id(), frame.payload);
  }
}

void Transport::onInboundClosed(InboundConnection* conn, CloseCause cause, const QString& reason) {
  const std::string who = describeConnection(*conn);
  const bool wasClient = conn->kind() == InboundConnection::Kind::kClient;
  const auto line =
      fmt::format("net: connection #{} from {} ({}) {}: {}", conn->id(),
                  conn->peerName().toStdString(), who, closeCauseName(cause), reason.toStdString());
  switch (cause) {
    case CloseCause::kDecodeError:
      ++m_stats.decodeErrors;
      m_log->warn(line);
      break;
    case CloseCause::kProtocolError:
      ++m_stats.protocolErrors;
      m_log->warn(line);
      break;
    case CloseCause::kHandshakeTimeout:
      ++m_stats.handshakeTimeouts;
      m_log->info(line);
      break;
    case CloseCause::kPeerClosed:
    case CloseCause::kRefused: m_log->debug(line); break;
  }
  m_inbound.erase(conn->id());
  auto peerIt = m_inboundPeer.find(conn->peer());
  if (peerIt != m_inboundPeer.end() && peerIt->second == conn->id()) m_inboundPeer.erase(peerIt);
  disconnect(conn, nullptr, this, nullptr);
  conn->deleteLater();
  if (wasClient) emit clientDisconnected(conn->id());
}

void Transport::sendToClient(std::uint64_t connectionId, std::string_view payload) {
  assertOwnerThread();
  if (m_clientResponsesToDrop > 0) {
    --m_clientResponsesToDrop;
    ++m_stats.clientResponsesDropped;
    m_log->info("net: dropped a response to connection #{} on purpose ({} more to drop)",
                connectionId, m_clientResponsesToDrop);
    return;
  }
  auto it = m_inbound.find(connectionId);
  if (it == m_inbound.end() || it->second->kind() != InboundConnection::Kind::kClient ||
      payload.size() > kMaxFramePayloadBytes) {
    ++m_stats.clientResponsesUndeliverable;
    return;
  }
  if (it->second->send(FrameType::kClientResponse, payload) != FrameSocket::SendResult::kSent) {
    ++m_stats.clientResponsesUndeliverable;
    return;
  }
  ++m_stats.clientResponses;
  m_stats.clientResponseBytes += kFrameHeaderBytes + payload.size();
}

void Transport::closeClient(std::uint64_t connectionId) {
  assertOwnerThread();
  auto it = m_inbound.find(connectionId);
  if (it == m_inbound.end() || it->second->kind() != InboundConnection::Kind::kClient) return;
  InboundConnection* conn = it->second;
  m_inbound.erase(it);
  disconnect(conn, nullptr, this, nullptr);
  conn->abort();
  conn->deleteLater();
  emit clientDisconnected(connectionId);
}

std::uint64_t Transport::clientIdOf(std::uint64_t connectionId) const {
  auto it = m_inbound.find(connectionId);
  return it != m_inbound.end() && it->second->kind() == InboundConnection::Kind::kClient
             ? it->second->clientId()
             : 0;
}

void Transport::setLinkFault(NodeId to, const LinkFault& fault) {
  assertOwnerThread();
  auto it = m_links.find(to);
  if (it == m_links.end()) {
    m_log->warn("net: ignored a link fault to node {}: not a peer of node {}", to, m_options.self);
    return;
  }
  it->second->setFault(fault);
  m_log->info("net: link {} -> {}: {}", m_options.self, to, describeFault(it->second->fault()));
}

LinkFault Transport::linkFault(NodeId to) const {
  auto it = m_links.find(to);
  return it == m_links.end() ? LinkFault{} : it->second->fault();
}

void Transport::clearLinkFaults() {
  assertOwnerThread();
  for (auto& [peer, link] : m_links) link->setFault(LinkFault{});
  m_log->info("net: links from node {} healed", m_options.self);
}

void Transport::dropNextClientResponses(int count) {
  assertOwnerThread();
  m_clientResponsesToDrop = std::max(0, count);
  m_log->info("net: the next {} responses to clients will be dropped", m_clientResponsesToDrop);
}

void Transport::abortAll() {
  if (m_aborted) return;
  m_aborted = true;
  m_server->close();
  for (auto& [peer, link] : m_links) link->abort();
  for (auto& [id, conn] : m_inbound) {
    disconnect(conn, nullptr, this, nullptr);
    conn->abort();
    conn->deleteLater();
  }
  m_inbound.clear();
  m_inboundPeer.clear();
  m_log->info("net: node {} reset all connections", m_options.self);
}

TransportStats Transport::stats() const {
  assertOwnerThread();
  TransportStats s = m_stats;
  for (const auto& [peer, link] : m_links) {
    PeerLinkStats p = link->stats();
    if (auto it = m_received.find(peer); it != m_received.end()) {
      p.framesReceived = it->second.first;
      p.bytesReceived = it->second.second;
    }
    s.peers.push_back(p);
  }
  s.inboundConnections = m_inbound.size();
  s.clientConnections =
      static_cast<std::size_t>(std::count_if(m_inbound.begin(), m_inbound.end(), [](const auto& e) {
        return e.second->kind() == InboundConnection::Kind::kClient;
      }));
  return s;
}

}  // namespace qlab::net
