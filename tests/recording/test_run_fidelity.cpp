// Fidelity: a live cluster under load and faults is recorded; at sampled moments the test
// captures the node pictures exactly as the live explorer would read them. The recording,
// replayed at those moments, must show the same pictures field by field; and it must hold
// every event and client operation the cluster recorded.
#include <QTemporaryDir>
#include <QtTest>

#include "core/cluster/cluster.h"
#include "core/recording/run_reader.h"
#include "core/recording/run_recorder.h"
#include "view_compare.h"

using namespace qlab;
using namespace qlab::cluster;
using namespace qlab::recording;

namespace {

struct Sample {
  std::int64_t tUs = 0;
  std::vector<std::shared_ptr<const node::NodeView>> views;
  std::vector<LinkState> links;
};

bool sameVersions(const std::vector<std::shared_ptr<const node::NodeView>>& a,
                  const std::vector<std::shared_ptr<const node::NodeView>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i]->version != b[i]->version || a[i]->status != b[i]->status || a[i]->publishedMs != b[i]->publishedMs)
      return false;
  return true;
}

// The pictures at one moment t: read twice around t; kept only when nothing was published in
// between, so that every picture shown was published before t and its successor after.
std::optional<Sample> capture(Cluster& c) {
  auto first = c.views();
  const std::int64_t t = c.nowUs();
  auto second = c.views();
  const std::int64_t after = c.nowUs();
  if (!sameVersions(first, second) || after <= t) return std::nullopt;
  Sample s{t, std::move(second), {}};
  return s;
}

}  // namespace

class RunFidelityTest : public QObject {
  Q_OBJECT
 private slots:
  void replayShowsWhatWasLive() {
    QTemporaryDir dir;
    ClusterOptions o;
    o.nodes = 3;
    o.electionTimeoutMs = 300;
    o.segmentBytes = 16 * 1024;  // segment rolls and deletes inside the run
    o.snapshotEvery = 200;
    Cluster c(o);
    QVERIFY(c.start().isOk());
    const std::string path = dir.filePath("fidelity.qlabrun").toStdString();
    const std::uint64_t seqBefore = c.recorder().lastEventSeq();
    auto rec = RunRecorder::start(c, path);
    QVERIFY2(rec, rec ? "" : rec.status().toString().c_str());
    QTRY_VERIFY_WITH_TIMEOUT(c.leader() != kNoNode, 10000);
    LoadOptions lo;
    lo.clients = 3;
    lo.rate = 300;
    c.load().start(lo);

    std::vector<Sample> samples;
    auto sampleFor = [&](int ms) {
      QElapsedTimer t;
      t.start();
      while (t.elapsed() < ms) {
        QTest::qWait(37);
        if (auto s = capture(c)) samples.push_back(std::move(*s));
      }
    };
    sampleFor(1200);
    const NodeId old = c.leader();
    c.kill(old);  // power loss
    QTRY_VERIFY_WITH_TIMEOUT(c.leader() != kNoNode && c.leader() != old, 10000);
    sampleFor(600);
    QVERIFY(c.restart(old).isOk());
    const NodeId f = old == 1 ? 2 : 1;
    c.pause(f);
    sampleFor(500);
    c.resume(f);
    c.setFlushPolicy(f, {wal::FlushMode::kDelayed, 300});
    c.partition({{1}, {2, 3}});
    sampleFor(700);
    const std::int64_t cutSeenUs = c.nowUs();
    c.heal();
    sampleFor(800);
    c.load().stop(3000);
    sampleFor(300);
    const std::uint64_t seqAtEnd = c.recorder().lastEventSeq();
    const auto liveOps = c.recorder().history();
    QVERIFY(rec->get()->stop().isOk());
    c.stop();

    auto r = RunReader::open(path);
    QVERIFY2(r, r ? "" : r.status().toString().c_str());
    RunReader& rd = **r;
    QVERIFY(rd.complete());
    QVERIFY(rd.damage().empty());
    // Enough moments to cover every phase (about 110 on an idle machine; 57 were seen with a
    // process cluster test running beside it on 2 cores): a floor, not a speed target.
    QVERIFY2(samples.size() >= 30, std::to_string(samples.size()).c_str());
    // Random order: seeks backwards and forwards, not only the reader's cheap forward steps.
    std::vector<std::size_t> order(samples.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = (i * 7919) % order.size();
    std::size_t compared = 0;
    for (std::size_t i : order) {
      const Sample& s = samples[i];
      RunState st = rd.stateAt(s.tUs);
      QCOMPARE(st.views.size(), s.views.size());
      for (std::size_t n = 0; n < s.views.size(); ++n) {
        const std::string d = testing::viewDifference(*st.views[n], *s.views[n]);
        QVERIFY2(d.empty(), ("t=" + std::to_string(s.tUs) + " us, node " + std::to_string(n + 1) + ": " + d).c_str());
        ++compared;
      }
      QCOMPARE(st.leader(), leaderOf(s.views));
    }
    qInfo("compared %zu pictures at %zu moments", compared, samples.size());
    // The partition is in the replayed state while it was in force.
    RunState cut = rd.stateAt(cutSeenUs);
    QVERIFY(cut.cluster.links[0 * 3 + 1].cut);  // 1 -> 2
    QVERIFY(!cut.cluster.links[1 * 3 + 2].cut); // 2 -> 3
    QVERIFY(!rd.stateAt(rd.endUs()).cluster.links[1].cut);
    // Every event and operation is in the file.
    const auto events = rd.eventsUpTo(0, rd.endUs() + 1'000'000, 10'000'000);
    // From the first one recorded after the recording began, none missing, none twice.
    QVERIFY(!events.empty());
    QVERIFY(events.front().seq <= seqBefore + 1);
    QVERIFY(events.back().seq >= seqAtEnd);
    for (std::size_t i = 1; i < events.size(); ++i) QCOMPARE(events[i].seq, events[i - 1].seq + 1);
    const auto ops = rd.operationsUpTo(-1, rd.endUs() + 10'000'000);
    QCOMPARE(ops.size(), liveOps.size());
    // The faults are markers on the time bar.
    int kills = 0, elections = 0;
    for (const auto& m : rd.markers()) {
      kills += m.kind == node::EventKind::kKill;
      elections += m.kind == node::EventKind::kElected;
    }
    QVERIFY(kills >= 1);
    QVERIFY(elections >= 2);
  }
};

QTEST_GUILESS_MAIN(RunFidelityTest)
#include "test_run_fidelity.moc"
