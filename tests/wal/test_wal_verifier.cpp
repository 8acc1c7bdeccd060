// verifyLog (core/wal/log_verifier.h): recovery's rules as findings, never as actions. Every
// verdict is checked against what SegmentedLog::open does to a copy of the same bytes.
#include "wal_test_util.h"

#include <atomic>
#include <thread>

#include "core/wal/log_verifier.h"

using namespace qlab;
using namespace qlab::wal;
using namespace qlab::wal::test;

namespace {

const std::string kDir = "wal";

LogCheck mustVerify(MemFileSystem& fs, const VerifyOptions& o = {}, const RecordVisitor& visit = {}) {
  Result<LogCheck> r = verifyLog(fs, kDir, o, visit);
  if (!r.isOk()) qFatal("verifyLog failed: %s", r.status().toString().c_str());
  return std::move(r).value();
}

// Runs the verifier on `fs` and recovery on a copy; fails the test if they disagree or if
// the verifier changed a byte. Returns the verifier's findings.
LogCheck verifyAgreesWithRecovery(MemFileSystem& fs) {
  const auto before = snapshotDir(fs, kDir);
  LogCheck c = mustVerify(fs);
  [&] { QCOMPARE(snapshotDir(fs, kDir), before); }();

  MemFileSystem copy;
  (void)copy.createDirs(kDir);
  for (const auto& [p, bytes] : before) copy.setContents(p, bytes);
  RecoveryReport rep;
  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::open(copy, kDir, smallSegments(), &rep);
  [&] {
    if (c.corrupt) {
      QVERIFY2(!log.isOk() && log.status().code() == Status::Code::kCorruption,
               ("verifier: " + c.corruption + "; recovery: " + log.status().toString()).c_str());
      return;
    }
    QVERIFY2(log.isOk(), ("verifier found nothing; recovery: " + log.status().toString()).c_str());
    QCOMPARE(c.records, rep.records);
    QCOMPARE(c.tornTail, rep.truncatedTornTail);
    if (c.records > 0) {
      QCOMPARE(c.firstIndex, (*log)->firstIndex());
      QCOMPARE(c.lastIndex, (*log)->lastIndex());
    }
    int halfCreated = 0;
    for (const SegmentCheck& s : c.segments) {
      if (s.status == SegmentStatus::kHalfCreated) ++halfCreated;
      if (s.status == SegmentStatus::kTornTail) {
        QCOMPARE(s.fileName, rep.tornFile);
        QCOMPARE(s.problemOffset, rep.tornOffset);
        QCOMPARE(s.bytes - s.problemOffset, rep.tornBytes);
      }
    }
    int removedNotes = 0;
    for (const std::string& n : rep.notes) removedNotes += n.find("removed half-created") != std::string::npos;
    QCOMPARE(halfCreated, removedNotes);
  }();
  return c;
}

}  // namespace

