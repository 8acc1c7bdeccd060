// Link faults applied by the sending transport (cut, delay, drop probability) and the
// client side (ClientChannel, dropNextClientResponses). Timing checks assert lower bounds
// only: a loaded machine may be slow, never early.
#include <QtTest>

#include <set>

#include "core/net/client_channel.h"
#include "transport_fixture.h"

using namespace qlab;
using namespace qlab::net;
using namespace qlab::net::test;

namespace {
constexpr int kWaitMs = 10000;

struct Pair {
  TestNode a{1, {{2, 0}}};
  TestNode b{2, {{1, 0}}};
  Pair() { wirePair(a, b); }
  bool up() { return a->isPeerConnected(2) && b->isPeerConnected(1); }
};

// Sends `marker` from a to b and waits for it: on one TCP connection, anything sent before
// it that was not dropped has arrived by then.
bool flushWithMarker(TestNode& a, TestNode& b, const std::string& marker) {
  a->sendToPeer(b->self(), marker);
  return QTest::qWaitFor([&] { return !b.inbox.empty() && b.inbox.back().payload == marker; },
                         kWaitMs);
}

struct Client {
  std::vector<std::string> responses;
  std::vector<QString> disconnects;
  std::unique_ptr<ClientChannel> channel;
  Client(std::uint16_t port, std::uint64_t id, std::string cluster = "quorumlab") {
    ClientChannelOptions o;
    o.clusterName = std::move(cluster);
    o.clientId = id;
    o.port = port;
    channel = std::make_unique<ClientChannel>(o);
    QObject::connect(channel.get(), &ClientChannel::response,
                     [this](const std::string& r) { responses.push_back(r); });
    QObject::connect(channel.get(), &ClientChannel::disconnected,
                     [this](const QString& why) { disconnects.push_back(why); });
  }
};
}  // namespace

class LinkFaultTest : public QObject {
  Q_OBJECT

 private slots:
  void cutDropsEverythingOneWayOnly() {
    Pair p;
    QTRY_VERIFY_WITH_TIMEOUT(p.up(), kWaitMs);
    p.a->setLinkFault(2, {.cut = true});
    for (int i = 0; i < 20; ++i) {
      p.a->sendToPeer(2, "cut-" + std::to_string(i));
      p.b->sendToPeer(1, "open-" + std::to_string(i));
    }
    QTRY_COMPARE_WITH_TIMEOUT(p.a.inbox.size(), std::size_t{20}, kWaitMs);  // b -> a still works
    QCOMPARE(p.a.link(2).dropped.cut, std::uint64_t{20});
    QVERIFY(p.a->isPeerConnected(2));  // a cut keeps the connection; it only goes silent
    p.a->clearLinkFaults();
    QVERIFY(flushWithMarker(p.a, p.b, "healed"));
    QCOMPARE(p.b.inbox.size(), std::size_t{1});  // none of the cut messages arrived
  }

  void delayKeepsOrderAndDelaysAtLeastTheSetTime() {
    Pair p;
    QTRY_VERIFY_WITH_TIMEOUT(p.up(), kWaitMs);
    constexpr int kDelayMs = 150;
    p.a->setLinkFault(2, {.delayMs = kDelayMs});
    std::vector<qint64> sentAt;
    for (int i = 0; i < 30; ++i) {
      sentAt.push_back(p.b.clock.elapsed());
      p.a->sendToPeer(2, std::to_string(i));
      if (i == 15) QTest::qWait(20);  // spread the sends over time
    }
    QVERIFY(p.a.link(2).delayedMessages > 0);
    QTRY_COMPARE_WITH_TIMEOUT(p.b.inbox.size(), std::size_t{30}, kWaitMs);
    for (int i = 0; i < 30; ++i) {
      QCOMPARE(p.b.inbox[i].payload, std::to_string(i));
      const qint64 took = p.b.inbox[i].atMs - sentAt[static_cast<std::size_t>(i)];
      QVERIFY2(took >= kDelayMs,
               qPrintable(QStringLiteral("message %1 took %2 ms").arg(i).arg(took)));
    }
    // Lifting the delay never lets a later message overtake one still on its way.
    p.a->sendToPeer(2, "slow");
    p.a->setLinkFault(2, {});
    p.a->sendToPeer(2, "fast");
    QTRY_COMPARE_WITH_TIMEOUT(p.b.inbox.size(), std::size_t{32}, kWaitMs);
    QCOMPARE(p.b.inbox[30].payload, std::string("slow"));
    QCOMPARE(p.b.inbox[31].payload, std::string("fast"));
  }

  void aCutMadeWhileMessagesAreDelayedLosesThem() {
    Pair p;
    QTRY_VERIFY_WITH_TIMEOUT(p.up(), kWaitMs);
    p.a->setLinkFault(2, {.delayMs = 300});
    for (int i = 0; i < 5; ++i) p.a->sendToPeer(2, "in flight");
    p.a->setLinkFault(2, {.cut = true});
    QTRY_COMPARE_WITH_TIMEOUT(p.a.link(2).dropped.cut, std::uint64_t{5}, kWaitMs);
    p.a->clearLinkFaults();
    QVERIFY(flushWithMarker(p.a, p.b, "marker"));
    QCOMPARE(p.b.inbox.size(), std::size_t{1});
  }

  void dropProbabilityOneDropsEverything() {
    Pair p;
    QTRY_VERIFY_WITH_TIMEOUT(p.up(), kWaitMs);
    p.a->setLinkFault(2, {.dropProbability = 1.0});
    for (int i = 0; i < 100; ++i) p.a->sendToPeer(2, "x");
    QCOMPARE(p.a.link(2).dropped.fault, std::uint64_t{100});
    p.a->clearLinkFaults();
    QVERIFY(flushWithMarker(p.a, p.b, "marker"));
    QCOMPARE(p.b.inbox.size(), std::size_t{1});
  }

