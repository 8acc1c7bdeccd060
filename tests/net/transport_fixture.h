#pragma once
// Builders for transport tests that run every Transport on the test's own thread: a node
// with an inbox, a raw socket that speaks frames by hand, and helpers to wire pairs up.
#include <QElapsedTimer>
#include <QTcpSocket>
#include <QtTest>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/net/frame.h"
#include "core/net/transport.h"
#include "net_test_util.h"

namespace qlab::net::test {

struct Received {
  NodeId from;
  std::string payload;
  qint64 atMs;
};

// One Transport plus what it received. Client requests are echoed back as "re:<request>".
struct TestNode {
  TestLog log;
  std::vector<Received> inbox;
  std::vector<std::pair<NodeId, bool>> linkEvents;
  QElapsedTimer clock;
  std::unique_ptr<Transport> transport;  // last: destroyed first, while the rest still exists

  TestNode(NodeId self, std::map<NodeId, std::uint16_t> peers, std::uint16_t port = 0,
           std::string cluster = "quorumlab", TransportOptions tweak = {})
      : log("node-" + std::to_string(self)) {
    clock.start();
    TransportOptions o = std::move(tweak);
    o.clusterName = std::move(cluster);
    o.self = self;
    o.port = port;
    o.peerPorts = std::move(peers);
    o.logger = log.logger;
    transport = std::make_unique<Transport>(std::move(o));
    QObject::connect(transport.get(), &Transport::peerMessage,
                     [this](NodeId from, const std::string& p) {
                       inbox.push_back({from, p, clock.elapsed()});
                     });
    QObject::connect(transport.get(), &Transport::peerLinkChanged,
                     [this](NodeId peer, bool up) { linkEvents.emplace_back(peer, up); });
    QObject::connect(
        transport.get(), &Transport::clientRequest,
        [this](quint64 conn, const std::string& p) { transport->sendToClient(conn, "re:" + p); });
  }
  Transport* operator->() { return transport.get(); }
  std::vector<std::string> payloadsFrom(NodeId from) const {
    std::vector<std::string> out;
    for (const auto& r : inbox) {
      if (r.from == from) out.push_back(r.payload);
    }
    return out;
  }
  PeerLinkStats link(NodeId peer) const {
    for (const auto& p : transport->stats().peers) {
      if (p.peer == peer) return p;
    }
    return {};
  }
};

// Starts two nodes on OS-chosen ports and tells each the other's port.
inline void wirePair(TestNode& a, TestNode& b) {
  QVERIFY(a->start().isOk());
  QVERIFY(b->start().isOk());
  a->setPeerPort(b->self(), b->port());
  b->setPeerPort(a->self(), a->port());
}

// A socket driven by hand: sends raw bytes or frames, decodes what comes back.
struct RawPeer {
  QTcpSocket socket;
  FrameDecoder decoder{kMaxFramePayloadBytes};
  std::vector<Frame> frames;

  explicit RawPeer(std::uint16_t port) {
    QObject::connect(&socket, &QTcpSocket::readyRead, [this] {
      const QByteArray b = socket.readAll();
      decoder.feedAll(std::string_view(b.constData(), static_cast<std::size_t>(b.size())),
                      [this](Frame&& f) { frames.push_back(std::move(f)); });
    });
    socket.connectToHost(QHostAddress::LocalHost, port);
  }
  void write(std::string_view bytes) {
    socket.write(bytes.data(), static_cast<qint64>(bytes.size()));
  }
  void sendFrame(FrameType t, std::string_view payload) { write(encodeFrame(t, payload)); }
  bool closed() const { return socket.state() == QAbstractSocket::UnconnectedState; }
};

}  // namespace qlab::net::test
