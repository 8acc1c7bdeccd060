// How a node process is launched (core/remote/node_launch.h, flush_policy_text.h): the
// `quorumlab node` command line and its inverse, the cluster file, the token (a file only its
// owner can read, or QUORUMLAB_TOKEN, never argv) and the flush policy word. Pure, plus files
// in a temporary folder.
#include <QtTest>

#include <sys/stat.h>

#include <fstream>

#include "core/remote/control_protocol.h"
#include "core/remote/flush_policy_text.h"
#include "core/remote/node_launch.h"

using namespace qlab;
using namespace qlab::remote;

using Args = std::vector<std::string>;
Q_DECLARE_METATYPE(Args)

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The error of a launch that must fail ("" when it parsed).
std::string launchError(const Args& args) {
  auto l = parseNodeLaunch(args);
  return l.isOk() ? std::string() : l.status().message();
}

Args minimal(Args more = {}) {
  Args a = {"--id", "2", "--data", "/var/lib/ql/node-2", "--listen", "127.0.0.1:7102"};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

// The first field in which two launches differ ("" when none does).
std::string firstDifference(const NodeLaunch& a, const NodeLaunch& b) {
  const node::NodeSpec& x = a.spec;
  const node::NodeSpec& y = b.spec;
  const std::pair<const char*, bool> same[] = {
      {"id", x.engine.id == y.engine.id},
      {"dataDir", x.engine.dataDir == y.engine.dataDir},
      {"host", x.host == y.host},
      {"port", x.port == y.port},
      {"peerPorts", x.peerPorts == y.peerPorts},
      {"peerAddresses", x.peerAddresses == y.peerAddresses},
      {"voters", x.engine.voters == y.engine.voters},
      {"control", a.control.text() == b.control.text()},
      {"clusterName", x.clusterName == y.clusterName},
      {"flush", x.engine.flush == y.engine.flush},
      {"initialWriteQuorum", x.engine.initialWriteQuorum == y.engine.initialWriteQuorum},
      {"segmentBytes", x.engine.log.segmentBytes == y.engine.log.segmentBytes},
      {"snapshotEvery", x.engine.snapshotEvery == y.engine.snapshotEvery},
      {"retainEntries", x.engine.retainEntries == y.engine.retainEntries},
      {"electionTimeoutMs", a.electionTimeoutMs == b.electionTimeoutMs},
      {"electionTicks", x.engine.electionTicks == y.engine.electionTicks},
      {"tickMs", x.tickMs == y.tickMs},
      {"heartbeatTicks", x.engine.heartbeatTicks == y.engine.heartbeatTicks},
      {"publishIntervalMs", x.publishIntervalMs == y.publishIntervalMs},
      {"seed", x.seed == y.seed},
      {"engine.seed", x.engine.seed == y.engine.seed},
      {"tokenFile", a.tokenFile == b.tokenFile},
  };
  for (const auto& [name, eq] : same)
    if (!eq) return name;
  return {};
}

void writeFile(const QString& path, const std::string& text, mode_t mode) {
  std::ofstream(path.toStdString(), std::ios::trunc) << text;
  QVERIFY(::chmod(path.toLocal8Bit().constData(), mode) == 0);
}

// A cluster file of `n` nodes on 127.0.0.1:7101.. (control ports left to their default).
std::string nodesJson(int n) {
  std::string s;
  for (int i = 1; i <= n; ++i)
    s += (i > 1 ? "," : "") + std::string(R"({"id":)") + std::to_string(i) + R"(,"address":"127.0.0.1:)" +
         std::to_string(7100 + i) + "\"}";
  return "[" + s + "]";
}

std::string clusterError(const std::string& json) {
  auto f = parseClusterFile(json, "/etc/ql/cluster.json");
  return f.isOk() ? std::string() : f.status().message();
}

}  // namespace

class NodeLaunchTest : public QObject {
  Q_OBJECT

 private slots:
  void init() { qunsetenv(kTokenEnv); }

