// The interop formats on a real run: `quorumlab run --export-format all` on a 3-node cluster
// whose leader is killed (a leader change) and which is then partitioned and healed. Each
// file is judged by an independent checker (format_checkers.h) written from the format's
// rules; the checkers are shown to reject broken files too. Then the formats are written
// again from the export directory alone, and a damaged export is refused with the file and
// line named.
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <set>

#include "core/interop/formats.h"
#include "format_checkers.h"

using namespace qlab;
using namespace qlab::testing;

namespace {

QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeAll(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

QString joined(const QStringList& problems) { return problems.join(QLatin1Char('\n')); }

}  // namespace

class TestInteropFormats : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  QString file(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

 private slots:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    QProcess p;
    p.start(QStringLiteral(QLAB_QUORUMLAB_BINARY),
            {"run", "--scenario", QStringLiteral(QLAB_INTEROP_SCENARIO), "--export", m_dir.path(), "--export-format",
             "all", "--json"});
    QVERIFY(p.waitForFinished(240'000));
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, qPrintable(err));
    for (const auto& f : interop::interopFormats()) {
      const QString path = m_dir.filePath(QString::fromUtf8(f.fileName.data(), static_cast<qsizetype>(f.fileName.size())));
      QVERIFY2(QFileInfo(path).size() > 0, qPrintable(path + " is missing or empty"));
      qInfo("%s: %lld bytes", qPrintable(path), static_cast<long long>(QFileInfo(path).size()));
    }
  }

  // The run is the one the checks are meant for: a partition and more than one leader.
  void theRunHasAPartitionAndALeaderChange() {
    int partitions = 0;
    std::set<std::pair<qint64, qint64>> leaders;  // (generation, node)
    for (const QByteArray& line : readAll(file("events.jsonl")).split('\n')) {
      const QJsonObject o = QJsonDocument::fromJson(line).object();
      if (o["kind"] == "partition") ++partitions;
      if (o["kind"] == "elected") leaders.insert({o["generation"].toInteger(), o["node"].toInteger()});
    }
    QVERIFY(partitions >= 1);
    QVERIFY2(leaders.size() >= 2, "fewer than two elections won");
  }

  void shivizObeysTheClockRules() {
    ShivizStats stats;
    const QStringList problems = checkShiviz(readAll(file("shiviz.log")), &stats);
    QVERIFY2(problems.isEmpty(), qPrintable(joined(problems)));
    QCOMPARE(stats.hosts, 3);
    QVERIFY(stats.events > 100);
    QVERIFY2(stats.withForeignKeys > stats.events / 4, "few receives were linked to their sends");
  }

  void jepsenEdnReadsBackAndPairsUp() {
    HistoryStats edn;
    const QStringList problems = checkJepsenEdn(readAll(file("jepsen-history.edn")), &edn);
    QVERIFY2(problems.isEmpty(), qPrintable(joined(problems)));
    QVERIFY(edn.ops > 50);
    QVERIFY(edn.partitions >= 1);
    QVERIFY(edn.nemesis >= 4);  // kill, restart, partition, heal
  }

  void jepsenJsonIsTheSameHistory() {
    HistoryStats edn, json;
    checkJepsenEdn(readAll(file("jepsen-history.edn")), &edn);
    const QStringList problems = checkJepsenJson(readAll(file("jepsen-history.jsonl")), &json);
    QVERIFY2(problems.isEmpty(), qPrintable(joined(problems)));
    QCOMPARE(json.lines, edn.lines);
  }

  void porcupineHasTheOperationFields() {
    PorcupineStats stats;
    const QStringList problems = checkPorcupine(readAll(file("porcupine.json")), &stats);
    QVERIFY2(problems.isEmpty(), qPrintable(joined(problems)));
    HistoryStats edn;
    checkJepsenEdn(readAll(file("jepsen-history.edn")), &edn);
    QVERIFY(stats.ops > 20);
    QVERIFY(stats.ops <= (edn.ops - edn.nemesis) / 2);  // failed operations are left out
  }

  void perfettoSlicesNestAndFlowsPairUp() {
    TraceStats stats;
    const QStringList problems = checkTrace(readAll(file("perfetto-trace.json")), &stats);
    QVERIFY2(problems.isEmpty(), qPrintable(joined(problems)));
    for (const char* p : {"node 1", "node 2", "node 3", "clients"}) QVERIFY2(stats.processes.contains(p), p);
    QVERIFY(stats.flows > 100);
    QVERIFY(stats.instants >= 4);
  }

  // From a saved run: record the same scenario, export a moment of it with every format, and
  // each file passes the same checker.
  void theFormatsOfAMomentOfASavedRunObeyTheRules() {
    QTemporaryDir dir;
    const QString run = dir.filePath("run.qlabrun");
    QProcess p;
    p.start(QStringLiteral(QLAB_QUORUMLAB_BINARY),
            {"run", "--scenario", QStringLiteral(QLAB_INTEROP_SCENARIO), "--record", run, "--json"});
    QVERIFY(p.waitForFinished(240'000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    const QString out = dir.filePath("at");
    p.start(QStringLiteral(QLAB_QUORUMLAB_BINARY),
            {"export", "--run", run, "--at", "3000", "--dir", out, "--export-format", "all", "--json"});
    QVERIFY(p.waitForFinished(120'000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    auto at = [&](const char* name) { return readAll(out + "/" + QString::fromLatin1(name)); };
    ShivizStats shiviz;
    QStringList problems = checkShiviz(at("shiviz.log"), &shiviz);
    QVERIFY2(problems.isEmpty(), qPrintable(joined(problems)));
    QCOMPARE(shiviz.hosts, 3);
    HistoryStats edn, json;
    problems = checkJepsenEdn(at("jepsen-history.edn"), &edn);
    QVERIFY2(problems.isEmpty(), qPrintable(joined(problems)));
    QVERIFY(edn.ops > 10);
    problems = checkJepsenJson(at("jepsen-history.jsonl"), &json);
    QVERIFY2(problems.isEmpty(), qPrintable(joined(problems)));
    PorcupineStats porcupine;
    problems = checkPorcupine(at("porcupine.json"), &porcupine);
    QVERIFY2(problems.isEmpty(), qPrintable(joined(problems)));
    TraceStats trace;
    problems = checkTrace(at("perfetto-trace.json"), &trace);
    QVERIFY2(problems.isEmpty(), qPrintable(joined(problems)));
    QVERIFY(trace.flows > 20);
  }

  // Each checker can fail: small files that break one rule each.
  void checkersRejectBrokenFiles() {
    const QByteArray head = "(?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})\n\n";
    ShivizStats s;
    QVERIFY(!checkShiviz(head + "a\nn1 {\"n1\":2}\n", &s).isEmpty());                          // starts at 2
    QVERIFY(!checkShiviz(head + "a\nn1 {\"n1\":1, \"ghost\":1}\n", &s).isEmpty());             // key that never logs
    QVERIFY(!checkShiviz(head + "a\nn1 {\"n1\":1, \"n2\":1}\nb\nn2 {\"n2\":1, \"n1\":1}\n", &s).isEmpty());  // cycle
    QVERIFY(!checkShiviz(head + "a\nn1 {\"n1\":1}\nb\nn1 {\"n1\":3}\n", &s).isEmpty());        // skips 2
    QVERIFY(!checkShiviz("x\nnot empty\n", &s).isEmpty());
    QVERIFY(checkShiviz(head + "a\nn1 {\"n1\":1}\nb\nn2 {\"n2\":1, \"n1\":1}\n", &s).isEmpty());  // a real send/receive

    HistoryStats h;
    const QByteArray inv = "{:type :invoke, :f :write, :value [\"k\" \"v\"], :process 0, :time 5, :index 0}\n";
    QVERIFY(checkJepsenEdn(inv + "{:type :ok, :f :write, :value [\"k\" \"v\"], :process 0, :time 6, :index 1}\n", &h).isEmpty());
    QVERIFY(!checkJepsenEdn(inv + "{:type :ok, :f :write, :value [\"k\" \"v\"], :process 0, :time 6, :index 2}\n", &h).isEmpty());
    QVERIFY(!checkJepsenEdn(inv + "{:type :ok, :f :write, :value [\"k\" \"v\"] :process 0, :time 4, :index 1}\n", &h).isEmpty());
    QVERIFY(!checkJepsenEdn(inv + "{:type :ok, :f :write, :value [\"k\" \"v\", :process 0, :time 6, :index 1}\n", &h).isEmpty());
    QVERIFY(!checkJepsenEdn(inv, &h).isEmpty());  // never completes
    QVERIFY(!checkJepsenEdn(inv + "{:type :info, :f :write, :value [\"k\" \"v\"], :process 0, :time 6, :index 1}\n"
                                  "{:type :invoke, :f :read, :value [\"k\" nil], :process 0, :time 7, :index 2}\n"
                                  "{:type :ok, :f :read, :value [\"k\" nil], :process 0, :time 8, :index 3}\n", &h).isEmpty());
    QVERIFY(!checkJepsenJson("{\"type\":\"invoke\",\"f\":\"write\",\"value\":[\"k\"],\"process\":0,\"time\":1,\"index\":0}\n", &h).isEmpty());

    PorcupineStats p;
    const QByteArray ok = R"({"ClientId":0,"Input":{"op":"write","key":"k","value":"v"},"Call":1,"Output":{"unknown":false},"Return":2})";
    QVERIFY(checkPorcupine("[" + ok + "]", &p).isEmpty());
    QVERIFY(!checkPorcupine(R"([{"ClientId":1,"Input":{"op":"write","key":"k","value":"v"},"Call":1,"Output":{"unknown":false},"Return":2}])", &p).isEmpty());
    QVERIFY(!checkPorcupine(R"([{"ClientId":0,"Input":{"op":"write","key":"k","value":"v"},"Call":3,"Output":{"unknown":false}}])", &p).isEmpty());
    QVERIFY(!checkPorcupine("[" + ok + R"(,{"ClientId":0,"Input":{"op":"read","key":"k"},"Call":0,"Output":{"unknown":true},"Return":1}])", &p).isEmpty());

    TraceStats t;
    const QByteArray names = R"({"ph":"M","name":"process_name","pid":1,"tid":1,"args":{"name":"n"}},)"
                             R"({"ph":"M","name":"thread_name","pid":1,"tid":1,"args":{"name":"t"}},)";
    auto trace = [&](const QByteArray& events) { return checkTrace(R"({"traceEvents":[)" + names + events + "]}", &t); };
    const QByteArray a = R"({"ph":"X","name":"a","pid":1,"tid":1,"ts":0,"dur":10})";
    QVERIFY(trace(a + R"(,{"ph":"X","name":"b","pid":1,"tid":1,"ts":2,"dur":3})").isEmpty());     // nested
    QVERIFY(!trace(a + R"(,{"ph":"X","name":"b","pid":1,"tid":1,"ts":5,"dur":10})").isEmpty());   // partial overlap
    QVERIFY(!trace(a + R"(,{"ph":"B","name":"b","pid":1,"tid":1,"ts":5})").isEmpty());             // never ends
    const QByteArray flow = R"(,{"ph":"s","name":"m","cat":"c","id":7,"pid":1,"tid":1,"ts":5})";
    QVERIFY(trace(a + flow + R"(,{"ph":"f","bp":"e","name":"m","cat":"c","id":7,"pid":1,"tid":1,"ts":6})").isEmpty());
    QVERIFY(!trace(a + flow).isEmpty());                                                              // no finish
    QVERIFY(!trace(a + flow + R"(,{"ph":"f","bp":"e","name":"m","cat":"c","id":7,"pid":1,"tid":1,"ts":4})").isEmpty());
    QVERIFY(!trace(a + flow + R"(,{"ph":"f","bp":"e","name":"m","cat":"c","id":7,"pid":1,"tid":1,"ts":60})").isEmpty());  // unbound
    QVERIFY(!trace(a + R"(,{"ph":"i","name":"x","pid":1,"tid":1,"ts":5})").isEmpty());            // no scope
    QVERIFY(!trace(R"({"ph":"X","name":"a","pid":2,"tid":1,"ts":0,"dur":1})").isEmpty());         // unnamed
  }

  // A hand-made run with what a real one rarely shows at once: a lost send, a receive whose
  // send was never recorded, a send after its look-alike receive, a timeout and a failure.
  void edgeCasesObeyTheRulesToo() {
    using node::EventKind;
    interop::InteropRun run;
    run.nodes = {1, 2};
    auto ev = [&](std::int64_t t, NodeId n, EventKind k, NodeId peer = 0, std::uint8_t type = 0, Index a = 0, Index b = 0) {
      node::NodeEvent e;
      e.tMs = t, e.node = n, e.kind = k, e.peer = peer, e.msgType = type, e.a = a, e.b = b;
      run.events.push_back(e);
    };
    ev(10, 1, EventKind::kSend, 2, 1, 1, 1);   // append 1..1, lost
    ev(10, 1, EventKind::kSend, 2, 1, 1, 1);   // the same again, in the same millisecond
    ev(12, 2, EventKind::kRecv, 1, 1, 1, 1);
    ev(14, 2, EventKind::kRecv, 1, 3, 0, 0);   // a heartbeat whose send is not in the log
    ev(15, 1, EventKind::kSend, 2, 3, 0, 0);   // sent after that receive: not its send
    ev(16, 0, EventKind::kPartition);
    ev(17, 1, EventKind::kKill);
    ev(18, 2, EventKind::kFlush, 0, 0, 1, 1);
    ev(19, 2, EventKind::kSend, 1, 2, 1, 1);
    ev(20, 1, EventKind::kRecv, 2, 2, 1, 1);
    auto op = [&](std::uint64_t client, cluster::OpKind kind, const char* value, bool found, std::int64_t from,
                  std::int64_t to, cluster::OpResult result) {
      cluster::Operation o;
      o.client = client, o.seq = run.operations.size() + 1, o.kind = kind, o.key = "k", o.value = value;
      o.found = found, o.invokeUs = from, o.completeUs = to, o.result = result;
      run.operations.push_back(o);
    };
    op(7, cluster::OpKind::kWrite, "v", true, 1000, 2000, cluster::OpResult::kOk);
    op(7, cluster::OpKind::kWrite, "w", true, 3000, 9000, cluster::OpResult::kTimeout);
    op(7, cluster::OpKind::kRead, "v", true, 10000, 11000, cluster::OpResult::kOk);
    op(9, cluster::OpKind::kRead, "", false, 1500, 1600, cluster::OpResult::kFail);
    op(9, cluster::OpKind::kRead, "", false, 1700, 1800, cluster::OpResult::kOk);
    QTemporaryDir dir;
    auto all = interop::parseFormatList("all");
    QVERIFY(interop::writeInteropFormats(run, dir.path().toStdString(), *all).isOk());

    ShivizStats sv;
    const QByteArray shiviz = readAll(dir.filePath("shiviz.log"));
    QStringList problems = checkShiviz(shiviz, &sv);
    QVERIFY2(problems.isEmpty(), qPrintable(joined(problems)));
    QCOMPARE(sv.events, 9);  // the partition has no host
    // The heartbeat's receive knows node 1 only up to the first append (its first event), not
    // the heartbeat sent later; the append's receive is tied to the oldest of its two sends.
    QVERIFY2(shiviz.contains("recv heartbeat 0..0 from node 1\nnode2 {\"node1\": 1, \"node2\": 2}\n"), shiviz.constData());
    QVERIFY2(shiviz.contains("recv append_ack 1..1 from node 2\nnode1 {\"node1\": 5, \"node2\": 4}\n"), shiviz.constData());

    HistoryStats h;
    problems = checkJepsenEdn(readAll(dir.filePath("jepsen-history.edn")), &h);
    QVERIFY2(problems.isEmpty(), qPrintable(joined(problems)));
    QCOMPARE(h.infos, 1);
    QCOMPARE(h.nemesis, 2);
    QCOMPARE(h.ops, 12);

    PorcupineStats p;
    const QByteArray porcupine = readAll(dir.filePath("porcupine.json"));
    problems = checkPorcupine(porcupine, &p);
    QVERIFY2(problems.isEmpty(), qPrintable(joined(problems)));
    QCOMPARE(p.ops, 4);  // the failed read is left out
    QCOMPARE(p.unknown, 1);
    QVERIFY2(porcupine.contains(R"("Output":{"unknown":true},"Return":11001})"), porcupine.constData());

    TraceStats t;
    const QByteArray trace = readAll(dir.filePath("perfetto-trace.json"));
    problems = checkTrace(trace, &t);
    QVERIFY2(problems.isEmpty(), qPrintable(joined(problems)));
    QCOMPARE(t.flows, 2);  // append and append_ack; the lone heartbeat receive has none
  }

  // Any export directory is enough: the formats written from a copy of its three input files
  // are byte for byte the ones the run wrote.
  void theFormatsCanBeWrittenAgainFromTheExportAlone() {
    QTemporaryDir copy;
    for (const char* f : {"cluster.json", "events.jsonl", "history.jsonl"})
      QVERIFY(QFile::copy(file(f), copy.filePath(QString::fromLatin1(f))));
    auto names = interop::parseFormatList("all");
    QVERIFY(names.isOk());
    std::vector<std::string> written;
    Status st = interop::writeInteropFormats(copy.path().toStdString(), *names, &written);
    QVERIFY2(st.isOk(), st.toString().c_str());
    QCOMPARE(written.size(), interop::interopFormats().size());
    for (const auto& f : interop::interopFormats()) {
      const QString name = QString::fromUtf8(f.fileName.data(), static_cast<qsizetype>(f.fileName.size()));
      QVERIFY2(readAll(copy.filePath(name)) == readAll(m_dir.filePath(name)), qPrintable(name));
    }
  }

  // A damaged export is refused, never crashes, and the message names the file and the line.
  void aDamagedExportNamesTheFileAndLine() {
    QTemporaryDir copy;
    for (const char* f : {"cluster.json", "history.jsonl"}) QVERIFY(QFile::copy(file(f), copy.filePath(QString::fromLatin1(f))));
    QByteArray events = readAll(file("events.jsonl"));
    const qsizetype firstEnd = events.indexOf('\n');
    events.insert(firstEnd + 1, "{\"t_ms\": 5, \"node\": 1, \"kind\": \"send\", \"to\": 2}\n");
    QVERIFY(writeAll(copy.filePath("events.jsonl"), events));
    Status st = interop::writeInteropFormats(copy.path().toStdString(), {"shiviz"});
    QVERIFY(!st.isOk());
    QVERIFY2(QString::fromStdString(st.message()).contains("events.jsonl:2: field 'type'"), st.message().c_str());
    QVERIFY(!QFile::exists(copy.filePath("shiviz.log")));

    QVERIFY(writeAll(copy.filePath("cluster.json"), "{\"nodes\": 3}"));
    st = interop::writeInteropFormats(copy.path().toStdString(), {"perfetto"});
    QVERIFY2(QString::fromStdString(st.message()).contains("cluster.json: field 'nodes'"), st.message().c_str());
    st = interop::writeInteropFormats(copy.filePath("nowhere").toStdString(), {"jepsen"});
    QVERIFY2(QString::fromStdString(st.message()).contains("nowhere/cluster.json: cannot read it"), st.message().c_str());
  }
};

QTEST_GUILESS_MAIN(TestInteropFormats)
#include "test_interop_formats.moc"
