// ScenarioRunner one page at a time (what the lesson panel uses), on a live 3-node cluster:
// a stop pauses the run after exactly that step, resumeUntil goes on to the next stop, the
// last stop ends in finished(), time spent paused does not count towards `at_ms`, no stop
// runs straight through (what `quorumlab run` does), and a runner cancelled and deleted
// while a write is in flight is not called back. Every wait is bounded.
#include <QElapsedTimer>
#include <QtTest>

#include "core/scenario/scenario.h"

using namespace qlab;
using namespace qlab::cluster;

namespace {

constexpr int kTimeoutMs = 30000;

// Step 0 waits for a leader, then three writes; the last step checks they committed.
const char* kFourSteps = R"({
  "name": "pages",
  "nodes": 3,
  "steps": [
    {"do": "wait", "for": "leader", "timeout_ms": 15000},
    {"do": "write", "key": "a", "value": "1"},
    {"do": "write", "key": "b", "value": "2"},
    {"do": "write", "key": "c", "value": "3"},
    {"do": "expect", "committed_min": 3, "lost_acked": 0}
  ]
})";

Scenario parse(const char* json) {
  auto sc = parseScenario(json, "inline.json");
  if (!sc.isOk()) qFatal("%s", sc.status().toString().c_str());
  return sc.value();
}

struct Recorded {
  std::vector<int> started;
  std::vector<int> paused;
  std::vector<QString> failures;
  int finished = 0;
  bool ok = false;
};

void record(ScenarioRunner& r, Recorded& rec) {
  QObject::connect(&r, &ScenarioRunner::stepStarted, [&rec](int i, const QString&) { rec.started.push_back(i); });
  QObject::connect(&r, &ScenarioRunner::pausedAt, [&rec](int i) { rec.paused.push_back(i); });
  QObject::connect(&r, &ScenarioRunner::stepFailed, [&rec](int, const QString& why) { rec.failures.push_back(why); });
  QObject::connect(&r, &ScenarioRunner::finished, [&rec](bool ok) {
    ++rec.finished;
    rec.ok = ok;
  });
}

}  // namespace

class ScenarioPagesTest : public QObject {
  Q_OBJECT
 private:
  std::unique_ptr<Cluster> m_cluster;

 private slots:
  void init() {
    Scenario sc = parse(kFourSteps);
    m_cluster = std::make_unique<Cluster>(clusterOptionsFor(sc));
    QVERIFY(m_cluster->start().isOk());
  }
  void cleanup() { m_cluster.reset(); }

  void aStopPausesAfterExactlyThatStepAndResumeGoesToTheNext() {
    ScenarioRunner r(*m_cluster, parse(kFourSteps));
    Recorded rec;
    record(r, rec);
    r.start(0);
    QTRY_COMPARE_WITH_TIMEOUT(rec.paused.size(), std::size_t(1), kTimeoutMs);
    QCOMPARE(rec.paused[0], 0);
    QVERIFY(r.paused() && r.running());
    QCOMPARE(rec.started, std::vector<int>({0}));
    // Standing still: nothing more runs however long the student reads.
    QTest::qWait(300);
    QCOMPARE(rec.started.size(), std::size_t(1));
    QCOMPARE(m_cluster->recorder().stats().okWrites, std::uint64_t(0));

    QVERIFY(r.resumeUntil(2));
    QVERIFY(!r.resumeUntil(3));  // not paused any more
    QTRY_COMPARE_WITH_TIMEOUT(rec.paused.size(), std::size_t(2), kTimeoutMs);
    QCOMPARE(rec.paused[1], 2);
    QCOMPARE(rec.started, std::vector<int>({0, 1, 2}));
    QCOMPARE(m_cluster->recorder().stats().okWrites, std::uint64_t(2));

    // The last stop is the end: finished, not paused.
    QVERIFY(r.resumeUntil(4));
    QTRY_COMPARE_WITH_TIMEOUT(rec.finished, 1, kTimeoutMs);
    QVERIFY2(rec.ok, rec.failures.empty() ? "" : qPrintable(rec.failures.front()));
    QCOMPARE(rec.paused.size(), std::size_t(2));
    QVERIFY(!r.running() && !r.paused());
    QCOMPARE(r.summary().ackedWrites, std::uint64_t(3));
  }

  void withoutAStopItRunsStraightThrough() {
    ScenarioRunner r(*m_cluster, parse(kFourSteps));
    Recorded rec;
    record(r, rec);
    r.start();
    QTRY_COMPARE_WITH_TIMEOUT(rec.finished, 1, kTimeoutMs);
    QVERIFY(rec.ok);
    QVERIFY(rec.paused.empty());
    QCOMPARE(rec.started, std::vector<int>({0, 1, 2, 3, 4}));
  }

  void timePausedDoesNotCountTowardsAtMs() {
    const char* json = R"({"name": "at", "nodes": 3, "steps": [
      {"do": "wait", "for": "leader", "timeout_ms": 15000},
      {"at_ms": 1500, "do": "write", "key": "late", "value": "x"}]})";
    ScenarioRunner r(*m_cluster, parse(json));
    Recorded rec;
    record(r, rec);
    r.start(0);
    QTRY_COMPARE_WITH_TIMEOUT(rec.paused.size(), std::size_t(1), kTimeoutMs);
    QElapsedTimer sinceStart;
    sinceStart.start();
    QTest::qWait(2000);  // longer than at_ms: a clock that counted this would run the write at once
    QVERIFY(r.resumeUntil(ScenarioRunner::kNoStop));
    QTest::qWait(250);
    QCOMPARE(m_cluster->recorder().stats().okWrites, std::uint64_t(0));
    QTRY_COMPARE_WITH_TIMEOUT(rec.finished, 1, kTimeoutMs);
    QVERIFY(rec.ok);
    QCOMPARE(m_cluster->recorder().stats().okWrites, std::uint64_t(1));
  }

  void cancelWhilePausedFinishesAndADeletedRunnerIsNotCalledBack() {
    auto r = std::make_unique<ScenarioRunner>(*m_cluster, parse(kFourSteps));
    Recorded rec;
    record(*r, rec);
    r->start(0);
    QTRY_VERIFY_WITH_TIMEOUT(r->paused(), kTimeoutMs);
    r->cancel();
    QCOMPARE(rec.finished, 1);
    QVERIFY(!rec.ok && !r->running() && !r->paused());
    QVERIFY(!r->resumeUntil(2));

    // A write in flight when its runner goes away: its answer must find nobody.
    auto r2 = std::make_unique<ScenarioRunner>(*m_cluster, parse(kFourSteps));
    Recorded rec2;
    record(*r2, rec2);
    r2->start();
    QTRY_VERIFY_WITH_TIMEOUT(rec2.started.size() >= 2, kTimeoutMs);
    r2->cancel();
    r2.reset();
    QTest::qWait(1500);  // the write's answer arrives and is dropped
    QCOMPARE(rec2.finished, 1);
  }
};

QTEST_GUILESS_MAIN(ScenarioPagesTest)
#include "test_scenario_pages.moc"
