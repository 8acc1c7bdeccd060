// Transports talking over real loopback TCP, all on the test thread: exchange, handshake
// refusals, timeouts, reconnect and rebind after a kill, bounded queues. Link faults and the
// client side live in tst_link_faults.cpp; garbage against a threaded node in tst_garbage.cpp.
#include <QtTest>

#include "core/net/client_channel.h"
#include "core/net/handshake.h"
#include "transport_fixture.h"

using namespace qlab;
using namespace qlab::net;
using namespace qlab::net::test;

namespace {
constexpr int kWaitMs = 10000;  // bound for every wait; the machine is shared and noisy

std::string numbered(int i) { return "msg-" + std::to_string(i); }
}  // namespace

class TransportTest : public QObject {
  Q_OBJECT

 private slots:
  void startFailsNamingAddressAndPortWhenTheBindFails() {
    TestNode a(1, {});
    QVERIFY(a->start().isOk());
    TestNode b(2, {}, a->port());
    const Status s = b->start();
    QVERIFY(!s.isOk());
    const std::string where = "127.0.0.1:" + std::to_string(a->port());
    QVERIFY2(s.message().find(where) != std::string::npos, s.toString().c_str());
  }

  void peersExchangeMessagesInOrderBothWays() {
    TestNode a(1, {{2, 0}});
    TestNode b(2, {{1, 0}});
    wirePair(a, b);
    QTRY_VERIFY_WITH_TIMEOUT(a->isPeerConnected(2) && b->isPeerConnected(1), kWaitMs);
    QCOMPARE(a.linkEvents.front(), std::make_pair(NodeId{2}, true));
    std::vector<std::string> sent;
    for (int i = 0; i < 200; ++i) {
      sent.push_back(numbered(i) + std::string(static_cast<std::size_t>(i * 37), 'x'));
      a->sendToPeer(2, sent.back());
      b->sendToPeer(1, sent.back());
    }
    a->sendToPeer(2, std::string(1u << 20, 'L'));  // a large message crosses many reads
    QTRY_COMPARE_WITH_TIMEOUT(b.inbox.size(), std::size_t{201}, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(a.inbox.size(), std::size_t{200}, kWaitMs);
    auto fromA = b.payloadsFrom(1);
    QCOMPARE(fromA.back().size(), std::size_t{1u << 20});
    fromA.pop_back();
    QVERIFY(fromA == sent);
    QVERIFY(a.payloadsFrom(2) == sent);
    const PeerLinkStats ab = a.link(2);
    QCOMPARE(ab.framesSent, std::uint64_t{201});
    QCOMPARE(ab.framesReceived, std::uint64_t{200});
    QCOMPARE(ab.dropped.total(), std::uint64_t{0});
    QCOMPARE(b.link(1).bytesReceived, ab.bytesSent);
  }

  void framesTheKernelOnlyPartlyTakesArriveWholeAndInOrder() {
    // Frames go to the kernel directly while nothing waits before them; what it does not
    // take (its buffer is full: nobody reads during this loop, both ends are on this thread)
    // continues from the exact byte in the socket's own buffer, and every later frame queues
    // behind it there.
    TestNode a(1, {{2, 0}});
    TestNode b(2, {{1, 0}});
    wirePair(a, b);
    QTRY_VERIFY_WITH_TIMEOUT(a->isPeerConnected(2) && b->isPeerConnected(1), kWaitMs);
    std::vector<std::string> sent;
    for (int i = 0; i < 48; ++i) {
      std::string p = numbered(i) + ":";
      p.resize((256u << 10) + static_cast<std::size_t>(i) * 13, static_cast<char>('a' + i % 26));
      sent.push_back(p);
      a->sendToPeer(2, p);
    }
    QTRY_COMPARE_WITH_TIMEOUT(b.inbox.size(), sent.size(), kWaitMs);
    QVERIFY(b.payloadsFrom(1) == sent);
    QCOMPARE(a.link(2).dropped.total(), std::uint64_t{0});
    QCOMPARE(b.link(1).bytesReceived, a.link(2).bytesSent);
  }

  void messagesSentBeforeTheHandshakeAreDeliveredAfterIt() {
    TestNode a(1, {{2, 0}});
    TestNode b(2, {{1, 0}});
    wirePair(a, b);
    a->sendToPeer(2, "early");  // the link is still connecting: held in the bounded queue
    QTRY_COMPARE_WITH_TIMEOUT(b.inbox.size(), std::size_t{1}, kWaitMs);
    QCOMPARE(b.inbox[0].payload, std::string("early"));
  }

  void refusesAWrongClusterName() {
    TestNode n(1, {{2, 0}});
    QVERIFY(n->start().isOk());
    RawPeer raw(n->port());
    QTRY_VERIFY_WITH_TIMEOUT(raw.socket.state() == QAbstractSocket::ConnectedState, kWaitMs);
    raw.sendFrame(FrameType::kHello, encodeHello({kProtocolVersion, 2, 0, "other"}));
    QTRY_VERIFY_WITH_TIMEOUT(!raw.frames.empty(), kWaitMs);
    QCOMPARE(raw.frames[0].type, FrameType::kRefuse);
    auto refuse = decodeRefuse(raw.frames[0].payload);
    QVERIFY(refuse.isOk());
    QCOMPARE(refuse->code, RefuseCode::kWrongCluster);
    QCOMPARE(refuse->reason, std::string("cluster name 'other' does not match 'quorumlab'"));
    QTRY_VERIFY_WITH_TIMEOUT(raw.closed(), kWaitMs);
    QCOMPARE(n->stats().handshakesRefused, std::uint64_t{1});
    QVERIFY(n.log.count({"refused connection", "127.0.0.1", "wrong cluster"}) == 1);

    // A whole transport from another cluster never gets a link up, and says why.
    TestNode stranger(2, {{1, n->port()}}, 0, "other-cluster");
    QVERIFY(stranger->start().isOk());
    QTRY_VERIFY_WITH_TIMEOUT(stranger.link(1).connectFailures >= 2, kWaitMs);
    QVERIFY(!stranger->isPeerConnected(1));
    QVERIFY(stranger.log.count({"refused our hello", "wrong cluster"}) ==
            1);  // once, not per retry
    QVERIFY(n->stats().handshakesRefused >= 3);
  }

  void refusesAnUnknownNodeIdAndItsOwnId() {
    TestNode n(1, {{2, 0}, {3, 0}});
    QVERIFY(n->start().isOk());
    for (NodeId id : {NodeId{7}, NodeId{1}}) {
      RawPeer raw(n->port());
      QTRY_VERIFY_WITH_TIMEOUT(raw.socket.state() == QAbstractSocket::ConnectedState, kWaitMs);
      raw.sendFrame(FrameType::kHello, encodeHello({kProtocolVersion, id, 0, "quorumlab"}));
      QTRY_VERIFY_WITH_TIMEOUT(!raw.frames.empty(), kWaitMs);
      auto refuse = decodeRefuse(raw.frames[0].payload);
      QVERIFY(refuse.isOk());
      QCOMPARE(refuse->code, RefuseCode::kUnknownNode);
      QVERIFY2(refuse->reason.find("peers: 2,3") != std::string::npos, refuse->reason.c_str());
      QTRY_VERIFY_WITH_TIMEOUT(raw.closed(), kWaitMs);
    }
    TestNode intruder(7, {{1, n->port()}});
    QVERIFY(intruder->start().isOk());
    QTRY_VERIFY_WITH_TIMEOUT(intruder.link(1).connectFailures >= 1, kWaitMs);
    QVERIFY(!intruder->isPeerConnected(1));
  }

  void refusesABadProtocolVersionAndClientIdZero() {
    TestNode n(1, {{2, 0}});
    QVERIFY(n->start().isOk());
    const std::pair<Hello, RefuseCode> cases[] = {
        {{static_cast<std::uint16_t>(kProtocolVersion + 1), 2, 0, "quorumlab"},
         RefuseCode::kBadVersion},
        {{kProtocolVersion, 0, 0, "quorumlab"}, RefuseCode::kBadClientId},
    };
    for (const auto& [hello, code] : cases) {
      RawPeer raw(n->port());
      QTRY_VERIFY_WITH_TIMEOUT(raw.socket.state() == QAbstractSocket::ConnectedState, kWaitMs);
      raw.sendFrame(FrameType::kHello, encodeHello(hello));
      QTRY_VERIFY_WITH_TIMEOUT(!raw.frames.empty(), kWaitMs);
      QCOMPARE(decodeRefuse(raw.frames[0].payload)->code, code);
      QTRY_VERIFY_WITH_TIMEOUT(raw.closed(), kWaitMs);
    }
  }

  void closesASilentConnectionAfterTheHandshakeTimeout() {
    TransportOptions o;
    o.handshakeTimeoutMs = 200;
    TestNode n(1, {{2, 0}}, 0, "quorumlab", o);
    QVERIFY(n->start().isOk());
    QElapsedTimer t;
    t.start();
    RawPeer silent(n->port());
    QTRY_VERIFY_WITH_TIMEOUT(silent.closed(), kWaitMs);
    QVERIFY(t.elapsed() >= 150);
    QCOMPARE(n->stats().handshakeTimeouts, std::uint64_t{1});
    QCOMPARE(n->stats().inboundConnections, std::size_t{0});
  }

  void reconnectsAfterThePeerRestartsOnTheSamePort() {
    TestNode a(1, {{2, 0}});
    auto b = std::make_unique<TestNode>(2, std::map<NodeId, std::uint16_t>{{1, 0}});
    wirePair(a, *b);
    QTRY_VERIFY_WITH_TIMEOUT(a->isPeerConnected(2), kWaitMs);
    const std::uint16_t portB = (*b)->port();

    (*b)->abortAll();  // power loss
    b.reset();
    QTRY_VERIFY_WITH_TIMEOUT(!a->isPeerConnected(2), kWaitMs);
    QCOMPARE(a.linkEvents.back(), std::make_pair(NodeId{2}, false));
    a->sendToPeer(2, "lost");
    QTRY_VERIFY_WITH_TIMEOUT(a.link(2).connectFailures >= 3, kWaitMs);  // backing off

    b = std::make_unique<TestNode>(2, std::map<NodeId, std::uint16_t>{{1, a->port()}}, portB);
    QVERIFY((*b)->start().isOk());
    QTRY_VERIFY_WITH_TIMEOUT(a->isPeerConnected(2) && (*b)->isPeerConnected(1), kWaitMs);
    a->sendToPeer(2, "after restart");
    (*b)->sendToPeer(1, "hello again");
    QTRY_COMPARE_WITH_TIMEOUT(b->inbox.size(), std::size_t{1}, kWaitMs);
    QCOMPARE(b->inbox[0].payload, std::string("after restart"));
    QTRY_VERIFY_WITH_TIMEOUT(a.payloadsFrom(2) == std::vector<std::string>{"hello again"}, kWaitMs);
    QVERIFY(a.link(2).dropped.unreachable >= 1);
    QCOMPARE(a.link(2).handshakes, std::uint64_t{2});
  }

  void rebindsTheSamePortRightAfterAnAbortWithLiveConnections() {
    TestNode peer(2, {{1, 0}});
    QVERIFY(peer->start().isOk());
    std::uint16_t port = 0;
    for (int round = 0; round < 3; ++round) {
      TestNode n(1, {{2, peer->port()}}, port);
      const Status started = n->start();
      QVERIFY2(started.isOk(), started.toString().c_str());
      QVERIFY(!n->start().isOk());  // twice is a mistake, reported, not a second listen
      port = n->port();
      peer->setPeerPort(1, port);
      ClientChannelOptions co;
      co.clientId = 99;
      co.port = port;
      ClientChannel client(co);
      client.connectToNode();
      QTRY_VERIFY_WITH_TIMEOUT(
          client.isReady() && n->isPeerConnected(2) && peer->isPeerConnected(1), kWaitMs);
      n->abortAll();  // sockets on the port reset, listener closed; the next round rebinds at once
      QCOMPARE(n->isListening(), false);
    }
  }

  void abortResetsConnectionsSoPeersNoticeAtOnce() {
    TestNode a(1, {{2, 0}});
    TestNode b(2, {{1, 0}});
    wirePair(a, b);
    QTRY_VERIFY_WITH_TIMEOUT(a->isPeerConnected(2) && b->isPeerConnected(1), kWaitMs);
    a->abortAll();
    QTRY_VERIFY_WITH_TIMEOUT(!b->isPeerConnected(1), kWaitMs);
    a->sendToPeer(2, "from the dead");
    QCOMPARE(a.link(2).dropped.unreachable, std::uint64_t{1});
    QVERIFY(!a->start().isOk());  // an aborted transport stays inert
  }

  void anUnreachablePeerCostsNothingButCounters() {
    TransportOptions o;
    o.reconnectMaxMs = 50;
    TestNode a(1, {{2, unusedPort()}}, 0, "quorumlab", o);
    QVERIFY(a->start().isOk());
    for (int i = 0; i < 50; ++i) a->sendToPeer(2, numbered(i));
    QTRY_COMPARE_WITH_TIMEOUT(a.link(2).dropped.unreachable, std::uint64_t{50}, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(a.link(2).connectFailures >= 5, kWaitMs);
    // Said once, then quietly (debug) while it keeps failing.
    QCOMPARE(a.log.count({"info", "link to node 2 (", ") failed"}), 1);
  }

  void theQueueToAPeerThatNeverAnswersIsBounded() {
    QTcpServer mute;  // accepts, then never reads and never answers the hello
    QVERIFY(mute.listen(QHostAddress::LocalHost, 0));
    TransportOptions o;
    o.maxQueuedBytesPerPeer = 64 * 1024;
    o.handshakeTimeoutMs = 60000;
    TestNode a(1, {{2, mute.serverPort()}}, 0, "quorumlab", o);
    QVERIFY(a->start().isOk());
    QTRY_VERIFY_WITH_TIMEOUT(mute.hasPendingConnections(), kWaitMs);
    for (int i = 0; i < 100; ++i) a->sendToPeer(2, std::string(4096, 'q'));
    const PeerLinkStats s = a.link(2);
    QCOMPARE(s.dropped.overload, std::uint64_t{100 - 16});  // 16 x 4 KiB fit in 64 KiB
  }

  void aPeerFrameTooLargeToSendIsDroppedAndLogged() {
    TestNode a(1, {{2, 0}});
    TestNode b(2, {{1, 0}});
    wirePair(a, b);
    a->sendToPeer(2, std::string(kMaxFramePayloadBytes + 1, 'x'));
    QCOMPARE(a.link(2).dropped.oversize, std::uint64_t{1});
    QCOMPARE(a.log.count({"error", "above the frame cap"}), 1);
  }
};

QTEST_GUILESS_MAIN(TransportTest)
#include "tst_transport.moc"
