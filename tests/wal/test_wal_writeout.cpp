// writeOut: records handed to the OS without fdatasync. A process crash (simulateCrash, or
// the object dropped) keeps them; a power loss (simulatePowerLoss, or FaultFileSystem's)
// takes them away again, down to what was synced. flush() after writeOut syncs them; a
// segment the log rolls past is synced before the next file is created.
#include "wal_test_util.h"

#include <QTemporaryDir>

#include <atomic>
#include <mutex>
#include <thread>
#include <utility>

#include "core/wal/log_verifier.h"

using namespace qlab;
using namespace qlab::wal;
using namespace qlab::wal::test;

namespace {

const std::string kDir = "wal";

// Every entry of the log equals entryFor(i, 1, bytes).
bool entriesIntact(const SegmentedLog& log, std::size_t bytes) {
  std::vector<Entry> all = readAll(log);
  if (all.size() != log.lastIndex() - log.firstIndex() + 1) return false;
  for (const Entry& e : all) {
    if (!(e == entryFor(e.index, 1, bytes))) return false;
  }
  return true;
}

// Brings an empty log to: [1, synced] flushed, (synced, written] written out, (written, last]
// buffered; entryFor(i, 1, bytes) each.
Status stage(SegmentedLog& log, Index synced, Index written, Index last, std::size_t bytes = 20) {
  QLAB_RETURN_IF_ERROR(appendRange(log, 1, synced, 1, bytes));
  QLAB_RETURN_IF_ERROR(log.flush().status());
  QLAB_RETURN_IF_ERROR(appendRange(log, synced + 1, written, 1, bytes));
  QLAB_RETURN_IF_ERROR(log.writeOut().status());
  return appendRange(log, written + 1, last, 1, bytes);
}

// A FaultFileSystem over memory that records every mutating operation in order.
struct RecordingFs {
  MemFileSystem mem;
  FaultFileSystem fs{mem, 1};
  std::mutex mu;
  std::vector<std::string> ops;

  RecordingFs() {
    fs.setCrashPoint([this](const std::string& op) {
      std::lock_guard lk(mu);
      ops.push_back(op);
      return false;
    });
  }
  std::vector<std::string> take() {
    std::lock_guard lk(mu);
    return std::exchange(ops, {});
  }
};

std::size_t countOps(const std::vector<std::string>& ops, const std::string& op) {
  return static_cast<std::size_t>(std::count(ops.begin(), ops.end(), op));
}

// For each "create <segment>" in `ops` but the first log's, the segment before it (by name)
// got no append after its last sync: it was fully synced when the next one was created.
void checkSealedSyncedBeforeCreate(const std::vector<std::string>& ops, int* creates) {
  std::string lastAppended;  // segment path with an append not yet followed by its sync
  for (const std::string& op : ops) {
    if (op.rfind("append ", 0) == 0) {
      lastAppended = op.substr(7);
    } else if (op.rfind("sync ", 0) == 0 && op.substr(5) == lastAppended) {
      lastAppended.clear();
    } else if (op.rfind("create ", 0) == 0) {
      QVERIFY2(lastAppended.empty() || lastAppended == op.substr(7),
               qPrintable(QString::fromStdString("created " + op.substr(7) + " while " +
                                                 lastAppended + " had unsynced bytes")));
      ++*creates;
    }
  }
}

}  // namespace

