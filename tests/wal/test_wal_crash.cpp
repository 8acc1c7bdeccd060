// Power loss at random and at every single mutating operation, over FaultFileSystem on
// MemFileSystem. After each crash the log must reopen, keep every record up to the durable
// end it reported (with identical content), invent nothing (every surviving record was
// appended at that index; above the durable end they are a prefix of what was appended),
// and accept appends. A failure prints the seed; QLAB_CRASH_SEED=<seed> QLAB_CRASH_POINTS=1
// replays it.
#include "wal_test_util.h"

#include <map>

#include "core/wal/atomic_file.h"

using namespace qlab;
using namespace qlab::wal;
using namespace qlab::wal::test;

namespace {

const std::string kDir = "node/wal";
const std::string kMeta = "node/meta";

std::uint64_t envNumber(const char* name, std::uint64_t fallback) {
  const QByteArray v = qgetenv(name);
  bool ok = false;
  const qulonglong n = v.toULongLong(&ok, 0);
  return ok ? n : fallback;
}

const char* modeName(PowerLossMode m) {
  switch (m) {
    case PowerLossMode::kDropUnsynced: return "drop";
    case PowerLossMode::kTornWrite: return "torn";
    case PowerLossMode::kZeroedTail: return "zeroed";
  }
  return "?";
}

// What the test knows about the log, and the rules a recovered log must satisfy.
struct Model {
  std::map<Index, std::vector<Entry>> ever;  // every entry appended at each index since the last recovery
  std::map<Index, Entry> current;            // the log as its owner sees it
  Index durable = 0;                         // the durable end the log reported
  Index floor = 0;                           // indexes <= floor may be gone (LWM, reset)
  Index startIndex = 1;                      // what an empty directory starts at

  void appended(const Entry& e) {
    ever[e.index].push_back(e);
    current[e.index] = e;
  }
  void truncatedAfter(Index k) {
    durable = std::min(durable, k);
    current.erase(current.upper_bound(k), current.end());
  }

  // Empty when the recovered log obeys the rules; otherwise what is wrong.
  std::string check(const SegmentedLog& log) const {
    const Index first = log.firstIndex();
    const Index last = log.lastIndex();
    if (durable > floor && (last < durable || first > floor + 1)) {
      return "lost durable records: log holds " + std::to_string(first) + ".." + std::to_string(last) +
             ", durable end was " + std::to_string(durable) + " (floor " + std::to_string(floor) + ")";
    }
    if (first > floor + 1 && first > startIndex && !ever.empty() && first <= ever.begin()->first) {
      return "first index " + std::to_string(first) + " beyond what was allowed";
    }
    std::vector<Entry> all;
    if (last >= first) {
      Status s = log.read(first, last, SIZE_MAX, &all);
      if (!s.isOk()) return "read failed: " + s.toString();
    }
    if (all.size() != last - first + 1 && last >= first) return "read returned a short range";
    for (const Entry& e : all) {
      const auto gen = log.generationAt(e.index);
      if (!gen || *gen != e.generation) return "generationAt(" + std::to_string(e.index) + ") disagrees";
      if (e.index > floor && e.index <= durable) {
        auto it = current.find(e.index);
        if (it == current.end() || !(it->second == e)) {
          return "durable record " + std::to_string(e.index) + " changed";
        }
        continue;
      }
      auto it = ever.find(e.index);
      bool known = false;
      if (it != ever.end()) {
        for (const Entry& a : it->second) known = known || a == e;
      }
      if (!known) return "record " + std::to_string(e.index) + " was never appended at that index";
    }
    return {};
  }

