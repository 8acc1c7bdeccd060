#include "core/net/client_channel.h"

#include <utility>

#include <spdlog/spdlog.h>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include "core/common/assert.h"
#include "core/net/handshake.h"
#include "core/net/transport.h"

namespace qlab::net {

ClientChannel::ClientChannel(ClientChannelOptions options, QObject* parent)
    : QObject(parent),
      m_options(std::move(options)),
      m_log(m_options.logger ? m_options.logger
                             : std::make_shared<spdlog::logger>("client-silent")),
      m_handshakeTimer(new QTimer(this)) {
  QLAB_ASSERT(!m_options.clusterName.empty() &&
              m_options.clusterName.size() <= kMaxClusterNameBytes);
  registerNetMetaTypes();
  m_handshakeTimer->setSingleShot(true);
  connect(m_handshakeTimer, &QTimer::timeout, this, [this] {
    fail(QStringLiteral("no hello_ack within %1 ms").arg(m_options.handshakeTimeoutMs));
  });
}

ClientChannel::~ClientChannel() { abort(); }

void ClientChannel::connectToNode(std::uint16_t port) {
  m_options.port = port;
  connectToNode();
}

void ClientChannel::connectToNode(const QHostAddress& host, std::uint16_t port) {
  m_options.host = host;
  connectToNode(port);
}

void ClientChannel::connectToNode() {
  dropConnection();
  m_pending.clear();
  m_pendingBytes = 0;
  m_nodeId = kNoNode;
  auto* socket = new QTcpSocket();
  m_conn = new FrameSocket(socket, kMaxHandshakePayloadBytes, m_options.maxQueuedBytes, this);
  connect(m_conn, &FrameSocket::connected, this, &ClientChannel::onConnected);
  connect(m_conn, &FrameSocket::frameReceived, this, &ClientChannel::onFrame);
  connect(m_conn, &FrameSocket::closed, this, &ClientChannel::onClosed);
  m_state = State::kConnecting;
  m_handshakeTimer->start(m_options.handshakeTimeoutMs);
  socket->connectToHost(m_options.host, m_options.port);
}

void ClientChannel::onConnected() {
  Hello hello;
  hello.nodeId = kNoNode;
  hello.clientId = m_options.clientId;
  hello.clusterName = m_options.clusterName;
  m_conn->send(FrameType::kHello, encodeHello(hello));
}

void ClientChannel::onFrame(const Frame& frame) {
  if (m_state == State::kReady) {
    if (frame.type != FrameType::kClientResponse) {
      fail(QStringLiteral("unexpected %1 frame from the node")
               .arg(QLatin1String(frameTypeName(frame.type))));
      return;
    }
    emit response(frame.payload);
    return;
  }
  if (frame.type == FrameType::kRefuse) {
    auto refuse = decodeRefuse(frame.payload);
    fail(refuse ? QStringLiteral("refused: %1: %2")
                      .arg(QLatin1String(refuseCodeName(refuse->code)),
                           QString::fromStdString(refuse->reason))
                : QString::fromStdString(refuse.status().message()));
    return;
  }
  auto ack = frame.type == FrameType::kHelloAck
                 ? decodeHelloAck(frame.payload)
                 : Result<HelloAck>(Status::corruption("expected hello_ack"));
  if (!ack || ack->protocolVersion != kProtocolVersion) {
    fail(ack ? QStringLiteral("node speaks protocol %1, we speak %2")
                   .arg(ack->protocolVersion)
                   .arg(kProtocolVersion)
             : QString::fromStdString(ack.status().message()));
    return;
  }
  m_handshakeTimer->stop();
  m_state = State::kReady;
  m_nodeId = ack->nodeId;
  m_conn->setMaxPayloadBytes(kMaxFramePayloadBytes);
  QPointer<ClientChannel> self(this);
  while (!m_pending.empty() && m_state == State::kReady) {
    const std::string request = std::move(m_pending.front());
    m_pending.pop_front();
    m_pendingBytes -= request.size();
    if (m_conn->send(FrameType::kClientRequest, request) != FrameSocket::SendResult::kSent) break;
  }
  m_pending.clear();
  m_pendingBytes = 0;
  if (self && m_state == State::kReady) emit connected(m_nodeId);
}

bool ClientChannel::send(std::string_view request) {
  if (request.size() > kMaxFramePayloadBytes) return false;
  switch (m_state) {
    case State::kReady:
      return m_conn->send(FrameType::kClientRequest, request) == FrameSocket::SendResult::kSent;
    case State::kConnecting:
      if (m_pendingBytes + request.size() > m_options.maxQueuedBytes) return false;
      m_pendingBytes += request.size();
      m_pending.emplace_back(request);
      return true;
    case State::kDisconnected: return false;
  }
  return false;
}

void ClientChannel::onClosed(CloseCause, const QString& reason) { fail(reason); }

void ClientChannel::fail(const QString& reason) {
  if (m_state == State::kDisconnected) return;
  m_log->debug("net: client {} lost its connection to port {}: {}", m_options.clientId,
               m_options.port, reason.toStdString());
  dropConnection();
  m_pending.clear();
  m_pendingBytes = 0;
  emit disconnected(reason);
}

void ClientChannel::dropConnection() {
  m_handshakeTimer->stop();
  m_state = State::kDisconnected;
  if (m_conn == nullptr) return;
  disconnect(m_conn, nullptr, this, nullptr);
  m_conn->abort();
  m_conn->deleteLater();
  m_conn = nullptr;
}

void ClientChannel::abort() {
  dropConnection();
  m_pending.clear();
  m_pendingBytes = 0;
}

}  // namespace qlab::net
