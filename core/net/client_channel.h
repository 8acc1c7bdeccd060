#pragma once
// The client side of a node's port, used by the load generator and `quorumlab` scripts:
// connect with hello{cluster, node 0, client id}, send request payloads, receive response
// payloads. It knows nothing of what the payloads mean (core/kv does) and never retries by
// itself: after disconnected(), the owner calls connectToNode() again when it wants to.
// A QObject living in its owner's thread.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include <QHostAddress>
#include <QObject>

#include "core/common/types.h"
#include "core/net/frame_socket.h"

class QTimer;
namespace spdlog {
class logger;
}

namespace qlab::net {

struct ClientChannelOptions {
  std::string clusterName = "quorumlab";
  std::uint64_t clientId = 0;  // not 0; the node refuses 0
  QHostAddress host = QHostAddress(QHostAddress::LocalHost);
  std::uint16_t port = 0;
  int handshakeTimeoutMs = 2000;
  std::size_t maxQueuedBytes = 4u << 20;   // requests waiting for the handshake / the socket
  std::shared_ptr<spdlog::logger> logger;  // null = silent
};

class ClientChannel : public QObject {
  Q_OBJECT

 public:
  enum class State { kDisconnected, kConnecting, kReady };

  explicit ClientChannel(ClientChannelOptions options, QObject* parent = nullptr);
  ~ClientChannel() override;
  ClientChannel(const ClientChannel&) = delete;
  ClientChannel& operator=(const ClientChannel&) = delete;

  // (Re)connects to the configured port, or to `port`: any current connection is dropped
  // first. connected() or disconnected() follows from the event loop.
  void connectToNode();
  void connectToNode(std::uint16_t port);
  void connectToNode(const QHostAddress& host, std::uint16_t port);
  // Closes at once; no disconnected() follows.
  void abort();

  // Queues a request (sent once the handshake completes). False, and nothing sent, when
  // disconnected or when the bounded queue / socket buffer is full.
  bool send(std::string_view request);

  State state() const { return m_state; }
  bool isReady() const { return m_state == State::kReady; }
  NodeId nodeId() const { return m_nodeId; }  // the node that answered the hello
  std::uint16_t port() const { return m_options.port; }
  const QHostAddress& host() const { return m_options.host; }

 signals:
  void connected(qlab::NodeId node);
  void response(const std::string& payload);
  // The connection attempt or the connection failed: refused, reset, timed out, bad bytes.
  void disconnected(const QString& reason);

 private:
  void onConnected();
  void onFrame(const Frame& frame);
  void onClosed(CloseCause cause, const QString& reason);
  void fail(const QString& reason);
  void dropConnection();

  ClientChannelOptions m_options;
  std::shared_ptr<spdlog::logger> m_log;
  State m_state = State::kDisconnected;
  FrameSocket* m_conn = nullptr;
  QTimer* m_handshakeTimer;
  NodeId m_nodeId = kNoNode;
  std::deque<std::string> m_pending;
  std::size_t m_pendingBytes = 0;
};

}  // namespace qlab::net
