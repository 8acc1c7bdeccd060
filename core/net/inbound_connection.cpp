#include "core/net/inbound_connection.h"

#include <QTcpSocket>
#include <QTimer>

namespace qlab::net {

InboundConnection::InboundConnection(std::uint64_t id, QTcpSocket* socket, int handshakeTimeoutMs,
                                     std::size_t maxWriteBufferBytes, QObject* parent)
    : QObject(parent),
      m_id(id),
      // Until the hello is accepted, a stranger gets the tiny handshake cap.
      m_conn(new FrameSocket(socket, kMaxHandshakePayloadBytes, maxWriteBufferBytes, this)),
      m_handshakeTimer(new QTimer(this)) {
  connect(m_conn, &FrameSocket::frameReceived, this, &InboundConnection::onFrame);
  connect(m_conn, &FrameSocket::closed, this, &InboundConnection::onClosed);
  m_handshakeTimer->setSingleShot(true);
  connect(m_handshakeTimer, &QTimer::timeout, this, [this, handshakeTimeoutMs] {
    m_conn->fail(CloseCause::kHandshakeTimeout,
                 QStringLiteral("no hello within %1 ms").arg(handshakeTimeoutMs));
  });
  m_handshakeTimer->start(handshakeTimeoutMs);
}

void InboundConnection::onFrame(const Frame& frame) {
  switch (m_kind) {
    case Kind::kPending: {
      if (frame.type != FrameType::kHello) {
        m_conn->fail(
            CloseCause::kProtocolError,
            QStringLiteral("expected hello, got %1").arg(QLatin1String(frameTypeName(frame.type))));
        return;
      }
      auto hello = decodeHello(frame.payload);
      if (!hello) {
        m_conn->fail(CloseCause::kProtocolError, QString::fromStdString(hello.status().message()));
        return;
      }
      emit helloReceived(this, *hello);
      return;
    }
    case Kind::kPeer:
    case Kind::kClient: {
      const FrameType allowed =
          m_kind == Kind::kPeer ? FrameType::kPeer : FrameType::kClientRequest;
      if (frame.type != allowed) {
        m_conn->fail(
            CloseCause::kProtocolError,
            QStringLiteral("unexpected %1 frame from a %2")
                .arg(QLatin1String(frameTypeName(frame.type)),
                     m_kind == Kind::kPeer ? QStringLiteral("node") : QStringLiteral("client")));
        return;
      }
      emit frameReceived(this, frame);
      return;
    }
    case Kind::kClosing: return;
  }
}

void InboundConnection::accept(const Hello& hello, NodeId self) {
  m_handshakeTimer->stop();
  m_kind = hello.isClient() ? Kind::kClient : Kind::kPeer;
  m_peer = hello.nodeId;
  m_clientId = hello.clientId;
  m_conn->setMaxPayloadBytes(kMaxFramePayloadBytes);
  HelloAck ack;
  ack.nodeId = self;
  ack.connectionId = m_id;
  m_conn->send(FrameType::kHelloAck, encodeHelloAck(ack));
}

void InboundConnection::refuse(RefuseCode code, const std::string& reason) {
  m_handshakeTimer->stop();
  m_kind = Kind::kClosing;
  m_conn->send(FrameType::kRefuse, encodeRefuse({code, reason}));
  m_conn->closeAfterFlush();
}

void InboundConnection::onClosed(CloseCause cause, const QString& reason) {
  m_handshakeTimer->stop();
  // kind() still says what the connection was, for the Transport's log line and signals.
  emit closed(this, cause, reason);
}

}  // namespace qlab::net
