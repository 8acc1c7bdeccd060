// Recovery (docs/wal-format.md "Recovery rules"): a torn tail of the last segment is cut,
// everything else that is damaged is refused with the file and byte offset.
#include "wal_test_util.h"

#include "core/common/coding.h"

using namespace qlab;
using namespace qlab::wal;
using namespace qlab::wal::test;

namespace {

const std::string kDir = "wal";

Status openStatus(MemFileSystem& fs, RecoveryReport* rep = nullptr) {
  auto r = SegmentedLog::open(fs, kDir, smallSegments(), rep);
  return r.isOk() ? Status::ok() : r.status();
}

bool mentions(const Status& s, const std::string& what) {
  return s.message().find(what) != std::string::npos;
}

void verifyEntries(const SegmentedLog& log, Index from, Index to, std::size_t payload = 40) {
  std::vector<Entry> all = readAll(log);
  QCOMPARE(all.size(), static_cast<std::size_t>(to - from + 1));
  for (Index i = from; i <= to; ++i) QVERIFY(all[i - from] == entryFor(i, 1, payload));
}

}  // namespace

class WalRecoveryTest : public QObject {
  Q_OBJECT
 private slots:
  void emptyDirectoryStartsAtTheStartIndexWithADurableSegment() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, {}, nullptr, 101);
    QVERIFY(log);
    QCOMPARE(log->firstIndex(), Index{101});
    QCOMPARE(log->lastIndex(), Index{100});
    QCOMPARE(log->durableEnd(), Index{100});
    QVERIFY(fs.exists(segmentPath(kDir, 101)));
    QCOMPARE(fs.contents(segmentPath(kDir, 101)), encodeSegmentHeader(101));
  }

  void reopenedLogHasEveryFlushedRecordAndItsGenerations() {
    MemFileSystem fs;
    {
      auto log = mustOpen(fs, kDir, smallSegments());
      QLAB_VERIFY_OK(appendRange(*log, 1, 30, 1, 40));
      QLAB_VERIFY_OK(appendRange(*log, 31, 60, 3, 40));
      QLAB_VERIFY_OK(log->flush());
    }
    RecoveryReport rep;
    auto log = mustOpen(fs, kDir, smallSegments(), &rep);
    QVERIFY(log);
    QCOMPARE(rep.records, 60ull);
    QVERIFY(rep.segments >= 3);
    QCOMPARE(rep.lastIndex, Index{60});
    QVERIFY(!rep.truncatedTornTail);
    QCOMPARE(log->durableEnd(), Index{60});
    QCOMPARE(*log->generationAt(30), Generation{1});
    QCOMPARE(*log->generationAt(31), Generation{3});
    QCOMPARE(log->lastGeneration(), Generation{3});
    for (Index i = 1; i <= 60; ++i) QVERIFY(*log->read(i) == entryFor(i, i <= 30 ? 1 : 3, 40));
  }

  void cuttingTheLastSegmentAtEveryByteKeepsExactlyTheCompleteRecords() {
    MemFileSystem base;
    writeLog(base, 40);
    const std::vector<std::string> names = segmentNames(base);
    const std::string lastPath = joinPath(kDir, names.back());
    const std::string full = base.contents(lastPath);
    const std::vector<std::uint64_t> offsets = recordOffsets(full);
    QVERIFY(offsets.size() >= 4);
    Index firstInLast = 0;
    QVERIFY(parseSegmentFileName(names.back(), &firstInLast));
    const std::size_t from = static_cast<std::size_t>(offsets[offsets.size() - 4]);
    for (std::size_t cut = from; cut <= full.size(); ++cut) {
      MemFileSystem fs;
      for (const auto& [path, bytes] : snapshotDir(base, kDir)) fs.setContents(path, bytes);
      QLAB_VERIFY_OK(fs.createDirs(kDir));
      fs.setContents(lastPath, full.substr(0, cut));
      // Complete records: those whose end is at or before the cut.
      Index expectLast = firstInLast - 1;
      for (std::size_t k = 0; k < offsets.size(); ++k) {
        const std::uint64_t end = k + 1 < offsets.size() ? offsets[k + 1] : full.size();
        if (end <= cut) expectLast = firstInLast + k;
      }
      RecoveryReport rep;
      auto log = mustOpen(fs, kDir, smallSegments(), &rep);
      QVERIFY2(log, qPrintable(QString("cut at %1").arg(cut)));
      QCOMPARE(log->lastIndex(), expectLast);
      const bool partial = std::find(offsets.begin(), offsets.end(), cut) == offsets.end() && cut != full.size();
      QCOMPARE(rep.truncatedTornTail, partial);
      QLAB_VERIFY_OK(log->append(entryFor(expectLast + 1, 2, 40, 9)));
      QLAB_VERIFY_OK(log->flush());
      log.reset();
      log = mustOpen(fs, kDir, smallSegments());
      QVERIFY(log);
      QCOMPARE(log->lastIndex(), expectLast + 1);
      QVERIFY(*log->read(expectLast + 1) == entryFor(expectLast + 1, 2, 40, 9));
      QVERIFY(*log->read(expectLast) == entryFor(expectLast, 1, 40));
    }
  }

  void truncatedTrailingRecordIsCutAndReported() {
    MemFileSystem fs;
    writeLog(fs, 40);
    const std::string lastPath = joinPath(kDir, segmentNames(fs).back());
    const std::string bytes = fs.contents(lastPath);
    const std::uint64_t lastOff = recordOffsets(bytes).back();
    cutFile(fs, lastPath, lastOff + 20);
    RecoveryReport rep;
    auto log = mustOpen(fs, kDir, smallSegments(), &rep);
    QVERIFY(log);
    QCOMPARE(log->lastIndex(), Index{39});
    QVERIFY(rep.truncatedTornTail);
    QCOMPARE(rep.tornFile, segmentNames(fs).back());
    QCOMPARE(rep.tornOffset, lastOff);
    QCOMPARE(rep.tornBytes, 20ull);
    QCOMPARE(fs.contents(lastPath).size(), static_cast<std::size_t>(lastOff));
  }

  void zeroedSectorsInTheUnsyncedTailAreTruncated() {
    for (std::size_t zeros : {8u, 512u, 4096u}) {
      MemFileSystem fs;
      writeLog(fs, 40);
      const std::string lastPath = joinPath(kDir, segmentNames(fs).back());
      const std::string bytes = fs.contents(lastPath);
      fs.setContents(lastPath, bytes + std::string(zeros, '\0'));
      RecoveryReport rep;
      auto log = mustOpen(fs, kDir, smallSegments(), &rep);
      QVERIFY(log);
      QCOMPARE(log->lastIndex(), Index{40});
      QVERIFY(rep.truncatedTornTail);
      QCOMPARE(rep.tornBytes, static_cast<std::uint64_t>(zeros));
    }
  }

  void zeroedLastRecordsAreATornTail() {
    MemFileSystem fs;
    writeLog(fs, 40);
    const std::string lastPath = joinPath(kDir, segmentNames(fs).back());
    std::string bytes = fs.contents(lastPath);
    const auto offs = recordOffsets(bytes);
    const std::size_t from = static_cast<std::size_t>(offs[offs.size() - 2]);
    std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(from), bytes.end(), '\0');
    fs.setContents(lastPath, bytes);
    auto log = mustOpen(fs, kDir, smallSegments());
    QVERIFY(log);
    QCOMPARE(log->lastIndex(), Index{38});
  }

  void flippedBitInASealedSegmentIsReportedWithFileAndOffset() {
    MemFileSystem base;
    writeLog(base, 40);
    const std::string sealed = segmentNames(base).front();
    const std::string path = joinPath(kDir, sealed);
    const auto offs = recordOffsets(base.contents(path));
    for (std::size_t k : {std::size_t{0}, offs.size() / 2, offs.size() - 1}) {
      for (std::uint64_t delta : {0ull, 9ull, 45ull}) {  // crc, index, payload
        MemFileSystem fs;
        for (const auto& [p, bytes] : snapshotDir(base, kDir)) fs.setContents(p, bytes);
        QLAB_VERIFY_OK(fs.createDirs(kDir));
        flipBit(fs, path, offs[k] + delta, 3);
        Status s = openStatus(fs);
        QCOMPARE(s.code(), Status::Code::kCorruption);
        QVERIFY2(mentions(s, sealed), s.message().c_str());
        QVERIFY2(mentions(s, "at byte " + std::to_string(offs[k])), s.message().c_str());
      }
    }
  }

  void flippedBitInTheMiddleOfTheLastSegmentFollowedByValidRecordsIsCorruption() {
    MemFileSystem fs;
    writeLog(fs, 40);
    const std::string last = segmentNames(fs).back();
    const std::string path = joinPath(kDir, last);
    const auto offs = recordOffsets(fs.contents(path));
    QVERIFY(offs.size() >= 3);
    flipBit(fs, path, offs[1] + 44, 0);
    Status s = openStatus(fs);
    QCOMPARE(s.code(), Status::Code::kCorruption);
    QVERIFY2(mentions(s, last) && mentions(s, "at byte " + std::to_string(offs[1])), s.message().c_str());
    QVERIFY2(mentions(s, "follows at byte " + std::to_string(offs[2])), s.message().c_str());
  }

  void flippedBitInTheLastRecordOfTheLastSegmentIsATornTail() {
    MemFileSystem fs;
    writeLog(fs, 40);
    const std::string path = joinPath(kDir, segmentNames(fs).back());
    const auto offs = recordOffsets(fs.contents(path));
    flipBit(fs, path, offs.back() + 50, 2);
    RecoveryReport rep;
    auto log = mustOpen(fs, kDir, smallSegments(), &rep);
    QVERIFY(log);
    QCOMPARE(log->lastIndex(), Index{39});
    QVERIFY(rep.truncatedTornTail);
  }

  void missingSegmentIsAGap() {
    MemFileSystem fs;
    writeLog(fs, 60);
    const auto names = segmentNames(fs);
    QVERIFY(names.size() >= 3);
    QLAB_VERIFY_OK(fs.remove(joinPath(kDir, names[1])));
    Status s = openStatus(fs);
    QCOMPARE(s.code(), Status::Code::kCorruption);
    QVERIFY2(mentions(s, "gap") && mentions(s, "missing") && mentions(s, names[0]) && mentions(s, names[2]),
             s.message().c_str());
  }

  void overlappingSegmentsAreRefused() {
    MemFileSystem fs;
    writeLog(fs, 60);
    plantOverlappingSegment(fs);
    Status s = openStatus(fs);
    QCOMPARE(s.code(), Status::Code::kCorruption);
    QVERIFY2(mentions(s, "overlapping"), s.message().c_str());
  }

  void headerIndexDifferentFromTheFileNameIsCorruption() {
    MemFileSystem fs;
    writeLog(fs, 60);
    const auto names = segmentNames(fs);
    Index first = 0;
    QVERIFY(parseSegmentFileName(names[1], &first));
    const std::string bytes = fs.contents(joinPath(kDir, names[1]));
    QLAB_VERIFY_OK(fs.remove(joinPath(kDir, names[1])));
    fs.setContents(segmentPath(kDir, first + 1), bytes);  // renamed: name says first + 1
    Status s = openStatus(fs);
    QCOMPARE(s.code(), Status::Code::kCorruption);
  }

  void halfCreatedLastSegmentIsRemovedWithANote() {
    for (std::size_t size : {0u, 10u, 31u, 32u, 200u}) {
      MemFileSystem fs;
      writeLog(fs, 40);
      const auto before = segmentNames(fs);
      // A header that never reached the disk: nothing, part of it, or zeros.
      std::string junk = size < 32 ? encodeSegmentHeader(41).substr(0, size) : std::string(size, '\0');
      fs.setContents(segmentPath(kDir, 41), junk);
      RecoveryReport rep;
      auto log = mustOpen(fs, kDir, smallSegments(), &rep);
      QVERIFY2(log, qPrintable(QString("size %1").arg(size)));
      QCOMPARE(log->lastIndex(), Index{40});
      QVERIFY2(!fs.exists(segmentPath(kDir, 41)), qPrintable(QString("size %1 %2").arg(size).arg(QString::fromStdString(rep.notes.empty() ? std::string() : rep.notes[0]))));
      QCOMPARE(rep.notes.size(), std::size_t{1});
      QVERIFY(rep.notes[0].find("half-created") != std::string::npos);
      QLAB_VERIFY_OK(log->append(entryFor(41)));
      QLAB_VERIFY_OK(log->flush());
    }
  }

  void theOnlySegmentHalfCreatedStartsAnEmptyLogAtItsIndex() {
    MemFileSystem fs;
    QLAB_VERIFY_OK(fs.createDirs(kDir));
    fs.setContents(segmentPath(kDir, 7), std::string(5, 'Q'));
    RecoveryReport rep;
    auto log = mustOpen(fs, kDir, {}, &rep);
    QVERIFY(log);
    QCOMPARE(log->firstIndex(), Index{7});
    QCOMPARE(fs.contents(segmentPath(kDir, 7)), encodeSegmentHeader(7));
  }

  void damagedHeaderOfTheLastSegmentFollowedByRecordsIsCorruption() {
    MemFileSystem fs;
    writeLog(fs, 40);
    const std::string path = joinPath(kDir, segmentNames(fs).back());
    flipBit(fs, path, 2, 0);
    Status s = openStatus(fs);
    QCOMPARE(s.code(), Status::Code::kCorruption);
    QVERIFY2(mentions(s, "magic") && mentions(s, "valid record"), s.message().c_str());
  }

  void damagedHeaderOfASealedSegmentIsCorruption() {
    MemFileSystem fs;
    writeLog(fs, 40);
    const std::string name = segmentNames(fs).front();
    flipBit(fs, joinPath(kDir, name), 20, 0);
    Status s = openStatus(fs);
    QCOMPARE(s.code(), Status::Code::kCorruption);
    QVERIFY2(mentions(s, name) && mentions(s, "checksum"), s.message().c_str());
  }

  void validRecordWithAnUnexpectedIndexIsCorruption() {
    MemFileSystem fs;
    QLAB_VERIFY_OK(fs.createDirs(kDir));
    std::string seg = encodeSegmentHeader(1);
    encodeRecord(entryFor(1), seg);
    encodeRecord(entryFor(3), seg);  // 2 is missing inside the segment
    fs.setContents(segmentPath(kDir, 1), seg);
    Status s = openStatus(fs);
    QCOMPARE(s.code(), Status::Code::kCorruption);
    QVERIFY2(mentions(s, "index 3, expected 2"), s.message().c_str());
  }

  void otherFilesInTheDirectoryAreIgnored() {
    MemFileSystem fs;
    writeLog(fs, 10);
    fs.setContents(joinPath(kDir, "meta"), "x");
    fs.setContents(joinPath(kDir, "1.wal"), "x");
    RecoveryReport rep;
    auto log = mustOpen(fs, kDir, smallSegments(), &rep);
    QVERIFY(log);
    QCOMPARE(log->lastIndex(), Index{10});
    QCOMPARE(rep.notes.size(), std::size_t{1});
    QVERIFY(rep.notes[0].find("1.wal") != std::string::npos);
  }

  void recordsLargerThanTheReadBlockRecover() {
    MemFileSystem fs;
    {
      LogOptions o;
      o.segmentBytes = 8 << 20;
      auto log = mustOpen(fs, kDir, o);
      QLAB_VERIFY_OK(log->append(entryFor(1, 1, 10)));
      QLAB_VERIFY_OK(log->append(entryFor(2, 1, 3 << 20)));
      QLAB_VERIFY_OK(log->append(entryFor(3, 1, 10)));
      QLAB_VERIFY_OK(log->append(entryFor(4, 1, (1 << 20) - 3)));
      QLAB_VERIFY_OK(log->flush());
    }
    auto log = mustOpen(fs, kDir);
    QVERIFY(log);
    QCOMPARE(log->lastIndex(), Index{4});
    QVERIFY(*log->read(2) == entryFor(2, 1, 3 << 20));
    QVERIFY(*log->read(4) == entryFor(4, 1, (1 << 20) - 3));
  }

  void reopenedLogReadsThroughItsRebuiltSparseIndex() {
    MemFileSystem fs;
    writeLog(fs, 200, 13);
    auto log = mustOpen(fs, kDir, smallSegments());
    QVERIFY(log);
    verifyEntries(*log, 1, 200, 13);
    for (Index i = 1; i <= 200; i += 17) QVERIFY(*log->read(i) == entryFor(i, 1, 13));
  }
};

QTEST_APPLESS_MAIN(WalRecoveryTest)
#include "test_wal_recovery.moc"
