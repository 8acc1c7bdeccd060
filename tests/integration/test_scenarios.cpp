// Every shipped scenario (resources/scenarios/*.json) runs headless on a live cluster and
// must meet its own `expect` steps: the scenarios cannot silently rot. (The lessons run
// through `quorumlab run` in tests/lessons.)
#include <QtTest>

#include "core/cluster/scenario.h"

using namespace qlab;
using namespace qlab::cluster;

namespace {

RunSummary play(const QString& file, std::string* log, int publishIntervalMs = 33) {
  auto sc = loadScenario(file.toStdString());
  if (!sc.isOk()) {
    *log = sc.status().toString();
    RunSummary bad;
    bad.ok = false;
    return bad;
  }
  ClusterOptions o;
  o.nodes = sc->nodes;
  o.writeQuorum = sc->writeQuorum;
  o.segmentBytes = sc->segmentBytes;
  o.snapshotEvery = sc->snapshotEvery;
  o.flush = sc->flush;
  o.seed = sc->seed;
  o.publishIntervalMs = publishIntervalMs;
  Cluster c(o);
  Status s = c.start();
  if (!s.isOk()) {
    *log = s.toString();
    return {};
  }
  ScenarioRunner r(c, *sc);
  QObject::connect(&r, &ScenarioRunner::stepFailed, [log](int, const QString& why) { *log += why.toStdString() + "\n"; });
  bool done = false;
  QObject::connect(&r, &ScenarioRunner::finished, [&](bool) { done = true; });
  r.start();
  (void)QTest::qWaitFor([&] { return done; }, 120000);
  if (!done) *log += "scenario did not finish within 120 s\n";
  RunSummary sum = r.summary();
  c.stop();
  return sum;
}

}  // namespace

class ScenarioTest : public QObject {
  Q_OBJECT
 private slots:
  void shippedScenarioMeetsItsExpectations_data() {
    QTest::addColumn<QString>("file");
    QDir dir(QStringLiteral(QLAB_SOURCE_DIR "/resources/scenarios"));
    for (const auto& f : dir.entryList({"*.json"}, QDir::Files, QDir::Name))
      QTest::newRow(f.toUtf8().constData()) << dir.filePath(f);
  }
  void shippedScenarioMeetsItsExpectations() {
    QFETCH(QString, file);
    std::string log;
    RunSummary s = play(file, &log);
    for (const auto& v : s.violations) log += "violation: " + v + "\n";
    QVERIFY2(s.ok, log.c_str());
  }

  // Views a publish interval old at a step's start must not make a stalled HWM look as if it
  // moved: the write before the stalling step was answered ok, so the HWM already reached it.
  void hwmStallIsJudgedFromWhatWasAcknowledgedNotFromStaleViews() {
    std::string log;
    RunSummary s = play(QStringLiteral(QLAB_SOURCE_DIR "/resources/scenarios/write-quorum-all-stalls.json"), &log, 400);
    QVERIFY2(s.ok, log.c_str());
  }

  void delayedFlushLosesExactlyTheWritesAcknowledgedFromMemory() {
    std::string log;
    RunSummary s = play(QStringLiteral(QLAB_SOURCE_DIR "/resources/scenarios/delayed-flush-loss.json"), &log);
    QVERIFY2(s.ok, log.c_str());
    QCOMPARE(s.lostAcked.size(), std::size_t(10));
    for (const auto& l : s.lostAcked) QVERIFY2(l.key.rfind("lost-", 0) == 0, l.key.c_str());
  }
};

QTEST_GUILESS_MAIN(ScenarioTest)
#include "test_scenarios.moc"
