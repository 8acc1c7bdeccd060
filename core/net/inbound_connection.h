#pragma once
// One connection accepted by a Transport's server: waits (bounded in time and bytes) for the
// hello, lets the Transport accept or refuse it, then passes on the frames the connection's
// kind may send (peer frames from a node, requests from a client). Internal to Transport.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <QObject>

#include "core/common/types.h"
#include "core/net/frame_socket.h"
#include "core/net/handshake.h"

class QTcpSocket;
class QTimer;

namespace qlab::net {

class InboundConnection : public QObject {
  Q_OBJECT

 public:
  enum class Kind { kPending, kPeer, kClient, kClosing };

  InboundConnection(std::uint64_t id, QTcpSocket* socket, int handshakeTimeoutMs,
                    std::size_t maxWriteBufferBytes, QObject* parent = nullptr);

  // Answers the hello: hello_ack and the full frame cap, or refuse and close.
  void accept(const Hello& hello, NodeId self);
  void refuse(RefuseCode code, const std::string& reason);
  FrameSocket::SendResult send(FrameType type, std::string_view payload) {
    return m_conn->send(type, payload);
  }
  void abort() { m_conn->abort(); }

  std::uint64_t id() const { return m_id; }
  Kind kind() const { return m_kind; }
  NodeId peer() const { return m_peer; }
  std::uint64_t clientId() const { return m_clientId; }
  const QString& peerName() const { return m_conn->peerName(); }

 signals:
  // A well-formed hello; the slot must call accept() or refuse() before returning.
  void helloReceived(qlab::net::InboundConnection* conn, const qlab::net::Hello& hello);
  // A frame allowed for this connection's kind (kPeer or kClientRequest).
  void frameReceived(qlab::net::InboundConnection* conn, const qlab::net::Frame& frame);
  // Emitted once; the Transport then forgets the connection and deletes it later.
  void closed(qlab::net::InboundConnection* conn, qlab::net::CloseCause cause,
              const QString& reason);

 private:
  void onFrame(const Frame& frame);
  void onClosed(CloseCause cause, const QString& reason);

  std::uint64_t m_id;
  FrameSocket* m_conn;
  QTimer* m_handshakeTimer;
  Kind m_kind = Kind::kPending;
  NodeId m_peer = kNoNode;
  std::uint64_t m_clientId = 0;
};

}  // namespace qlab::net