  // After a successful recovery the disk is the truth: nothing else can come back.
  void recovered(const SegmentedLog& log) {
    ever.clear();
    current.clear();
    for (const Entry& e : readAll(log)) {
      ever[e.index].push_back(e);
      current[e.index] = e;
    }
    durable = log.lastIndex();
    floor = log.firstIndex() - 1;
    startIndex = log.firstIndex();
  }
};

// Drives a log and keeps the model in step. Every operation returns false once the log
// failed (after a crash), and sets `error` if it failed without one.
struct Driver {
  FaultFileSystem& fs;
  LogOptions options;
  Model model;
  std::unique_ptr<SegmentedLog> log;
  Generation gen = 1;
  std::string error;
  std::uint64_t tornTails = 0;
  std::uint64_t halfCreated = 0;

  bool failed(const Status& s, const char* what) {
    if (fs.powerLosses() == 0 || s.code() == Status::Code::kInvalidArgument) {
      error = std::string(what) + " failed without a crash: " + s.toString();
    }
    return false;
  }
  bool open() {
    RecoveryReport rep;
    auto r = SegmentedLog::open(fs, kDir, options, &rep, model.startIndex);
    if (!r.isOk()) {
      if (r.status().code() == Status::Code::kAborted) return failed(r.status(), "open");
      error = "reopen failed: " + r.status().toString();
      return false;
    }
    if (rep.truncatedTornTail) ++tornTails;
    halfCreated += rep.notes.size();
    log = std::move(r).value();
    std::string bad = model.check(*log);
    if (!bad.empty()) {
      error = bad;
      return false;
    }
    model.recovered(*log);
    log->setDurableListener([this](Index d) { model.durable = d; });
    return true;
  }
  bool append(int n, std::size_t maxPayload, Random& rng) {
    std::vector<Entry> batch;
    for (int k = 0; k < n; ++k) {
      Entry e = entryFor(log->lastIndex() + 1 + static_cast<Index>(k), gen,
                         static_cast<std::size_t>(rng.uniform(maxPayload + 1)), rng.next());
      batch.push_back(std::move(e));
    }
    for (const Entry& e : batch) model.appended(e);  // appended before any inline flush reports
    Status s = log->append(batch);
    return s.isOk() || failed(s, "append");
  }
  bool flush() {
    Result<Index> r = log->flush();
    if (!r.isOk()) return failed(r.status(), "flush");
    if (*r != model.durable) error = "flush returned " + std::to_string(*r) + " but the listener said " + std::to_string(model.durable);
    return error.empty();
  }
  bool truncateAfter(Index k) {
    model.truncatedAfter(k);
    Status s = log->truncateAfter(k);
    return s.isOk() || failed(s, "truncateAfter");
  }
  bool removeBefore(Index lwm) {
    model.floor = std::max(model.floor, lwm - 1);
    Result<int> r = log->removeBefore(lwm);
    return r.isOk() || failed(r.status(), "removeBefore");
  }
  bool resetTo(Index next) {
    model.floor = std::max(model.floor, next - 1);
    model.startIndex = next;
    model.current.clear();
    model.durable = std::min(model.durable, next - 1);
    Status s = log->resetTo(next);
    if (!s.isOk()) return failed(s, "resetTo");
    model.durable = next - 1;
    return true;
  }
};

// A random mix of operations until the log dies or the budget runs out.
bool randomWorkload(Driver& d, Random& rng, int ops) {
  for (int i = 0; i < ops; ++i) {
    const std::uint64_t pick = rng.uniform(100);
    if (rng.chance(0.05)) ++d.gen;
    bool ok;
    if (pick < 50) {
      ok = d.append(static_cast<int>(1 + rng.uniform(4)), 120, rng);
    } else if (pick < 75) {
      ok = d.flush();
    } else if (pick < 85) {
      const Index first = d.log->firstIndex();
      const Index last = d.log->lastIndex();
      ok = d.truncateAfter(first - 1 + rng.uniform(last - first + 2));
    } else if (pick < 97) {
      const Index first = d.log->firstIndex();
      ok = d.removeBefore(first + rng.uniform(std::max<Index>(d.log->durableEnd() + 2, first + 1) - first));
    } else {
      ok = d.resetTo(d.log->lastIndex() + 1 + rng.uniform(4));
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace

class WalCrashTest : public QObject {
  Q_OBJECT
 private slots:
  void randomCrashPointsNeverLoseDurableRecordsOrInventAny() {
    const std::uint64_t points = envNumber("QLAB_CRASH_POINTS", 2000);
    const std::uint64_t baseSeed = envNumber("QLAB_CRASH_SEED", 0x5eed0000);
    const std::uint64_t segmentSizes[] = {200, 512, 1024, 4096};
    const std::uint32_t sparseSteps[] = {1, 64, 4096};
    const PowerLossMode modes[] = {PowerLossMode::kDropUnsynced, PowerLossMode::kTornWrite,
                                   PowerLossMode::kZeroedTail};
    QElapsedTimer timer;
    timer.start();
    std::uint64_t crashes = 0, hooked = 0, torn = 0, halfCreated = 0, records = 0;
    for (std::uint64_t n = 0; n < points; ++n) {
      const std::uint64_t seed = baseSeed + n;
      Random rng(seed);
      MemFileSystem mem;
      FaultFileSystem fs(mem, seed);
      Driver d{fs, {}, {}, nullptr, 1, {}, 0, 0};
      d.options.segmentBytes = segmentSizes[rng.uniform(4)];
      d.options.sparseIndexEveryBytes = sparseSteps[rng.uniform(3)];
      d.options.bufferCapBytes = rng.chance(0.3) ? 300 : (1 << 20);
      std::string where;
      for (int cycle = 0; cycle < 3 && d.error.empty(); ++cycle) {
        if (!d.open()) break;
        const PowerLossMode mode = modes[rng.uniform(3)];
        const std::uint64_t crashAt = rng.uniform(200);
        std::uint64_t count = 0;
        fs.setCrashMode(mode);
        fs.setCrashPoint([&](const std::string& op) {
          if (count++ != crashAt) return false;
          where = op;
          return true;
        });
        where = "(none: power lost after the workload)";
        randomWorkload(d, rng, 80);
        fs.setCrashPoint(nullptr);
        if (!d.error.empty()) break;
        if (count <= crashAt) {
          fs.powerLoss(mode);  // the workload ended first: crash now
        } else {
          ++hooked;
        }
        ++crashes;
        d.log.reset();
      }
      if (d.error.empty() && d.open()) {
        Random tail(seed ^ 1);
        if (d.append(3, 50, tail) && d.flush()) {
          d.log.reset();
          d.open();
        } else if (d.error.empty()) {
          d.error = "the reopened log refused appends: " + d.log->health().toString();
        }
      }
      torn += d.tornTails;
      halfCreated += d.halfCreated;
      if (d.log) records += d.log->lastIndex() + 1 - d.log->firstIndex();
      if (!d.error.empty()) {
        QFAIL(qPrintable(QString("seed 0x%1 (QLAB_CRASH_SEED=0x%1 QLAB_CRASH_POINTS=1), last crash before '%2': %3")
                             .arg(seed, 0, 16)
                             .arg(QString::fromStdString(where))
                             .arg(QString::fromStdString(d.error))));
      }
    }
    qInfo("%llu crash points: %llu power losses (%llu at a hooked operation), %llu torn tails cut, "
          "%llu half-created segments removed, %llu records checked at the end, %lld ms",
          static_cast<unsigned long long>(points), static_cast<unsigned long long>(crashes),
          static_cast<unsigned long long>(hooked), static_cast<unsigned long long>(torn),
          static_cast<unsigned long long>(halfCreated), static_cast<unsigned long long>(records),
          static_cast<long long>(timer.elapsed()));
  }

  // A scripted life of a log: rolls, LWM cleanup, truncation across segments, reset after
  // a snapshot, and the node's meta file; power fails before each mutating operation in
  // turn, in each mode.
  void crashAtEveryOperationAroundRollsCleanupTruncationAndReset() {
    auto scenario = [](Driver& d, FaultFileSystem& fs) -> bool {
      Random rng(3);
      if (!d.open()) return false;
      if (!writeFileAtomically(fs, kMeta, "generation=1").isOk()) return false;
      for (Index i = 0; i < 5; ++i) {
        if (!d.append(4, 60, rng)) return false;
      }
      if (!d.flush()) return false;
      for (Index i = 0; i < 4; ++i) {
        if (!d.append(4, 60, rng)) return false;
      }
      if (!d.flush()) return false;
      if (!d.removeBefore(15)) return false;
      if (!d.truncateAfter(25)) return false;
      d.gen = 2;
      if (!writeFileAtomically(fs, kMeta, "generation=2").isOk()) return false;
      for (Index i = 0; i < 4; ++i) {
        if (!d.append(4, 60, rng)) return false;
      }
      if (!d.flush()) return false;
      if (!d.resetTo(60)) return false;
      if (!d.append(6, 60, rng) || !d.flush()) return false;
      return d.error.empty();
    };
    auto makeDriver = [](FaultFileSystem& fs) {
      Driver d{fs, {}, {}, nullptr, 1, {}, 0, 0};
      d.options.segmentBytes = 400;
      d.options.sparseIndexEveryBytes = 100;
      return d;
    };
    // Count the operations of a run without a crash.
    std::uint64_t total = 0;
    std::vector<std::string> opNames;
    {
      MemFileSystem mem;
      FaultFileSystem fs(mem, 1);
      QLAB_VERIFY_OK(fs.createDirs("node"));
      fs.setCrashPoint([&](const std::string& op) {
        ++total;
        opNames.push_back(op);
        return false;
      });
      Driver d = makeDriver(fs);
      QVERIFY2(scenario(d, fs), d.error.c_str());
    }
    QVERIFY(total > 50);
    for (PowerLossMode mode : {PowerLossMode::kDropUnsynced, PowerLossMode::kTornWrite,
                               PowerLossMode::kZeroedTail}) {
      for (std::uint64_t k = 0; k < total; ++k) {
        MemFileSystem mem;
        FaultFileSystem fs(mem, k);
        QLAB_VERIFY_OK(fs.createDirs("node"));
        std::uint64_t count = 0;
        fs.setCrashMode(mode);
        fs.setCrashPoint([&](const std::string&) { return count++ == k; });
        Driver d = makeDriver(fs);
        const bool finished = scenario(d, fs);
        fs.setCrashPoint(nullptr);
        const QString where = QString("mode %1, crash before op %2 '%3'")
                                  .arg(modeName(mode)).arg(k).arg(QString::fromStdString(opNames[k]));
        QVERIFY2(!finished && d.error.empty(), qPrintable(where + ": " + QString::fromStdString(d.error)));
        d.log.reset();
        QVERIFY2(d.open(), qPrintable(where + ": " + QString::fromStdString(d.error)));
        Random rng(k);
        QVERIFY2(d.append(2, 30, rng) && d.flush(), qPrintable(where + ": " + QString::fromStdString(d.error)));
        d.log.reset();
        QVERIFY2(d.open(), qPrintable(where + ": " + QString::fromStdString(d.error)));
        Result<std::string> meta = readAtomicFile(fs, kMeta);
        QVERIFY2(meta.isOk() || meta.status().code() == Status::Code::kNotFound,
                 qPrintable(where + ": meta " + QString::fromStdString(meta.status().toString())));
        if (meta.isOk()) QVERIFY(*meta == "generation=1" || *meta == "generation=2");
      }
    }
    qInfo("%llu operations x 3 modes", static_cast<unsigned long long>(total));
  }
};

QTEST_APPLESS_MAIN(WalCrashTest)
#include "test_wal_crash.moc"