  void dropProbabilityHalfDropsSomeAndRepeatsWithTheSameSeed() {
    std::vector<std::set<std::string>> delivered;
    for (int run = 0; run < 2; ++run) {
      Pair p;
      QTRY_VERIFY_WITH_TIMEOUT(p.up(), kWaitMs);
      p.a->setLinkFault(2, {.dropProbability = 0.5});
      for (int i = 0; i < 200; ++i) p.a->sendToPeer(2, std::to_string(i));
      p.a->clearLinkFaults();
      QVERIFY(flushWithMarker(p.a, p.b, "marker"));
      std::set<std::string> got;
      for (const auto& r : p.b.inbox) got.insert(r.payload);
      got.erase("marker");
      const auto dropped = p.a.link(2).dropped.fault;
      QCOMPARE(got.size() + dropped, std::size_t{200});
      QVERIFY2(got.size() > 50 && got.size() < 150, qPrintable(QString::number(got.size())));
      delivered.push_back(got);
    }
    QVERIFY(delivered[0] == delivered[1]);  // same seed, same losses
  }

  void clientRequestsAreAnsweredOnTheirConnection() {
    TestNode n(1, {{2, 0}});
    QVERIFY(n->start().isOk());
    std::vector<std::pair<quint64, quint64>> connects;
    std::vector<quint64> disconnects;
    connect(n.transport.get(), &Transport::clientConnected,
            [&](quint64 conn, quint64 client) { connects.emplace_back(conn, client); });
    connect(n.transport.get(), &Transport::clientDisconnected,
            [&](quint64 conn) { disconnects.push_back(conn); });
    Client c(n->port(), 77);
    c.channel->connectToNode();
    QVERIFY(c.channel->send("queued before the handshake"));
    QTRY_VERIFY_WITH_TIMEOUT(c.channel->isReady(), kWaitMs);
    QCOMPARE(c.channel->nodeId(), NodeId{1});
    QVERIFY(c.channel->send("second"));
    QTRY_COMPARE_WITH_TIMEOUT(c.responses.size(), std::size_t{2}, kWaitMs);
    QCOMPARE(c.responses[0], std::string("re:queued before the handshake"));
    QCOMPARE(c.responses[1], std::string("re:second"));
    QCOMPARE(connects.size(), std::size_t{1});
    QCOMPARE(connects[0].second, quint64{77});
    QCOMPARE(n->clientIdOf(connects[0].first), std::uint64_t{77});
    QCOMPARE(n->stats().clientConnections, std::size_t{1});
    c.channel->abort();
    QTRY_COMPARE_WITH_TIMEOUT(disconnects.size(), std::size_t{1}, kWaitMs);
    n->sendToClient(connects[0].first, "too late");
    QCOMPARE(n->stats().clientResponsesUndeliverable, std::uint64_t{1});
  }

  void clientOfAnotherClusterIsRefusedWithTheReason() {
    TestNode n(1, {});
    QVERIFY(n->start().isOk());
    Client c(n->port(), 5, "elsewhere");
    c.channel->connectToNode();
    QTRY_COMPARE_WITH_TIMEOUT(c.disconnects.size(), std::size_t{1}, kWaitMs);
    QVERIFY2(c.disconnects[0].contains("cluster name 'elsewhere' does not match"),
             qPrintable(c.disconnects[0]));
    QVERIFY(!c.channel->send("x"));
  }

  void clientReconnectsOnDemandAfterTheNodeRestarts() {
    auto n = std::make_unique<TestNode>(1, std::map<NodeId, std::uint16_t>{});
    QVERIFY((*n)->start().isOk());
    const std::uint16_t port = (*n)->port();
    Client c(port, 8);
    c.channel->connectToNode();
    QTRY_VERIFY_WITH_TIMEOUT(c.channel->isReady(), kWaitMs);
    n.reset();
    QTRY_COMPARE_WITH_TIMEOUT(c.disconnects.size(), std::size_t{1}, kWaitMs);
    n = std::make_unique<TestNode>(1, std::map<NodeId, std::uint16_t>{}, port);
    QVERIFY((*n)->start().isOk());
    c.channel->connectToNode();
    QVERIFY(c.channel->send("again"));
    QTRY_COMPARE_WITH_TIMEOUT(c.responses.size(), std::size_t{1}, kWaitMs);
  }

  void dropNextClientResponsesLosesExactlyThatMany() {
    TestNode n(1, {});
    QVERIFY(n->start().isOk());
    Client c(n->port(), 3);
    c.channel->connectToNode();
    QTRY_VERIFY_WITH_TIMEOUT(c.channel->isReady(), kWaitMs);
    n->dropNextClientResponses(2);
    for (int i = 1; i <= 5; ++i) QVERIFY(c.channel->send("r" + std::to_string(i)));
    QTRY_COMPARE_WITH_TIMEOUT(c.responses.size(), std::size_t{3}, kWaitMs);
    QVERIFY((c.responses == std::vector<std::string>{"re:r3", "re:r4", "re:r5"}));
    QCOMPARE(n->stats().clientResponsesDropped, std::uint64_t{2});
    QCOMPARE(n->clientResponsesToDrop(), 0);
    QVERIFY(c.channel->isReady());  // the connection itself is fine: the client must time out
  }
};

QTEST_GUILESS_MAIN(LinkFaultTest)
#include "tst_link_faults.moc"