  void aFullCommandLineParses() {
    auto l = parseNodeLaunch(minimal({"--peers", "3=127.0.0.1:7103,1=127.0.0.1:7101,2=127.0.0.1:7102,4=ql-4.ql:7000"}));
    QVERIFY2(l.isOk(), l.status().toString().c_str());
    const node::NodeSpec& s = l->spec;
    QCOMPARE(s.engine.id, NodeId{2});
    QCOMPARE(s.engine.dataDir, std::string("/var/lib/ql/node-2"));
    QCOMPARE(s.host, std::string("127.0.0.1"));
    QCOMPARE(s.port, std::uint16_t{7102});
    // Peers on 127.0.0.1 by port, others by address; its own entry ignored.
    QVERIFY((s.peerPorts == std::map<NodeId, std::uint16_t>{{1, 7101}, {3, 7103}}));
    QVERIFY((s.peerAddresses == std::map<NodeId, std::string>{{4, "ql-4.ql:7000"}}));
    QVERIFY((s.engine.voters == std::vector<NodeId>{1, 2, 3, 4}));
    // The control port defaults to the listen host, port + 100.
    QCOMPARE(l->control.text(), std::string("127.0.0.1:7202"));
    QCOMPARE(s.clusterName, std::string("quorumlab"));
    QVERIFY((s.engine.flush == wal::FlushPolicy{wal::FlushMode::kGroup, 0}));
    QCOMPARE(s.engine.initialWriteQuorum, std::uint32_t{0});
    QVERIFY(l->tokenFile.empty());
  }

  void optionsTakeTheirValueAfterAnEqualsSign() {
    auto l = parseNodeLaunch({"--id=3", "--data=/d/3", "--listen=0.0.0.0:7000", "--peers=1=ql-0.ql:7000,3=ql-2.ql:7000",
                              "--name=lab", "--flush=delayed:250", "--control=127.0.0.1:9000",
                              "--token-file=/run/secrets/t", "--write-quorum=2"});
    QVERIFY2(l.isOk(), l.status().toString().c_str());
    QCOMPARE(l->spec.engine.id, NodeId{3});
    QCOMPARE(l->spec.engine.dataDir, std::string("/d/3"));
    QCOMPARE(l->spec.host, std::string("0.0.0.0"));
    QVERIFY((l->spec.peerAddresses == std::map<NodeId, std::string>{{1, "ql-0.ql:7000"}}));
    QVERIFY(l->spec.peerPorts.empty());
    QCOMPARE(l->spec.clusterName, std::string("lab"));
    QVERIFY((l->spec.engine.flush == wal::FlushPolicy{wal::FlushMode::kDelayed, 250}));
    QCOMPARE(l->control.text(), std::string("127.0.0.1:9000"));
    QCOMPARE(l->tokenFile, std::string("/run/secrets/t"));
    QCOMPARE(l->spec.engine.initialWriteQuorum, std::uint32_t{2});
  }

  void localhostListensOn127001() {
    auto l = parseNodeLaunch({"--id", "1", "--data", "d", "--listen", "localhost:7001"});
    QVERIFY2(l.isOk(), l.status().toString().c_str());
    QCOMPARE(l->spec.host, std::string("127.0.0.1"));
    QCOMPARE(l->control.text(), std::string("127.0.0.1:7101"));
  }