class WalVerifierTest : public QObject {
  Q_OBJECT
 private slots:
  void cleanLogIsDescribedSegmentBySegment() {
    MemFileSystem fs;
    writeLog(fs, 100);
    auto log = mustOpen(fs, kDir, smallSegments());
    const std::vector<SegmentInfo> segs = log->segments();
    log.reset();
    QVERIFY(segs.size() >= 4);
    LogCheck c = verifyAgreesWithRecovery(fs);
    QVERIFY(!c.corrupt && !c.tornTail && c.complete);
    QCOMPARE(c.records, std::uint64_t{100});
    QCOMPARE(c.firstIndex, Index{1});
    QCOMPARE(c.lastIndex, Index{100});
    QCOMPARE(c.segments.size(), segs.size());
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < segs.size(); ++i) {
      const SegmentCheck& s = c.segments[i];
      QCOMPARE(s.fileName, segs[i].fileName);
      QCOMPARE(s.firstIndex, segs[i].firstIndex);
      QCOMPARE(s.lastIndex, segs[i].lastIndex);
      QCOMPARE(s.records, segs[i].lastIndex - segs[i].firstIndex + 1);
      QCOMPARE(s.bytes, segs[i].bytes);
      QCOMPARE(s.validBytes, segs[i].bytes);
      QCOMPARE(s.status, SegmentStatus::kOk);
      bytes += s.bytes;
    }
    QCOMPARE(c.bytes, bytes);
  }

  void visitorSeesEveryRecordInOrder() {
    MemFileSystem fs;
    writeLog(fs, 50);
    std::vector<Entry> seen;
    LogCheck c = mustVerify(fs, {}, [&](const RecordView& v) {
      seen.push_back(toEntry(v));
      return true;
    });
    QCOMPARE(seen.size(), std::size_t{50});
    for (Index i = 1; i <= 50; ++i) QVERIFY(seen[i - 1] == entryFor(i, 1, 40));
    QVERIFY(c.complete);
  }

  void tornTailIsReportedAndLeftInPlace() {
    MemFileSystem fs;
    writeLog(fs, 40);
    const std::string last = joinPath(kDir, segmentNames(fs).back());
    const std::string bytes = fs.contents(last);
    const std::uint64_t lastOff = recordOffsets(bytes).back();
    cutFile(fs, last, lastOff + 20);
    LogCheck c = verifyAgreesWithRecovery(fs);
    QVERIFY(!c.corrupt);
    QVERIFY(c.tornTail);
    QCOMPARE(c.segments.back().status, SegmentStatus::kTornTail);
    QCOMPARE(c.segments.back().problemOffset, lastOff);
    QCOMPARE(c.segments.back().validBytes, lastOff);
    QCOMPARE(c.lastIndex, Index{39});
    QCOMPARE(fs.contents(last).size(), static_cast<std::size_t>(lastOff + 20));
  }

  void flippedBitInASealedSegmentIsCorruptionAtThatRecord() {
    MemFileSystem fs;
    writeLog(fs, 60);
    const std::string name = segmentNames(fs)[1];
    const std::string path = joinPath(kDir, name);
    const auto offs = recordOffsets(fs.contents(path));
    flipBit(fs, path, offs[2] + 45, 1);
    LogCheck c = verifyAgreesWithRecovery(fs);
    QVERIFY(c.corrupt);
    QCOMPARE(c.segments[1].status, SegmentStatus::kCorrupt);
    QCOMPARE(c.segments[1].problemOffset, offs[2]);
    QVERIFY2(c.corruption.find(name + " at byte " + std::to_string(offs[2])) == 0, c.corruption.c_str());
    QVERIFY2(c.segments[1].reason.find("checksum mismatch") != std::string::npos, c.segments[1].reason.c_str());
    // verify goes on: the other segments are still checked and reported.
    QCOMPARE(c.segments[0].status, SegmentStatus::kOk);
    QCOMPARE(c.segments[2].status, SegmentStatus::kOk);
  }

  void damageFollowedByAValidRecordInTheLastSegmentIsCorruption() {
    MemFileSystem fs;
    writeLog(fs, 60);
    const std::string path = joinPath(kDir, segmentNames(fs).back());
    const auto offs = recordOffsets(fs.contents(path));
    QVERIFY(offs.size() >= 3);
    flipBit(fs, path, offs[1] + 44, 0);
    LogCheck c = verifyAgreesWithRecovery(fs);
    QVERIFY(c.corrupt);
    QVERIFY(c.segments.back().reason.find("not a torn tail") != std::string::npos);
  }

  void gapAndOverlapAreCorruption() {
    MemFileSystem fs;
    writeLog(fs, 60);
    auto names = segmentNames(fs);
    QLAB_VERIFY_OK(fs.remove(joinPath(kDir, names[1])));
    LogCheck gap = verifyAgreesWithRecovery(fs);
    QVERIFY(gap.corrupt);
    QVERIFY2(gap.corruption.find("gap in the log") != std::string::npos, gap.corruption.c_str());

    MemFileSystem fs2;
    writeLog(fs2, 60);
    plantOverlappingSegment(fs2);
    LogCheck overlap = verifyAgreesWithRecovery(fs2);
    QVERIFY(overlap.corrupt);
    QVERIFY2(overlap.corruption.find("overlapping") != std::string::npos, overlap.corruption.c_str());
  }

  void halfCreatedLastSegmentIsNotCorruption() {
    MemFileSystem fs;
    writeLog(fs, 40);
    for (std::size_t size : {std::size_t{0}, std::size_t{7}, std::size_t{31}}) {
      fs.setContents(segmentPath(kDir, 41), encodeSegmentHeader(41).substr(0, size));
      LogCheck c = verifyAgreesWithRecovery(fs);
      QVERIFY(!c.corrupt);
      QCOMPARE(c.segments.back().status, SegmentStatus::kHalfCreated);
      QCOMPARE(c.lastIndex, Index{40});
    }
  }

  void rangeReadsOnlyTheSegmentsItNeeds() {
    MemFileSystem fs;
    writeLog(fs, 100);
    const auto names = segmentNames(fs);
    // Damage the first segment: a range that starts after it must not even read it.
    flipBit(fs, joinPath(kDir, names[0]), 100, 0);
    VerifyOptions o;
    o.fromIndex = 50;
    o.toIndex = 60;
    std::vector<Index> seen;
    LogCheck c = mustVerify(fs, o, [&](const RecordView& v) {
      seen.push_back(v.index);
      return true;
    });
    QVERIFY(!c.corrupt);
    QVERIFY(!c.complete);
    QCOMPARE(seen.size(), std::size_t{11});
    for (std::size_t i = 0; i < seen.size(); ++i) QCOMPARE(seen[i], Index{50} + i);
    QCOMPARE(c.segments.front().status, SegmentStatus::kSkipped);
    QCOMPARE(c.segments.back().status, SegmentStatus::kSkipped);
  }

  void stopAtCorruptionVisitsNothingAfterIt() {
    MemFileSystem fs;
    writeLog(fs, 60);
    const auto names = segmentNames(fs);
    const std::string path = joinPath(kDir, names[1]);
    const auto offs = recordOffsets(fs.contents(path));
    flipBit(fs, path, offs[1] + 2, 0);
    Index first = 0;
    QVERIFY(parseSegmentFileName(names[1], &first));
    VerifyOptions o;
    o.stopAtCorruption = true;
    Index lastSeen = 0;
    LogCheck c = mustVerify(fs, o, [&](const RecordView& v) {
      lastSeen = v.index;
      return true;
    });
    QVERIFY(c.corrupt && !c.complete);
    QCOMPARE(lastSeen, first);  // the first record of segment 2 was good, the second is not
    QCOMPARE(c.segments[2].status, SegmentStatus::kSkipped);
  }

  void visitorCanEndTheScan() {
    MemFileSystem fs;
    writeLog(fs, 60);
    int calls = 0;
    LogCheck c = mustVerify(fs, {}, [&](const RecordView&) { return ++calls < 5; });
    QCOMPARE(calls, 5);
    QVERIFY(!c.complete);
  }

  void missingDirectoryIsAnError() {
    MemFileSystem fs;
    Result<LogCheck> r = verifyLog(fs, "nowhere");
    QVERIFY(!r.isOk());
  }

  // Random damage to random logs: the verifier's verdict is recovery's, every time.
  void randomDamageVerdictsAgreeWithRecovery() {
    Random rng(20261124);
    int corrupt = 0, torn = 0, clean = 0;
    for (int round = 0; round < 1500; ++round) {
      MemFileSystem fs;
      writeLog(fs, 1 + rng.uniform(60), rng.uniform(120));
      const auto names = segmentNames(fs);
      const int damages = 1 + static_cast<int>(rng.uniform(2));
      for (int d = 0; d < damages; ++d) {
        const bool lastOnly = rng.chance(0.6);
        const std::string path = joinPath(kDir, lastOnly ? names.back() : names[rng.uniform(names.size())]);
        std::string b = fs.contents(path);
        switch (rng.uniform(5)) {
          case 0:
            if (!b.empty()) b[rng.uniform(b.size())] ^= static_cast<char>(1 << rng.uniform(8));
            break;
          case 1: b.resize(rng.uniform(b.size() + 1)); break;
          case 2: {
            const std::size_t from = rng.uniform(b.size() + 1);
            const std::size_t n = std::min<std::size_t>(b.size() - from, rng.uniform(200));
            std::fill_n(b.begin() + static_cast<std::ptrdiff_t>(from), n, '\0');
            break;
          }
          case 3:
            for (std::uint64_t k = rng.uniform(100); k > 0; --k) b.push_back(static_cast<char>(rng.next()));
            break;
          default:
            if (names.size() > 1) {
              (void)fs.remove(path);
              continue;
            }
        }
        fs.setContents(path, b);
      }
      LogCheck c = verifyAgreesWithRecovery(fs);
      if (QTest::currentTestFailed()) {
        qWarning("round %d", round);
        return;
      }
      (c.corrupt ? corrupt : c.tornTail ? torn : clean)++;
    }
    qInfo("corrupt %d, torn tail %d, clean %d", corrupt, torn, clean);
    QVERIFY(corrupt > 100 && torn > 100 && clean > 10);  // every verdict was exercised
  }

  // A log being written (appends, flushes, rolls, LWM cleanup) is never reported corrupt.
  void liveLogIsNeverReportedCorrupt() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, smallSegments(512, 128));
    QVERIFY(log);
    std::atomic<bool> stop{false};
    std::atomic<bool> writerFailed{false};
    std::thread writer([&] {
      Index i = 1;
      while (!stop) {
        if (!appendRange(*log, i, i + 2, 1, 30).isOk() || !log->flush().isOk()) {
          writerFailed = true;
          return;
        }
        i += 3;
        if (i % 60 == 1 && !log->removeBefore(i - 30).isOk()) writerFailed = true;
      }
    });
    int checks = 0;
    std::string problem;
    // At least 20 checks while the writer runs, however fast its disk (a clean root on a fast
    // disk reached index 3000 before the checker's tenth pass).
    for (; checks < 200'000 && (log->lastIndex() < 3000 || checks < 20) && !writerFailed; ++checks) {
      Result<LogCheck> c = verifyLog(fs, kDir);
      if (!c.isOk() || c->corrupt) {
        problem = c.isOk() ? c->corruption : c.status().toString();
        break;
      }
    }
    stop = true;
    writer.join();
    QVERIFY2(problem.empty(), problem.c_str());
    QVERIFY(!writerFailed);
    QVERIFY(log->lastIndex() >= 3000);
    QVERIFY(checks > 10);
  }
};

QTEST_GUILESS_MAIN(WalVerifierTest)
#include "test_wal_verifier.moc"
