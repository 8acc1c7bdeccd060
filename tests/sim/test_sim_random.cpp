// Seeded random simulation: each configuration runs QLAB_SIM_SEEDS seeds (default 500) of
// crashes, torn writes, pauses, partitions, lossy links, policy and quorum changes under
// client load. A failing seed is printed with a trace; QLAB_SIM_SEED=<n> replays one seed.
#include <QtTest>

#include <chrono>
#include <cstdlib>

#include "sim_world.h"

using namespace qlab;
using namespace qlab::sim;

namespace {

int seedCount() {
  const char* v = std::getenv("QLAB_SIM_SEEDS");
  int n = v ? std::atoi(v) : 500;
  return n > 0 ? n : 500;
}

std::uint64_t firstSeed(std::uint64_t base) {
  const char* v = std::getenv("QLAB_SIM_SEED_BASE");
  return v ? std::strtoull(v, nullptr, 10) : base;
}

struct Totals {
  std::uint64_t acked = 0, reads = 0, lost = 0, runsWithLoss = 0, crashes = 0, leaderChanges = 0,
                snapshots = 0, truncations = 0, segmentsDeleted = 0, duplicates = 0, events = 0;
};

// Runs the seeds; returns a message for the first broken promise (with seed and trace).
std::string runSeedsOrError(SimConfig base, std::uint64_t seedBase, Totals& t) {
  std::vector<std::uint64_t> seeds;
  if (const char* one = std::getenv("QLAB_SIM_SEED")) {
    seeds.push_back(std::strtoull(one, nullptr, 10));
  } else {
    std::uint64_t first = firstSeed(seedBase);
    for (int i = 0; i < seedCount(); ++i) seeds.push_back(first + static_cast<std::uint64_t>(i));
  }
  auto start = std::chrono::steady_clock::now();
  for (std::uint64_t seed : seeds) {
    SimConfig c = base;
    c.seed = seed;
    SimWorld world(c);
    SimResult r = world.run();
    if (!r.ok) {
      std::string msg = "seed " + std::to_string(seed) + " failed (" + c.describe() +
                        "); replay with QLAB_SIM_SEED=" + std::to_string(seed) + "\n";
      for (const auto& v : r.violations) msg += "  violation: " + v + "\n";
      msg += "last events:\n" + r.trace;
      return msg;
    }
    // The loss report must be exact: the checker and the oracle agree write for write.
    if (r.lost.size() != r.lostByOracle.size()) {
      return "seed " + std::to_string(seed) + ": lost-write report (" + std::to_string(r.lost.size()) +
             ") differs from the oracle (" + std::to_string(r.lostByOracle.size()) + ")";
    }
    for (std::size_t i = 0; i < r.lost.size(); ++i) {
      if (r.lost[i].client != r.lostByOracle[i].client || r.lost[i].seq != r.lostByOracle[i].seq)
        return "seed " + std::to_string(seed) + ": lost-write report differs from the oracle";
    }
    t.acked += r.ackedWrites;
    t.reads += r.okReads;
    t.lost += r.lost.size();
    t.runsWithLoss += r.lost.empty() ? 0 : 1;
    t.crashes += static_cast<std::uint64_t>(r.crashes);
    t.leaderChanges += static_cast<std::uint64_t>(r.leaderChanges);
    t.snapshots += static_cast<std::uint64_t>(r.snapshotsInstalled);
    t.truncations += static_cast<std::uint64_t>(r.truncations);
    t.segmentsDeleted += static_cast<std::uint64_t>(r.segmentsDeleted);
    t.duplicates += static_cast<std::uint64_t>(r.duplicatesIgnored);
    t.events += r.events;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  qInfo("%zu seeds in %.1f s: %llu acked writes, %llu reads, %llu crashes, %llu elections, "
        "%llu snapshot installs, %llu truncations, %llu segments deleted, %llu duplicates ignored, "
        "%llu lost acked writes in %llu runs, %llu events",
        seeds.size(), secs, (unsigned long long)t.acked, (unsigned long long)t.reads,
        (unsigned long long)t.crashes, (unsigned long long)t.leaderChanges,
        (unsigned long long)t.snapshots, (unsigned long long)t.truncations,
        (unsigned long long)t.segmentsDeleted, (unsigned long long)t.duplicates,
        (unsigned long long)t.lost, (unsigned long long)t.runsWithLoss, (unsigned long long)t.events);
  return {};
}

#define RUN_SEEDS(config, base, totals)                          \
  do {                                                           \
    std::string err_ = runSeedsOrError(config, base, totals);    \
    if (!err_.empty()) QFAIL(err_.c_str());                      \
  } while (0)

}  // namespace

class SimRandomTest : public QObject {
  Q_OBJECT
 private slots:
  void threeNodesAlwaysFlushKeepsEveryPromise() {
    SimConfig c;
    c.nodes = 3;
    c.policy = wal::FlushMode::kAlways;
    Totals t;
    RUN_SEEDS(c, 1000, t);
    QVERIFY(t.acked > 0);
    QCOMPARE(t.lost, std::uint64_t(0));
    QVERIFY(t.crashes > 0 && t.snapshots > 0 && t.truncations > 0);
  }

  void fiveNodesGroupCommitKeepsEveryPromise() {
    SimConfig c;
    c.nodes = 5;
    c.policy = wal::FlushMode::kGroup;
    Totals t;
    RUN_SEEDS(c, 2000, t);
    QVERIFY(t.acked > 0);
    QCOMPARE(t.lost, std::uint64_t(0));
  }

  void delayedFlushLossesAreReportedExactly() {
    SimConfig c;
    c.nodes = 3;
    c.policy = wal::FlushMode::kDelayed;
    c.delayMs = 60;
    Totals t;
    RUN_SEEDS(c, 3000, t);
    QVERIFY(t.acked > 0);
    // Losses are the point of this lesson: over many seeds some must happen.
    if (seedCount() >= 100) QVERIFY2(t.runsWithLoss > 0, "delayed flush never lost an acknowledged write");
  }

  void writeQuorumOfOneLossesAreReportedExactly() {
    SimConfig c;
    c.nodes = 5;
    c.policy = wal::FlushMode::kAlways;
    c.writeQuorum = 1;
    Totals t;
    RUN_SEEDS(c, 4000, t);
    QVERIFY(t.acked > 0);
    if (seedCount() >= 100) QVERIFY2(t.runsWithLoss > 0, "W=1 never lost an acknowledged write");
  }

  void changingWriteQuorumStaysConsistentAndConverges() {
    SimConfig c;
    c.nodes = 5;
    c.policy = wal::FlushMode::kGroup;
    c.changeQuorum = true;
    Totals t;
    RUN_SEEDS(c, 5000, t);
    QVERIFY(t.acked > 0);
  }

  void fsyncErrorsFailTheNodeAndLoseNothing() {
    SimConfig c;
    c.nodes = 3;
    c.policy = wal::FlushMode::kAlways;
    c.fsyncErrorRate = 0.5;
    Totals t;
    RUN_SEEDS(c, 6000, t);
    QCOMPARE(t.lost, std::uint64_t(0));
  }
};

QTEST_APPLESS_MAIN(SimRandomTest)
#include "test_sim_random.moc"