  void everyErrorNamesTheOption_data() {
    QTest::addColumn<Args>("args");
    QTest::addColumn<QStringList>("parts");
    QTest::newRow("no --id") << Args{"--data", "d", "--listen", "127.0.0.1:7000"} << QStringList{"--id"};
    QTest::newRow("--id 0") << minimal({"--id", "0"}) << QStringList{"--id", "1 to 9"};
    QTest::newRow("--id without value") << Args{"--data", "d", "--id"} << QStringList{"--id", "needs a value"};
    QTest::newRow("no --data") << Args{"--id", "1", "--listen", "127.0.0.1:7000"} << QStringList{"--data"};
    QTest::newRow("no --listen") << Args{"--id", "1", "--data", "d"} << QStringList{"--listen"};
    QTest::newRow("port 70000") << minimal({"--listen", "127.0.0.1:70000"}) << QStringList{"--listen", "70000"};
    QTest::newRow("port 0") << minimal({"--listen", "127.0.0.1:0"}) << QStringList{"--listen"};
    QTest::newRow("no port") << minimal({"--listen", "127.0.0.1"}) << QStringList{"--listen", "HOST:PORT"};
    QTest::newRow("listen on a name") << minimal({"--listen", "node1.example:7000"})
                                      << QStringList{"--listen", "IP address"};
    QTest::newRow("peers item") << minimal({"--peers", "1=127.0.0.1:7101,3-127.0.0.1:7103"})
                                << QStringList{"--peers", "3-127.0.0.1:7103", "ID=HOST:PORT"};
    QTest::newRow("peers id") << minimal({"--peers", "10=127.0.0.1:7110"}) << QStringList{"--peers", "10"};
    QTest::newRow("peers port") << minimal({"--peers", "1=127.0.0.1:x"}) << QStringList{"--peers 1"};
    QTest::newRow("--token") << minimal({"--token", "s3cretsecret"}) << QStringList{"--token", "ps", "--token-file"};
    QTest::newRow("--token=") << minimal({"--token=s3cretsecret"}) << QStringList{"--token", "ps", "--token-file"};
    QTest::newRow("unknown") << minimal({"--verbose", "1"}) << QStringList{"unknown option", "--verbose"};
    QTest::newRow("bad --flush") << minimal({"--flush", "sometimes"}) << QStringList{"--flush", "sometimes", "delayed:MS"};
    QTest::newRow("write quorum > nodes") << minimal({"--peers", "1=127.0.0.1:7101", "--write-quorum", "3"})
                                          << QStringList{"--write-quorum", "'3'", "1 to 2"};
    QTest::newRow("write quorum word") << minimal({"--write-quorum", "most"}) << QStringList{"--write-quorum", "majority"};
    QTest::newRow("--election-ms") << minimal({"--election-ms", "10"}) << QStringList{"--election-ms", "150"};
    QTest::newRow("--name") << minimal({"--name", std::string(65, 'n')}) << QStringList{"--name"};
    QTest::newRow("control past 65535") << minimal({"--listen", "127.0.0.1:65500"}) << QStringList{"--control"};
  }
  void everyErrorNamesTheOption() {
    QFETCH(Args, args);
    QFETCH(QStringList, parts);
    const std::string error = launchError(args);
    QVERIFY2(!error.empty(), "the launch parsed");
    for (const QString& p : parts) QVERIFY2(contains(error, p.toStdString()), error.c_str());
  }

  void launchArgsRoundTrip() {
    const Args original = {"--id", "3", "--data", "/srv/ql/n3", "--listen", "127.0.0.1:7103", "--control",
                           "127.0.0.1:9103", "--peers", "1=127.0.0.1:7101,2=ql-1.ql:7000,4=127.0.0.1:7104",
                           "--name", "round-trip", "--flush", "delayed:250", "--write-quorum", "3",
                           "--token-file", "/home/me/token", "--segment-bytes", "4096", "--snapshot-every", "0",
                           "--retain", "10", "--election-ms", "900", "--tick-ms", "15", "--heartbeat-ticks", "4",
                           "--publish-ms", "50", "--seed", "77"};
    for (const Args& input : {original, minimal()}) {
      auto first = parseNodeLaunch(input);
      QVERIFY2(first.isOk(), first.status().toString().c_str());
      const Args args = nodeLaunchArgs(*first);
      for (const auto& a : args) QVERIFY2(a.rfind("--token=", 0) != 0 && a != "--token", a.c_str());
      auto second = parseNodeLaunch(args);
      QVERIFY2(second.isOk(), second.status().toString().c_str());
      const std::string diff = firstDifference(*first, *second);
      QVERIFY2(diff.empty(), ("differs in " + diff).c_str());
    }
    // The round trip is not vacuous: the fields compared did take the values given.
    auto l = parseNodeLaunch(original);
    QVERIFY(!firstDifference(*l, *parseNodeLaunch(minimal())).empty());
    QCOMPARE(l->spec.engine.log.segmentBytes, std::uint64_t{4096});
    QCOMPARE(l->spec.engine.electionTicks, 60);
    QCOMPARE(l->spec.seed, std::uint64_t{77});
  }