class WalWriteOutTest : public QObject {
  Q_OBJECT
 private slots:
  // --- what writeOut does and does not do ---
  void writeOutPutsTheBufferInTheFileWithoutMovingDurableEnd() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::string dir = tmp.path().toStdString() + "/wal";
    FileSystem& fs = posixFileSystem();
    auto log = mustOpen(fs, dir);
    QVERIFY(log);
    QLAB_VERIFY_OK(appendRange(*log, 1, 10));
    QLAB_VERIFY_OK(log->flush());
    const std::uint64_t flushes = log->flushCount();
    const std::uint64_t fileBefore = *fs.fileSize(joinPath(dir, segmentFileName(1)));
    QLAB_VERIFY_OK(appendRange(*log, 11, 30));
    const std::uint64_t buffered = log->bufferedBytes();
    QVERIFY(buffered > 0);
    Result<Index> w = log->writeOut();
    QLAB_VERIFY_OK(w);
    QCOMPARE(*w, Index{30});
    QCOMPARE(log->writtenEnd(), Index{30});
    QCOMPARE(log->durableEnd(), Index{10});
    QCOMPARE(log->bufferedBytes(), 0ull);
    QCOMPARE(log->flushCount(), flushes);  // not a flush round
    // The bytes are in the file (the OS has them), the segment says which are synced.
    QCOMPARE(*fs.fileSize(joinPath(dir, segmentFileName(1))), fileBefore + buffered);
    const SegmentInfo seg = log->segments().back();
    QCOMPARE(seg.writtenBytes, fileBefore + buffered);
    QCOMPARE(seg.durableBytes, fileBefore);
    QCOMPARE(seg.bytes, seg.writtenBytes);
    // Reads of written-out records come from the file.
    for (Index i = 1; i <= 30; ++i) QVERIFY(*log->read(i) == entryFor(i));
    // Nothing buffered: writeOut is a no-op that reports the written end.
    QCOMPARE(*log->writeOut(), Index{30});
    QCOMPARE(log->durableEnd(), Index{10});
  }

  void writeOutOnADeadLogFails() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    QLAB_VERIFY_OK(appendRange(*log, 1, 3));
    log->simulateCrash();
    QCOMPARE(log->writeOut().status().code(), Status::Code::kFailed);
    QCOMPARE(log->flush().status().code(), Status::Code::kFailed);
    QCOMPARE(log->health().code(), Status::Code::kFailed);
    QVERIFY(log->health().message().find("process crash") != std::string::npos);
  }

  // --- process crash versus power loss (the real disk) ---
  void crashKeepsEveryWrittenOutEntry() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString() + "/wal";
    FileSystem& fs = posixFileSystem();
    {
      auto log = mustOpen(fs, dir, smallSegments(2048, 256));
      QVERIFY(log);
      QLAB_VERIFY_OK(stage(*log, 10, 25, 30, 40));  // 26..30 only in the buffer
      QCOMPARE(log->writtenEnd(), Index{25});
      QCOMPARE(log->durableEnd(), Index{10});  // writeOut did not sync
      log->simulateCrash();
      QCOMPARE(log->health().code(), Status::Code::kFailed);
      QCOMPARE(log->append(entryFor(31, 1, 40)).code(), Status::Code::kFailed);
    }
    RecoveryReport rep;
    auto log = mustOpen(fs, dir, smallSegments(2048, 256), &rep);
    QVERIFY(log);
    QCOMPARE(log->lastIndex(), Index{25});  // written out: kept; buffered: lost
    QVERIFY(!rep.truncatedTornTail);
    QVERIFY(entriesIntact(*log, 40));
    QCOMPARE(log->durableEnd(), Index{25});  // recovery syncs what it found
  }

  void powerLossAfterWriteOutKeepsExactlyTheSyncedPrefix_data() {
    QTest::addColumn<int>("segmentBytes");
    QTest::newRow("one segment") << (64 << 10);
    QTest::newRow("writeOut rolls segments") << 1024;
  }
  void powerLossAfterWriteOutKeepsExactlyTheSyncedPrefix() {
    QFETCH(int, segmentBytes);
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString() + "/wal";
    FileSystem& fs = posixFileSystem();
    const LogOptions o = smallSegments(static_cast<std::uint64_t>(segmentBytes), 128);
    Index synced = 0;
    {
      auto log = mustOpen(fs, dir, o);
      QVERIFY(log);
      QLAB_VERIFY_OK(stage(*log, 10, 60, 60, 40));
      QCOMPARE(log->writtenEnd(), Index{60});
      synced = log->durableEnd();
      if (log->segments().size() == 1) {
        QCOMPARE(synced, Index{10});
      } else {
        // The segments rolled past were synced, nothing after them.
        const std::vector<SegmentInfo> segs = log->segments();
        QCOMPARE(synced, segs[segs.size() - 2].lastIndex);
        QVERIFY(segs.back().durableBytes < segs.back().writtenBytes);
      }
      // Only in the buffer (with small segments, the written-out one is sealed by them).
      QLAB_VERIFY_OK(appendRange(*log, 61, 70, 1, 40));
      log->simulatePowerLoss(false, 7);
      QCOMPARE(log->health().code(), Status::Code::kFailed);
    }
    RecoveryReport rep;
    auto log = mustOpen(fs, dir, o, &rep);
    QVERIFY(log);
    QCOMPARE(log->lastIndex(), synced);
    QVERIFY(!rep.truncatedTornTail);
    QVERIFY(entriesIntact(*log, 40));
  }

  void tornPowerLossAfterWriteOutCutsInsideTheUnsyncedBytes() {
    // Memory is enough here: simulatePowerLoss does the cutting itself. Enough seeds that a
    // cut on a record boundary (1 in ~90 for a uniform cut) would show up.
    constexpr int kSeeds = 300;
    int torn = 0;
    for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
      MemFileSystem fs;
      auto log = mustOpen(fs, kDir, smallSegments(1024));
      QLAB_VERIFY_OK(stage(*log, 5, 40, 45, 40));
      const Index durable = log->durableEnd();
      const Index written = log->writtenEnd();
      QVERIFY(durable >= 5 && durable < written && written == 40);
      log->simulatePowerLoss(true, seed);
      log.reset();
      RecoveryReport rep;
      log = mustOpen(fs, kDir, smallSegments(1024), &rep);
      QVERIFY(log);
      QVERIFY2(log->lastIndex() >= durable && log->lastIndex() < written,
               qPrintable(QString("seed %1: recovered %2, synced %3, written %4")
                              .arg(seed).arg(log->lastIndex()).arg(durable).arg(written)));
      QVERIFY(entriesIntact(*log, 40));
      torn += rep.truncatedTornTail ? 1 : 0;
      QLAB_VERIFY_OK(log->append(entryFor(log->lastIndex() + 1, 1, 40)));
    }
    QCOMPARE(torn, kSeeds);
  }

  void tornPowerLossOnARealDisk() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString() + "/wal";
    FileSystem& fs = posixFileSystem();
    {
      auto log = mustOpen(fs, dir);
      QLAB_VERIFY_OK(stage(*log, 10, 20, 20));
      log->simulatePowerLoss(true, 3);
    }
    RecoveryReport rep;
    auto log = mustOpen(fs, dir, {}, &rep);
    QVERIFY(log);
    QVERIFY(log->lastIndex() >= 10 && log->lastIndex() < 20);
    QVERIFY(rep.truncatedTornTail);
    QVERIFY(entriesIntact(*log, 20));
  }

  // A crash, then the power goes before the node restarts: the page cache is lost after all.
  void powerLossAfterACrashStillLosesTheUnsyncedBytes() {
    MemFileSystem fs;
    {
      auto log = mustOpen(fs, kDir);
      QLAB_VERIFY_OK(stage(*log, 8, 20, 20));
      log->simulateCrash();
      log->simulatePowerLoss(false, 1);
    }
    auto log = mustOpen(fs, kDir);
    QCOMPARE(log->lastIndex(), Index{8});
  }

  // --- flush after writeOut ---
  void flushAfterWriteOutSyncsAnEmptyBufferAndFiresTheListenerOnce() {
    RecordingFs r;
    auto log = mustOpen(r.fs, kDir);
    QVERIFY(log);
    std::vector<Index> heard;
    log->setDurableListener([&](Index d) { heard.push_back(d); });
    QLAB_VERIFY_OK(appendRange(*log, 1, 20));
    QCOMPARE(*log->writeOut(), Index{20});
    QCOMPARE(log->bufferedBytes(), 0ull);
    QVERIFY(heard.empty());
    std::atomic<bool> waited{false};
    std::thread waiter([&] { waited = log->waitDurable(20, 10'000).isOk(); });
    r.take();
    const std::uint64_t flushes = log->flushCount();
    Result<Index> d = log->flush();
    waiter.join();
    QVERIFY(waited.load());
    QLAB_VERIFY_OK(d);
    QCOMPARE(*d, Index{20});
    QCOMPARE(log->durableEnd(), Index{20});
    QCOMPARE(log->flushCount(), flushes + 1);
    QCOMPARE(heard, std::vector<Index>{20});
    const std::vector<std::string> ops = r.take();
    const std::string seg = joinPath(kDir, segmentFileName(1));
    QCOMPARE(countOps(ops, "sync " + seg), std::size_t{1});
    QCOMPARE(countOps(ops, "append " + seg), std::size_t{0});  // nothing left to write
    // Synced for real: a power loss of the file system keeps it all.
    QCOMPARE(*log->flush(), Index{20});  // nothing to do now: no sync, no listener
    QVERIFY(r.take().empty());
    QCOMPARE(heard.size(), std::size_t{1});
    log.reset();
    r.fs.powerLoss(PowerLossMode::kDropUnsynced);
    log = mustOpen(r.fs, kDir);
    QCOMPARE(log->lastIndex(), Index{20});
  }

  // The counterpart: without the flush, the file system's own power loss takes the written-out
  // records (so the test above proves the flush synced them).
  void fileSystemPowerLossTakesWrittenOutRecords() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto log = mustOpen(fs, kDir);
    QLAB_VERIFY_OK(stage(*log, 5, 20, 20));
    log.reset();
    fs.powerLoss(PowerLossMode::kDropUnsynced);
    log = mustOpen(fs, kDir);
    QCOMPARE(log->lastIndex(), Index{5});
  }

  void flushWithWrittenOutAndBufferedRecordsSyncsBoth() {
    RecordingFs r;
    auto log = mustOpen(r.fs, kDir, smallSegments(1024));
    r.take();  // the first segment's creation
    QLAB_VERIFY_OK(appendRange(*log, 1, 5, 1, 40));
    QLAB_VERIFY_OK(log->writeOut());
    QCOMPARE(log->segments().size(), std::size_t{1});
    QLAB_VERIFY_OK(appendRange(*log, 6, 60, 1, 40));  // rolls: the written-out segment is sealed
    QVERIFY(log->segments().size() >= 3);
    QCOMPARE(log->durableEnd(), Index{0});
    QCOMPARE(log->writtenEnd(), Index{5});
    Result<Index> d = log->flush();
    QLAB_VERIFY_OK(d);
    QCOMPARE(*d, Index{60});
    QCOMPARE(log->writtenEnd(), Index{60});
    int creates = 0;
    checkSealedSyncedBeforeCreate(r.take(), &creates);
    QCOMPARE(creates, static_cast<int>(log->segments().size()) - 1);
    for (const SegmentInfo& s : log->segments()) QCOMPARE(s.durableBytes, s.bytes);
    log.reset();
    r.fs.powerLoss(PowerLossMode::kDropUnsynced);
    log = mustOpen(r.fs, kDir, smallSegments(1024));
    QCOMPARE(log->lastIndex(), Index{60});
  }

  // --- segment rolls ---
  void rollDuringWriteOutSyncsEverySealedSegmentBeforeTheNext() {
    RecordingFs r;
    auto log = mustOpen(r.fs, kDir, smallSegments(1024));
    r.take();  // the first segment's creation
    std::vector<Index> heard;
    log->setDurableListener([&](Index d) { heard.push_back(d); });
    QLAB_VERIFY_OK(appendRange(*log, 1, 8, 1, 40));
    QLAB_VERIFY_OK(log->writeOut());  // the first segment: written, unsynced
    QLAB_VERIFY_OK(appendRange(*log, 9, 80, 1, 40));
    QCOMPARE(*log->writeOut(), Index{80});
    const std::vector<SegmentInfo> segs = log->segments();
    QVERIFY(segs.size() >= 4);
    int creates = 0;
    checkSealedSyncedBeforeCreate(r.take(), &creates);
    QCOMPARE(creates, static_cast<int>(segs.size()) - 1);
    for (std::size_t i = 0; i + 1 < segs.size(); ++i) {
      QVERIFY(segs[i].sealed);
      QCOMPARE(segs[i].durableBytes, segs[i].bytes);
      QCOMPARE(segs[i].writtenBytes, segs[i].bytes);
    }
    QVERIFY(segs.back().durableBytes < segs.back().writtenBytes);
    QCOMPARE(log->durableEnd(), segs[segs.size() - 2].lastIndex);
    QCOMPARE(heard, std::vector<Index>{segs[segs.size() - 2].lastIndex});
    // The file system loses power with a torn write: the sealed segments are whole (recovery
    // would refuse a damaged sealed segment), the active one is cut back.
    log.reset();
    r.fs.powerLoss(PowerLossMode::kTornWrite);
    RecoveryReport rep;
    log = mustOpen(r.fs, kDir, smallSegments(1024), &rep);
    QVERIFY(log);
    QVERIFY(log->lastIndex() >= segs[segs.size() - 2].lastIndex && log->lastIndex() <= 80);
    QVERIFY(entriesIntact(*log, 40));
  }

  // --- truncation and errors ---
  void truncateIntoWrittenOutRecords() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    QLAB_VERIFY_OK(stage(*log, 10, 30, 40));
    // A cut in the buffer leaves the written-out bytes unsynced.
    QLAB_VERIFY_OK(log->truncateAfter(35));
    QCOMPARE(log->durableEnd(), Index{10});
    QCOMPARE(log->writtenEnd(), Index{30});
    // A cut in the file is ftruncate + sync: what stays is durable.
    QLAB_VERIFY_OK(log->truncateAfter(20));
    QCOMPARE(log->lastIndex(), Index{20});
    QCOMPARE(log->writtenEnd(), Index{20});
    QCOMPARE(log->durableEnd(), Index{20});
    QLAB_VERIFY_OK(log->waitDurable(20, 0));
    QCOMPARE(*log->flush(), Index{20});
    log->simulatePowerLoss(false, 1);
    log.reset();
    log = mustOpen(fs, kDir);
    QCOMPARE(log->lastIndex(), Index{20});
    QVERIFY(entriesIntact(*log, 20));
  }

  void writeOutOnAFullDiskKeepsTheBufferForARetry() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto log = mustOpen(fs, kDir);
    QLAB_VERIFY_OK(appendRange(*log, 1, 10));
    QLAB_VERIFY_OK(log->flush());
    QLAB_VERIFY_OK(appendRange(*log, 11, 20));
    const std::uint64_t buffered = log->bufferedBytes();
    fs.failNextAppends(1);
    Result<Index> w = log->writeOut();
    QCOMPARE(w.status().code(), Status::Code::kNoSpace);
    QCOMPARE(log->bufferedBytes(), buffered);
    QCOMPARE(log->writtenEnd(), Index{10});
    QLAB_VERIFY_OK(log->health());
    QCOMPARE(*log->writeOut(), Index{20});
    QCOMPARE(*log->flush(), Index{20});
  }

  // A round that fails on a full disk puts its batch back in front of what was appended
  // meanwhile, counted once (it was counted twice: bufferedBytes() grew by the late appends).
  void failedRoundCountsTheBufferOnce() {
    RecordingFs r;
    auto log = mustOpen(r.fs, kDir);
    QLAB_VERIFY_OK(appendRange(*log, 1, 10));
    std::atomic<bool> injected{false};
    r.fs.setCrashPoint([&](const std::string& op) {
      if (op.rfind("append ", 0) == 0 && !injected.exchange(true)) {
        // The round is writing with the log's lock released: append behind it, then fail it.
        (void)log->append(entryFor(11));
        r.fs.failNextAppends(1);
      }
      return false;
    });
    QCOMPARE(log->flush().status().code(), Status::Code::kNoSpace);
    QVERIFY(injected.load());
    QCOMPARE(log->lastIndex(), Index{11});
    QCOMPARE(log->bufferedBytes(), std::uint64_t{11 * format::recordBytes(entryFor(1).payload.size())});
    r.fs.setCrashPoint(nullptr);
    QCOMPARE(*log->flush(), Index{11});
    QCOMPARE(log->bufferedBytes(), 0ull);
    QVERIFY(entriesIntact(*log, 20));
  }

  // --- threads ---
  void concurrentAppendersWriteOutAndFlushLeaveAValidLog() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    FaultConfig c;
    c.latencyUs = 100;  // syncs take a while, so rounds overlap with appends
    fs.setConfig(c);
    const LogOptions o = smallSegments(4096, 512);
    auto log = mustOpen(fs, kDir, o);
    constexpr Index kCount = 3000;
    std::mutex appendMu;  // indexes must arrive in order: two appenders take turns
    Index next = 1;
    std::atomic<int> appendersLeft{2};
    std::atomic<bool> bad{false};
    std::mutex heardMu;
    std::vector<Index> heard;
    log->setDurableListener([&](Index d) {
      std::lock_guard lk(heardMu);
      heard.push_back(d);
    });
    std::atomic<int> writeOuts{0};
    std::atomic<int> flushes{0};
    auto appender = [&] {
      for (;;) {
        std::lock_guard lk(appendMu);
        if (next > kCount) break;
        if (!log->append(entryFor(next, 1, 60)).isOk()) bad = true;
        ++next;
        if (next % 200 == 0) {
          // However the threads are scheduled, rounds of both kinds run during the appends.
          const int w0 = writeOuts.load();
          const int f0 = flushes.load();
          while ((writeOuts.load() == w0 || flushes.load() == f0) && !bad.load()) std::this_thread::yield();
        }
      }
      --appendersLeft;
    };
    std::thread w([&] {
      while (appendersLeft.load() > 0) {
        Result<Index> r = log->writeOut();
        if (!r.isOk()) bad = true;
        // The ends never pass each other.
        const Index d = log->durableEnd();
        const Index wr = log->writtenEnd();
        if (d > wr || wr > log->lastIndex()) bad = true;
        ++writeOuts;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    });
    std::thread f([&] {
      while (appendersLeft.load() > 0) {
        if (!log->flush().isOk()) bad = true;
        ++flushes;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    });
    std::thread a1(appender);
    std::thread a2(appender);
    a1.join();
    a2.join();
    w.join();
    f.join();
    QVERIFY(!bad.load());
    qInfo("%d writeOuts, %d flushes, %zu segments", writeOuts.load(), flushes.load(), log->segments().size());
    QVERIFY(writeOuts.load() >= 14 && flushes.load() >= 14);
    QCOMPARE(log->lastIndex(), kCount);
    QCOMPARE(*log->flush(), kCount);
    QCOMPARE(log->writtenEnd(), kCount);
    {
      std::lock_guard lk(heardMu);
      QVERIFY(!heard.empty());
      QVERIFY(std::is_sorted(heard.begin(), heard.end()));
      QVERIFY(std::adjacent_find(heard.begin(), heard.end()) == heard.end());  // strictly increasing
      QCOMPARE(heard.back(), kCount);
    }
    for (const SegmentInfo& s : log->segments()) QCOMPARE(s.durableBytes, s.bytes);
    Result<LogCheck> check = verifyLog(fs, kDir);
    QLAB_VERIFY_OK(check);
    QVERIFY2(!check->corrupt, check->corruption.c_str());
    QVERIFY(!check->tornTail);
    QCOMPARE(check->records, std::uint64_t{kCount});
    QCOMPARE(check->firstIndex, Index{1});
    QCOMPARE(check->lastIndex, kCount);
    // All of it was synced: the file system's power loss keeps every record.
    log.reset();
    fs.powerLoss(PowerLossMode::kDropUnsynced);
    log = mustOpen(fs, kDir, o);
    QCOMPARE(log->lastIndex(), kCount);
    QVERIFY(entriesIntact(*log, 60));
  }
};

QTEST_GUILESS_MAIN(WalWriteOutTest)
#include "test_wal_writeout.moc"
