// A NodeProcess (what `quorumlab node` runs: a one-node cluster here) served in the test's own
// event loop, its control port driven by raw sockets speaking frames by hand: the hello with
// the right cluster and token is welcomed and followed by pictures; a wrong token, another
// cluster, bytes that are not frames and an oversized hello are refused or closed while the
// node goes on; commands and requests after the hello do what they say. Waits are bounded.
#include <QtTest>

#include <unistd.h>

#include <memory>

#include "core/net/handshake.h"
#include "core/node/node_codec.h"
#include "core/remote/control_protocol.h"
#include "core/remote/node_process.h"
#include "tests/net/transport_fixture.h"

using namespace qlab;
using namespace qlab::remote;
using net::Frame;
using net::FrameType;
using net::RefuseCode;
using net::test::RawPeer;
using net::test::TestLog;

namespace {

constexpr int kWaitMs = 10000;
const std::string kCluster = "remote-test";
const std::string kToken = "the-right-token-0123456789";

// An observer speaking frames by hand.
struct Observer : RawPeer {
  explicit Observer(std::uint16_t port) : RawPeer(port) {}

  void hello(const std::string& cluster, const std::string& token) {
    sendFrame(FrameType::kHello, encodeControlHello({cluster, token}));
  }
  void control(ControlKind kind, std::string_view body) { sendFrame(FrameType::kControl, controlPayload(kind, body)); }
  void command(const std::string& json) { control(ControlKind::kCommand, json); }

  // The frames of `kind` received so far, bodies only.
  std::vector<std::string> bodies(ControlKind kind) const {
    std::vector<std::string> out;
    for (const Frame& f : frames) {
      if (f.type != FrameType::kControl) continue;
      auto m = splitControl(f.payload);
      if (m.isOk() && m->kind == kind) out.emplace_back(m->body);
    }
    return out;
  }
  std::vector<node::NodeView> views() const {
    std::vector<node::NodeView> out;
    for (const std::string& b : bodies(ControlKind::kView)) {
      coding::Reader in(b);
      node::NodeView v;
      if (node::codec::getView(in, nullptr, v)) out.push_back(std::move(v));
    }
    return out;
  }
  // A picture with `status` among those received after the first `from`.
  bool sawStatusAfter(std::size_t from, node::NodeStatus status) const {
    const auto vs = views();
    for (std::size_t i = from; i < vs.size(); ++i)
      if (vs[i].status == status) return true;
    return false;
  }
  std::optional<net::Refuse> refusal() const {
    for (const Frame& f : frames)
      if (f.type == FrameType::kRefuse)
        if (auto r = net::decodeRefuse(f.payload); r.isOk()) return *r;
    return std::nullopt;
  }
  bool welcomed() const { return !frames.empty() && frames.front().type == FrameType::kHelloAck; }
};

}  // namespace

class NodeProcessTest : public QObject {
  Q_OBJECT

  std::unique_ptr<QTemporaryDir> m_dir;
  std::unique_ptr<TestLog> m_log;
  std::unique_ptr<NodeProcess> m_process;

  NodeProcessOptions options() {
    NodeProcessOptions o;
    node::NodeSpec& s = o.spec;
    s.engine.id = 1;
    s.engine.voters = {1};
    s.engine.dataDir = m_dir->filePath("node-1").toStdString();
    s.engine.log.segmentBytes = 64 * 1024;
    s.engine.flush = wal::FlushPolicy{wal::FlushMode::kGroup, 0};
    s.clusterName = kCluster;
    s.logger = m_log->logger;
    o.token = kToken;
    o.controlPort = 0;
    o.handshakeTimeoutMs = 5000;
    return o;
  }
  bool startNode(NodeProcessOptions o) {
    m_process = std::make_unique<NodeProcess>(std::move(o));
    const Status s = m_process->start();
    if (!s.isOk()) qWarning("%s", s.toString().c_str());
    return s.isOk() && m_process->controlPort() != 0;
  }
  std::uint16_t port() const { return m_process->controlPort(); }

  // An observer that said the right hello and got its welcome and first picture.
  std::unique_ptr<Observer> attach() {
    auto o = std::make_unique<Observer>(port());
    o->hello(kCluster, kToken);
    if (!QTest::qWaitFor([&] { return o->welcomed() && !o->views().empty(); }, kWaitMs)) return nullptr;
    return o;
  }

 private slots:
  void init() {
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_log = std::make_unique<TestLog>("node-1");
    QVERIFY(startNode(options()));
  }
  void cleanup() {
    if (m_process) m_process->stop();
    m_process.reset();
    m_log.reset();
    m_dir.reset();
  }

  void theRightHelloIsWelcomedWithNodeAndPidThenAPicture() {
    Observer o(port());
    o.hello(kCluster, kToken);
    QTRY_VERIFY_WITH_TIMEOUT(!o.frames.empty(), kWaitMs);
    QCOMPARE(o.frames.front().type, FrameType::kHelloAck);
    auto w = decodeControlWelcome(o.frames.front().payload);
    QVERIFY2(w.isOk(), w.status().toString().c_str());
    QCOMPARE(w->node, NodeId{1});
    QCOMPARE(w->pid, static_cast<std::int64_t>(::getpid()));
    QTRY_VERIFY_WITH_TIMEOUT(!o.views().empty(), kWaitMs);
    QCOMPARE(o.views().front().id, NodeId{1});
    QCOMPARE(m_process->observers(), std::size_t{1});
    QCOMPARE(m_process->refusals(), std::uint64_t{0});
    QCOMPARE(m_log->count({"observer", "attached"}), 1);
  }

