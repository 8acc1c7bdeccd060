// A live node (its Transport on its own thread, as in the app) is sent random garbage, half
// frames, oversize length headers, silent connections and frames in the wrong place. Every
// bad connection is closed with a logged reason; the node's existing peer and client keep
// exchanging messages with it, and new ones can still connect.
#include <QtTest>

#include <memory>

#include "core/common/coding.h"
#include "core/common/random.h"
#include "core/net/client_channel.h"
#include "core/net/handshake.h"
#include "node_thread.h"
#include "transport_fixture.h"

using namespace qlab;
using namespace qlab::net;
using namespace qlab::net::test;

namespace {
constexpr int kWaitMs = 15000;

std::string randomBytes(Random& r, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(r.next());
  return s;
}

std::string headerClaiming(FrameType type, std::uint32_t length) {
  std::string h = encodeFrame(type, "").substr(0, kFrameHeaderBytes);
  coding::encodeFixed32(h.data() + 8, length);
  return h;
}
}  // namespace

class GarbageTest : public QObject {
  Q_OBJECT

 private slots:
  void aLiveNodeSurvivesGarbageAndKeepsServing() {
    TestLog nodeLog("node-1");
    TransportOptions o;
    o.self = 1;
    o.peerPorts = {{2, 0}};
    o.handshakeTimeoutMs = 300;
    o.logger = nodeLog.logger;
    NodeThread node(o);
    QVERIFY(node.launch());

    // A proper peer and a proper client, connected before the attack.
    TestNode peer(2, {{1, node.port()}});
    QVERIFY(peer->start().isOk());
    const std::uint16_t peerPort = peer->port();
    QVERIFY(node.call([&](Transport& t) { t.setPeerPort(2, peerPort); }));
    ClientChannelOptions co;
    co.clientId = 1000;
    co.port = node.port();
    ClientChannel client(co);
    std::vector<std::string> responses;
    connect(&client, &ClientChannel::response,
            [&](const std::string& r) { responses.push_back(r); });
    client.connectToNode();
    QTRY_VERIFY_WITH_TIMEOUT(client.isReady() && peer->isPeerConnected(1), kWaitMs);

    // The attack.
    Random r(2024);
    std::vector<std::unique_ptr<RawPeer>> attackers;
    auto attacker = [&] {
      attackers.push_back(std::make_unique<RawPeer>(node.port()));
      return attackers.back().get();
    };
    std::vector<RawPeer*> hangUps;  // these close themselves after sending
    for (int i = 0; i < 10; ++i) attacker()->write(randomBytes(r, 1 + r.uniform(4096)));
    for (int i = 0; i < 10; ++i) attacker()->write("QLF1" + randomBytes(r, 1 + r.uniform(64)));
    attacker()->write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    RawPeer* oversize = attacker();
    oversize->write(headerClaiming(FrameType::kHello, 900000000));
    const std::string hello =
        encodeFrame(FrameType::kHello, encodeHello({kProtocolVersion, 0, 4242, "quorumlab"}));
    RawPeer* oversizeAfterHello = attacker();
    oversizeAfterHello->write(hello + headerClaiming(FrameType::kClientRequest, 900000000));
    attacker()->write(hello.substr(0, 7));                 // half a header, then silence
    attacker()->write(hello.substr(0, hello.size() - 3));  // most of a frame, then silence
    attacker();                                            // silence
    attacker()->write(
        encodeFrame(FrameType::kHello, encodeHello({kProtocolVersion, 2, 0, "quorumlab"})) +
        encodeFrame(FrameType::kClientRequest, "wrong place"));  // a "peer" sending requests
    attacker()->write(hello + encodeFrame(FrameType::kPeer, "not for clients"));
    attacker()->write(encodeFrame(FrameType::kPeer, "before hello"));
    for (std::size_t cut : {std::size_t{3}, std::size_t{16}, hello.size() - 1}) {
      RawPeer* p = attacker();
      p->write(hello.substr(0, cut));
      hangUps.push_back(p);
    }
    QTest::qWait(50);
    for (RawPeer* p : hangUps) p->socket.disconnectFromHost();

    // Every attacker is closed by the node, bounded by the handshake timeout.
    QTRY_VERIFY_WITH_TIMEOUT(
        std::all_of(attackers.begin(), attackers.end(), [](const auto& a) { return a->closed(); }),
        kWaitMs);

    // The node still serves the connections it had...
    peer->sendToPeer(1, "peer still heard");
    QVERIFY(client.send("client still heard"));
    QVERIFY(node.call([](Transport& t) { t.sendToPeer(2, "node still talks"); }));
    QTRY_VERIFY_WITH_TIMEOUT(!node.inbox().empty(), kWaitMs);
    QCOMPARE(node.inbox().front(), std::make_pair(NodeId{2}, std::string("peer still heard")));
    QTRY_COMPARE_WITH_TIMEOUT(responses, std::vector<std::string>{"re:client still heard"},
                              kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(peer.payloadsFrom(1) == std::vector<std::string>{"node still talks"},
                             kWaitMs);
    // ...and new ones.
    ClientChannelOptions co2 = co;
    co2.clientId = 1001;
    ClientChannel late(co2);
    std::vector<std::string> lateResponses;
    connect(&late, &ClientChannel::response,
            [&](const std::string& r) { lateResponses.push_back(r); });
    late.connectToNode();
    QVERIFY(late.send("late"));
    QTRY_COMPARE_WITH_TIMEOUT(lateResponses, std::vector<std::string>{"re:late"}, kWaitMs);

    const TransportStats s = node.stats();
    QVERIFY2(s.decodeErrors >= 12, qPrintable(QString::number(s.decodeErrors)));
    QVERIFY(s.protocolErrors >= 3);
    QVERIFY(s.handshakeTimeouts >= 3);
    QTRY_COMPARE_WITH_TIMEOUT(node.stats().inboundConnections, std::size_t{3},
                              kWaitMs);  // peer, 2 clients
    // Reasons are logged with the address they came from.
    QCOMPARE(
        nodeLog.count({"127.0.0.1:", "decode error", "frame of 900000000 bytes exceeds cap 1024"}),
        1);
    QCOMPARE(nodeLog.count(
                 {"127.0.0.1:", "client 4242", "frame of 900000000 bytes exceeds cap 8388608"}),
             1);
    QCOMPARE(nodeLog.count({"127.0.0.1:", "bad magic 0x20544547"}), 1);
    QVERIFY(nodeLog.count({"127.0.0.1:", "protocol error",
                           "unexpected client_request frame from a node"}) == 1);
    QVERIFY(nodeLog.count({"handshake timeout", "no hello within 300 ms"}) >= 3);
    node.stop();
  }
};

QTEST_GUILESS_MAIN(GarbageTest)
#include "tst_garbage.moc"