  void aClusterFileFillsDefaults() {
    auto f = parseClusterFile(R"({"nodes":)" + nodesJson(2) + "}", "/etc/ql/cluster.json");
    QVERIFY2(f.isOk(), f.status().toString().c_str());
    QCOMPARE(f->cluster, std::string("quorumlab"));
    QVERIFY(f->tokenFile.empty());
    QCOMPARE(f->flush, std::string("group"));
    QCOMPARE(f->writeQuorum, std::string("majority"));
    QCOMPARE(f->members.size(), std::size_t{2});
    const ClusterMember* m = f->member(2);
    QVERIFY(m != nullptr);
    QCOMPARE(m->address.text(), std::string("127.0.0.1:7102"));
    QCOMPARE(m->listen.text(), m->address.text());
    QCOMPARE(m->control.text(), std::string("127.0.0.1:7202"));
    QVERIFY(m->data.empty());
    QVERIFY(f->member(3) == nullptr);
  }

  void aClusterFileResolvesPathsAgainstItsFolder() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string folder = dir.path().toStdString();
    const std::string json = R"({"cluster":"lab","token_file":"secrets/token","flush":"delayed:100","write_quorum":2,
      "nodes":[{"id":1,"address":"ql-0.ql:7000","listen":"0.0.0.0:7000","control":"127.0.0.1:7301","data":"data/n1"},
               {"id":2,"address":"127.0.0.1:7102","data":"/abs/n2"}]})";
    writeFile(dir.filePath("cluster.json"), json, 0600);
    auto f = loadClusterFile(folder + "/cluster.json");
    QVERIFY2(f.isOk(), f.status().toString().c_str());
    QCOMPARE(f->cluster, std::string("lab"));
    QCOMPARE(f->tokenFile, folder + "/secrets/token");
    QCOMPARE(f->members[0].data, folder + "/data/n1");
    QCOMPARE(f->members[1].data, std::string("/abs/n2"));
    QCOMPARE(f->members[0].listen.text(), std::string("0.0.0.0:7000"));
    QCOMPARE(f->members[0].control.text(), std::string("127.0.0.1:7301"));
    QCOMPARE(f->writeQuorum, std::string("2"));

    // A node started from it takes everything from the file.
    auto l = parseNodeLaunch({"--config", folder + "/cluster.json", "--id", "2"});
    QVERIFY2(l.isOk(), l.status().toString().c_str());
    QCOMPARE(l->spec.clusterName, std::string("lab"));
    QCOMPARE(l->spec.engine.dataDir, std::string("/abs/n2"));
    QCOMPARE(l->spec.port, std::uint16_t{7102});
    QCOMPARE(l->control.text(), std::string("127.0.0.1:7202"));
    QCOMPARE(l->tokenFile, folder + "/secrets/token");
    QVERIFY((l->spec.peerAddresses == std::map<NodeId, std::string>{{1, "ql-0.ql:7000"}}));
    QVERIFY((l->spec.engine.flush == wal::FlushPolicy{wal::FlushMode::kDelayed, 100}));
    QCOMPARE(l->spec.engine.initialWriteQuorum, std::uint32_t{2});
    const std::string noNode = launchError({"--config", folder + "/cluster.json", "--id", "3"});
    QVERIFY2(contains(noNode, "has no node 3"), noNode.c_str());
  }

  void clusterFileErrorsNameTheFileAndTheField_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QStringList>("parts");
    const auto n = [](int count) { return QString::fromStdString(nodesJson(count)); };
    QTest::newRow("duplicate id")
        << R"({"nodes":[{"id":1,"address":"127.0.0.1:7101"},{"id":1,"address":"127.0.0.1:7102"}]})"
        << QStringList{"nodes[1].id", "listed twice"};
    QTest::newRow("unknown field") << R"({"tokenfile":"t","nodes":)" + n(1) + "}" << QStringList{"unknown field 'tokenfile'"};
    QTest::newRow("too many nodes") << R"({"nodes":)" + n(10) + "}" << QStringList{"'nodes'", "1 to 9"};
    QTest::newRow("no nodes") << R"({"nodes":[]})" << QStringList{"'nodes'"};
    QTest::newRow("not an object") << "[1,2]" << QStringList{"JSON object"};
    QTest::newRow("bad address") << R"({"nodes":[{"id":1,"address":"127.0.0.1"}]})" << QStringList{"nodes[0].address"};
    QTest::newRow("bad id") << R"({"nodes":[{"id":12,"address":"127.0.0.1:7000"}]})" << QStringList{"nodes[0].id"};
    QTest::newRow("control past 65535") << R"({"nodes":[{"id":1,"address":"127.0.0.1:65500"}]})"
                                        << QStringList{"nodes[0]", "'control'"};
    QTest::newRow("bad flush") << R"({"flush":"often","nodes":)" + n(1) + "}" << QStringList{"'flush'", "often"};
    QTest::newRow("write quorum") << R"({"write_quorum":3,"nodes":)" + n(2) + "}" << QStringList{"'write_quorum'"};
    QTest::newRow("cluster name") << R"({"cluster":"","nodes":)" + n(1) + "}" << QStringList{"'cluster'"};
  }
  void clusterFileErrorsNameTheFileAndTheField() {
    QFETCH(QString, json);
    QFETCH(QStringList, parts);
    const std::string error = clusterError(json.toStdString());
    QVERIFY2(!error.empty(), "the file parsed");
    QVERIFY2(contains(error, "cluster file /etc/ql/cluster.json"), error.c_str());
    for (const QString& p : parts) QVERIFY2(contains(error, p.toStdString()), error.c_str());
  }

  void badJsonNamesTheByteOffset() {
    const std::string json = "{\"nodes\": [\n  {\"id\": 1,, \"address\": \"127.0.0.1:7101\"}]}";
    const std::string error = clusterError(json);
    const std::string marker = "not valid JSON at byte ";
    const auto at = error.find(marker);
    QVERIFY2(at != std::string::npos, error.c_str());
    const long offset = std::stol(error.substr(at + marker.size()));
    // The stray comma is at byte 22; the parser reports a position at or just after it.
    QVERIFY2(offset >= 21 && offset <= 24, error.c_str());
  }

  void theTokenComesFromAPrivateFile() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("token");
    writeFile(path, "0123456789abcdef \n", 0600);
    qputenv(kTokenEnv, "from-the-environment");  // a file wins over the environment
    auto t = loadToken(path.toStdString());
    QVERIFY2(t.isOk(), t.status().toString().c_str());
    QCOMPARE(*t, std::string("0123456789abcdef"));

    writeFile(path, "0123456789abcdef\n", 0640);  // group-readable: a Kubernetes Secret for the pod's fsGroup
    QVERIFY2(loadToken(path.toStdString()).isOk(), "a token the group may read is accepted");
    writeFile(path, "0123456789abcdef\n", 0644);
    auto open = loadToken(path.toStdString());
    QVERIFY(!open.isOk());
    QVERIFY2(contains(open.status().message(), "chmod 600 " + path.toStdString()), open.status().message().c_str());

    writeFile(path, "short\n", 0600);
    auto shortOne = loadToken(path.toStdString());
    QVERIFY(!shortOne.isOk());
    QVERIFY2(contains(shortOne.status().message(), "8 to 256"), shortOne.status().message().c_str());

    auto missing = loadToken(dir.filePath("nope").toStdString());
    QVERIFY(!missing.isOk());
    QVERIFY2(contains(missing.status().message(), "does not exist"), missing.status().message().c_str());
  }

  void aTokenThatIsNotTextIsRefused() {
    // Random bytes: no hello can carry them (it is JSON text), so no observer could ever match.
    const std::string bytes = "\xff\xfe\x80\xc3(0123456789";
    auto hello = decodeControlHello(encodeControlHello({"c", bytes}));
    QVERIFY(!hello.isOk() || hello->token != bytes);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("token");
    writeFile(path, bytes + "\n", 0600);
    auto t = loadToken(path.toStdString());
    QVERIFY(!t.isOk());
    QVERIFY2(contains(t.status().message(), "UTF-8"), t.status().message().c_str());
    qputenv(kTokenEnv, QByteArray::fromStdString(bytes));
    QVERIFY(!loadToken("").isOk());
    // Text beyond ASCII is fine: it round trips.
    const std::string text = "jeton-d\xc3\xa9j\xc3\xa0-vu";
    qputenv(kTokenEnv, QByteArray::fromStdString(text));
    auto ok = loadToken("");
    QVERIFY2(ok.isOk(), ok.status().toString().c_str());
    QCOMPARE(decodeControlHello(encodeControlHello({"c", *ok}))->token, text);
  }

  void theTokenComesFromTheEnvironmentWithoutAFile() {
    qputenv(kTokenEnv, "env-token-0123\n");
    auto t = loadToken("");
    QVERIFY2(t.isOk(), t.status().toString().c_str());
    QCOMPARE(*t, std::string("env-token-0123"));
    qputenv(kTokenEnv, "1234567");
    QVERIFY(!loadToken("").isOk());
    qunsetenv(kTokenEnv);
    auto none = loadToken("");
    QVERIFY(!none.isOk());
    QVERIFY2(contains(none.status().message(), "--token-file") && contains(none.status().message(), kTokenEnv),
             none.status().message().c_str());
  }

  void newTokensAreLongHexAndDiffer() {
    const std::string a = newToken();
    const std::string b = newToken();
    QCOMPARE(a.size(), std::size_t{32});
    QVERIFY(a.find_first_not_of("0123456789abcdef") == std::string::npos);
    QVERIFY(a != b);
  }

  void flushPolicyWords() {
    using wal::FlushMode;
    const std::pair<const char*, wal::FlushPolicy> good[] = {
        {"always", {FlushMode::kAlways, 0}},       {"group", {FlushMode::kGroup, 0}},
        {"manual", {FlushMode::kManual, 0}},       {"delayed", {FlushMode::kDelayed, 500}},
        {"delayed:1", {FlushMode::kDelayed, 1}},   {"delayed:600000", {FlushMode::kDelayed, 600000}},
    };
    for (const auto& [text, policy] : good) {
      auto p = parseFlushPolicyText(text);
      QVERIFY2(p.isOk(), text);
      QVERIFY2(*p == policy, text);
      auto again = parseFlushPolicyText(flushPolicyText(*p));
      QVERIFY2(again.isOk() && *again == policy, text);
    }
    QCOMPARE(flushPolicyText({FlushMode::kDelayed, 500}), std::string("delayed:500"));
    QCOMPARE(flushPolicyText({FlushMode::kGroup, 0}), std::string("group"));
    for (const char* text : {"", "garbage", "delayed:0", "delayed:600001", "delayed:", "delayed:5x", "delayed:-1",
                             "group:5", "always:", ":500"}) {
      auto p = parseFlushPolicyText(text);
      QVERIFY2(!p.isOk(), text);
      QVERIFY2(contains(p.status().message(), "'" + std::string(text) + "'"), p.status().message().c_str());
    }
  }
};

QTEST_GUILESS_MAIN(NodeLaunchTest)
#include "tst_node_launch.moc"
