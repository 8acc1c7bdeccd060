#pragma once
// core/net: how nodes and clients talk. Owns the frame codec (frame.h, docs/wire-format.md),
// the handshake (handshake.h), and this Transport: one per node, a QObject living in the
// node's thread, with a TCP server on 127.0.0.1 and one outgoing connection per peer. It
// carries replication messages and client requests as opaque bytes and knows nothing of
// the protocol: no message is parsed, retried or reordered here. See README.md.
//
// Use (all calls on the thread the Transport lives in):
//   TransportOptions o; o.clusterName = "quorumlab"; o.self = 2; o.port = 7002;
//   o.peerPorts = {{1, 7001}, {3, 7003}}; o.logger = nodeLogger;
//   auto t = std::make_unique<Transport>(o);
//   connect(t.get(), &Transport::peerMessage, ...); connect(..., &Transport::clientRequest, ...);
//   if (Status s = t->start(); !s) ...;      // listens, then connects to every known peer
//   t->sendToPeer(3, encodeMessage(m));       // dropped and counted if node 3 is unreachable
//   t->sendToClient(connId, response);
//   t->abortAll();                            // power loss: every socket reset, nothing flushed
//
// Signals are emitted from the event loop of the Transport's thread. A slot may call any
// method, including abortAll(); it must not delete the Transport (use deleteLater()).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <QHostAddress>
#include <QObject>

#include "core/common/random.h"
#include "core/common/status.h"
#include "core/common/types.h"
#include "core/net/frame_socket.h"
#include "core/net/handshake.h"
#include "core/net/link_fault.h"
#include "core/net/transport_stats.h"

class QTcpServer;
namespace spdlog {
class logger;
}

namespace qlab::net {

class InboundConnection;
class PeerLink;

struct TransportOptions {
  std::string clusterName = "quorumlab";  // 1..64 bytes; strangers with another name are refused
  NodeId self = kNoNode;                  // 1..kMaxNodes
  QHostAddress bindAddress = QHostAddress(QHostAddress::LocalHost);
  std::uint16_t port = 0;  // 0 = let the OS pick (see port())
  QHostAddress peerAddress = QHostAddress(QHostAddress::LocalHost);
  std::map<NodeId, std::uint16_t> peerPorts;      // every peer id; port 0 = not known yet
  std::map<NodeId, std::string> peerHosts;        // a peer elsewhere: its host (or name), else peerAddress
  int reconnectInitialMs = 20;                    // backoff after a failed connection, doubling...
  int reconnectMaxMs = 1000;                      // ...up to this
  int handshakeTimeoutMs = 2000;                  // for hello (incoming) and hello_ack (outgoing)
  std::size_t maxQueuedBytesPerPeer = 16u << 20;  // per peer and per client connection
  std::size_t maxInboundConnections = 256;
  std::uint64_t faultSeed = 1;             // drop-probability faults replay with the same seed
  std::shared_ptr<spdlog::logger> logger;  // null = silent
};

class Transport : public QObject {
  Q_OBJECT

 public:
  explicit Transport(TransportOptions options, QObject* parent = nullptr);
  ~Transport() override;  // abortAll()
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Listens on bindAddress:port, then starts connecting to the peers. Fails with an error
  // naming the address and port when the bind fails (port taken).
  Status start();
  std::uint16_t port() const { return m_port; }
  NodeId self() const { return m_options.self; }
  bool isListening() const;

  // Adds a peer or changes its port (the current connection is dropped and remade).
  void setPeerPort(NodeId peer, std::uint16_t port);

  // Sends one replication message to a peer over this node's outgoing connection to it,
  // after the link fault. Never blocks and never queues without bound: while the peer is
  // unreachable or not reading, the message is dropped and counted (stats().peers).
  void sendToPeer(NodeId to, std::string payload);
  // Writes the messages sent so far to the sockets now instead of when control returns to
  // the event loop: for a caller about to block (an fdatasync) while the peers could work.
  void flushPeers();
  bool isPeerConnected(NodeId peer) const;

  // Answers a client on the connection its request came in on. Dropped (and counted) if the
  // client has gone or a dropNextClientResponses() budget is left.
  void sendToClient(std::uint64_t connectionId, std::string_view payload);
  void closeClient(std::uint64_t connectionId);
  // The client id from the hello of a client connection, 0 if there is no such connection.
  std::uint64_t clientIdOf(std::uint64_t connectionId) const;

  // Faults on the link from this node to `to` (one direction; see link_fault.h).
  void setLinkFault(NodeId to, const LinkFault& fault);
  LinkFault linkFault(NodeId to) const;
  void clearLinkFaults();
  // The next `count` responses to clients are silently discarded (the duplicate-request
  // lesson: clients time out and retry). Replaces any budget left; 0 cancels.
  void dropNextClientResponses(int count);
  int clientResponsesToDrop() const { return m_clientResponsesToDrop; }

  // Power loss: resets every connection (peers see it at once), stops listening and every
  // timer. Nothing is flushed. The Transport stays inert; a restart makes a new one on the
  // same port.
  void abortAll();

  TransportStats stats() const;

 signals:
  void peerMessage(qlab::NodeId from, const std::string& payload);
  void clientRequest(quint64 connectionId, const std::string& payload);
  void clientConnected(quint64 connectionId, quint64 clientId);
  void clientDisconnected(quint64 connectionId);
  // The outgoing connection to `peer` completed its handshake (up) or was lost (down).
  void peerLinkChanged(qlab::NodeId peer, bool up);

 private:
  void assertOwnerThread() const;
  PeerLink* linkFor(NodeId peer);
  void onNewConnection();
  void onHello(InboundConnection* conn, const Hello& hello);
  void onInboundFrame(InboundConnection* conn, const Frame& frame);
  void onInboundClosed(InboundConnection* conn, CloseCause cause, const QString& reason);
  void refuse(InboundConnection* conn, RefuseCode code, const std::string& reason);

  TransportOptions m_options;
  std::shared_ptr<spdlog::logger> m_log;
  Random m_faultRandom;
  QTcpServer* m_server;
  std::uint16_t m_port = 0;
  bool m_aborted = false;
  std::map<NodeId, PeerLink*> m_links;                    // children
  std::map<std::uint64_t, InboundConnection*> m_inbound;  // children, by connection id
  std::map<NodeId, std::uint64_t> m_inboundPeer;          // newest connection from each peer
  std::map<NodeId, std::pair<std::uint64_t, std::uint64_t>> m_received;  // frames, bytes
  std::uint64_t m_nextConnectionId = 1;
  int m_clientResponsesToDrop = 0;
  TransportStats m_stats;  // the transport-wide counters; peers filled in by stats()
};

// Registers std::string and qlab::NodeId for queued (cross-thread) connections. Called by
// the Transport and ClientChannel constructors; safe to call more than once.
void registerNetMetaTypes();

}  // namespace qlab::net