  void refusedHellosGetACodeAndTheNodeGoesOn_data() {
    QTest::addColumn<QString>("cluster");
    QTest::addColumn<QString>("token");
    QTest::addColumn<int>("code");
    QTest::newRow("wrong token") << QString::fromStdString(kCluster) << "the-wrong-token-0123456789"
                                 << static_cast<int>(RefuseCode::kBadToken);
    QTest::newRow("no token") << QString::fromStdString(kCluster) << "" << static_cast<int>(RefuseCode::kBadToken);
    QTest::newRow("token prefix") << QString::fromStdString(kCluster)
                                  << QString::fromStdString(kToken.substr(0, kToken.size() - 1))
                                  << static_cast<int>(RefuseCode::kBadToken);
    QTest::newRow("other cluster") << "another-cluster" << QString::fromStdString(kToken)
                                   << static_cast<int>(RefuseCode::kWrongCluster);
  }
  void refusedHellosGetACodeAndTheNodeGoesOn() {
    QFETCH(QString, cluster);
    QFETCH(QString, token);
    QFETCH(int, code);
    Observer bad(port());
    bad.hello(cluster.toStdString(), token.toStdString());
    QTRY_VERIFY_WITH_TIMEOUT(bad.refusal().has_value(), kWaitMs);
    QCOMPARE(static_cast<int>(bad.refusal()->code), code);
    QVERIFY(!bad.welcomed());
    QTRY_VERIFY_WITH_TIMEOUT(bad.closed(), kWaitMs);
    QCOMPARE(m_process->refusals(), std::uint64_t{1});
    QCOMPARE(m_log->count({"control: refused 127.0.0.1:", "the node goes on"}), 1);
    QVERIFY(bad.views().empty());
    // Still serving: a proper observer attaches afterwards.
    auto good = attach();
    QVERIFY(good != nullptr);
    QTRY_COMPARE_WITH_TIMEOUT(m_process->observers(), std::size_t{1}, kWaitMs);
  }

  void bytesThatAreNotAnAcceptableHelloAreClosed_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("logged");
    QTest::newRow("http") << QByteArray("GET / HTTP/1.0\r\n\r\n") << "bad magic";
    std::string oversize = net::encodeFrame(FrameType::kHello, "");
    coding::encodeFixed32(oversize.data() + net::frame_offset::kLength, net::kMaxHandshakePayloadBytes + 1);
    QTest::newRow("oversized hello") << QByteArray::fromStdString(oversize)
                                     << QString::number(net::kMaxHandshakePayloadBytes + 1) + " bytes exceeds cap";
    QTest::newRow("control before hello")
        << QByteArray::fromStdString(net::encodeFrame(FrameType::kControl, controlPayload(ControlKind::kCommand, "{}")))
        << "expected hello";
    QTest::newRow("hello that is not JSON") << QByteArray::fromStdString(net::encodeFrame(FrameType::kHello, "{"))
                                            << "not a JSON object";
  }
  void bytesThatAreNotAnAcceptableHelloAreClosed() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, logged);
    auto before = attach();
    QVERIFY(before != nullptr);
    Observer bad(port());
    bad.write(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())));
    QTRY_VERIFY_WITH_TIMEOUT(bad.closed(), kWaitMs);
    QVERIFY(!bad.welcomed());
    QTRY_COMPARE_WITH_TIMEOUT(m_process->refusals(), std::uint64_t{1}, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_log->count({"127.0.0.1:", logged.toStdString(), "the node goes on"}), 1, kWaitMs);
    // The observer attached before still gets pictures, and a new one can attach.
    const std::size_t seen = before->views().size();
    QTRY_VERIFY_WITH_TIMEOUT(before->views().size() > seen, kWaitMs);
    QVERIFY(!before->closed());
    QVERIFY(attach() != nullptr);
  }

  void aBadFrameAfterHelloClosesThatObserverOnly_data() {
    QTest::addColumn<int>("type");
    QTest::addColumn<QByteArray>("payload");
    QTest::newRow("unknown control kind") << static_cast<int>(FrameType::kControl) << QByteArray("\x09{}");
    QTest::newRow("empty control frame") << static_cast<int>(FrameType::kControl) << QByteArray();
    QTest::newRow("a view from an observer") << static_cast<int>(FrameType::kControl)
                                             << QByteArray::fromStdString(controlPayload(ControlKind::kView, ""));
    QTest::newRow("request that does not decode") << static_cast<int>(FrameType::kControl)
                                                  << QByteArray::fromStdString(controlPayload(ControlKind::kRequest, "abc"));
    QTest::newRow("peer frame") << static_cast<int>(FrameType::kPeer) << QByteArray("x");
  }
  void aBadFrameAfterHelloClosesThatObserverOnly() {
    QFETCH(int, type);
    QFETCH(QByteArray, payload);
    auto other = attach();
    auto bad = attach();
    QVERIFY(other && bad);
    QCOMPARE(m_process->observers(), std::size_t{2});
    bad->sendFrame(static_cast<FrameType>(type), std::string_view(payload.constData(), static_cast<std::size_t>(payload.size())));
    QTRY_VERIFY_WITH_TIMEOUT(bad->closed(), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_process->observers(), std::size_t{1}, kWaitMs);
    QCOMPARE(m_process->refusals(), std::uint64_t{1});
    const std::size_t seen = other->views().size();
    QTRY_VERIFY_WITH_TIMEOUT(other->views().size() > seen, kWaitMs);
    QVERIFY(!other->closed());
  }

  void connectionsRefusedOverTheLimitDoNotKeepTheirPlace() {
    m_process->stop();
    NodeProcessOptions o = options();
    o.maxObservers = 2;
    QVERIFY(startNode(std::move(o)));
    for (int round = 0; round < 3; ++round) {
      {
        Observer a(port());
        Observer b(port());
        QTRY_COMPARE_WITH_TIMEOUT(m_process->observers(), std::size_t{2}, kWaitMs);
        Observer extra(port());
        QTRY_VERIFY_WITH_TIMEOUT(extra.refusal().has_value(), kWaitMs);
        QCOMPARE(extra.refusal()->code, RefuseCode::kTooManyConnections);
        QTRY_VERIFY_WITH_TIMEOUT(extra.closed(), kWaitMs);
      }
      // Everyone left: every place is free again, the refused connection's too.
      QTRY_COMPARE_WITH_TIMEOUT(m_process->observers(), std::size_t{0}, kWaitMs);
    }
    QVERIFY(attach() != nullptr);
    QVERIFY(attach() != nullptr);
  }

  void requestsGetRepliesWithTheirId() {
    auto o = attach();
    QVERIFY(o != nullptr);
    o->control(ControlKind::kRequest, encodeRequest(7, R"({"op":"extent"})"));
    o->control(ControlKind::kRequest, encodeRequest(8, R"({"op":"no-such-request"})"));
    QTRY_COMPARE_WITH_TIMEOUT(o->bodies(ControlKind::kReply).size(), std::size_t{2}, kWaitMs);
    Reply extent;
    QVERIFY(decodeReply(o->bodies(ControlKind::kReply)[0], &extent));
    QCOMPARE(extent.id, std::uint64_t{7});
    QVERIFY2(extent.status.isOk(), extent.status.toString().c_str());
    std::optional<node::LogExtent> x;
    QVERIFY(decodeExtent(extent.body, &x));
    QVERIFY(x.has_value());  // a running node holds a log, even an empty one
    QVERIFY(x->first >= 1 && x->first <= x->last + 1);
    QVERIFY(x->durableEnd <= x->last);
    Reply unknown;
    QVERIFY(decodeReply(o->bodies(ControlKind::kReply)[1], &unknown));
    QCOMPARE(unknown.id, std::uint64_t{8});
    QCOMPARE(unknown.status.code(), Status::Code::kInvalidArgument);
    QVERIFY2(unknown.status.message().find("no-such-request") != std::string::npos, unknown.status.message().c_str());
    QVERIFY(!o->closed());
  }

  void commandsPauseResumeKillAndRestartTheNode() {
    auto o = attach();
    QVERIFY(o != nullptr);
    QCOMPARE(o->views().back().status, node::NodeStatus::kRunning);
    const auto step = [&](const std::string& json, node::NodeStatus status) {
      const std::size_t from = o->views().size();
      o->command(json);
      return QTest::qWaitFor([&] { return o->sawStatusAfter(from, status); }, kWaitMs);
    };
    QVERIFY(step(R"({"op":"pause"})", node::NodeStatus::kPaused));
    QVERIFY(m_process->node().paused());
    QVERIFY(step(R"({"op":"resume"})", node::NodeStatus::kRunning));
    QVERIFY(!m_process->node().paused());
    QVERIFY(step(R"({"op":"kill","how":"power_loss"})", node::NodeStatus::kDead));
    QVERIFY(!m_process->node().running());
    // Killed through the control port, the process stays: its control port still answers.
    o->control(ControlKind::kRequest, encodeRequest(1, R"({"op":"extent"})"));
    QTRY_VERIFY_WITH_TIMEOUT(!o->bodies(ControlKind::kReply).empty(), kWaitMs);
    Reply down;
    QVERIFY(decodeReply(o->bodies(ControlKind::kReply).back(), &down));
    std::optional<node::LogExtent> x = node::LogExtent{};
    QVERIFY(decodeExtent(down.body, &x));
    QVERIFY(!x.has_value());
    QVERIFY(step(R"({"op":"restart"})", node::NodeStatus::kRunning));
    QVERIFY(m_process->node().running());
    QVERIFY(!o->closed());
  }
};

QTEST_GUILESS_MAIN(NodeProcessTest)
#include "tst_node_process.moc"
