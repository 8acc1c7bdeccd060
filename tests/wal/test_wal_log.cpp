// SegmentedLog operations: appends and reads through the sparse index, rolling, truncation,
// LWM cleanup, reset, error latching (EIO) and retryable ENOSPC, group commit.
#include "wal_test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

using namespace qlab;
using namespace qlab::wal;
using namespace qlab::wal::test;

namespace {

const std::string kDir = "wal";

std::vector<std::string> files(const FileSystem& fs) {
  auto r = fs.list(kDir);
  std::vector<std::string> v = r.isOk() ? *r : std::vector<std::string>{};
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

class WalLogTest : public QObject {
  Q_OBJECT
 private slots:
  void appendedRecordsAreReadableBeforeAndAfterFlush() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, smallSegments());
    QLAB_VERIFY_OK(appendRange(*log, 1, 10));
    QCOMPARE(log->lastIndex(), Index{10});
    QCOMPARE(log->durableEnd(), Index{0});
    QVERIFY(log->bufferedBytes() > 0);
    for (Index i = 1; i <= 10; ++i) QVERIFY(*log->read(i) == entryFor(i));
    Result<Index> d = log->flush();
    QLAB_VERIFY_OK(d);
    QCOMPARE(*d, Index{10});
    QCOMPARE(log->bufferedBytes(), 0ull);
    for (Index i = 1; i <= 10; ++i) QVERIFY(*log->read(i) == entryFor(i));
  }

  void readsGoThroughTheSparseIndexAcrossSegments() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, smallSegments(2048, 64));
    for (Index i = 1; i <= 500; ++i) QLAB_VERIFY_OK(log->append(entryFor(i, 1, i % 90)));
    QLAB_VERIFY_OK(log->flush());
    QVERIFY(log->segments().size() > 10);
    for (Index i = 1; i <= 500; ++i) QVERIFY(*log->read(i) == entryFor(i, 1, i % 90));
    std::vector<Entry> range;
    QLAB_VERIFY_OK(log->read(37, 444, SIZE_MAX, &range));
    QCOMPARE(range.size(), std::size_t{408});
    for (std::size_t k = 0; k < range.size(); ++k) QVERIFY(range[k] == entryFor(37 + k, 1, (37 + k) % 90));
  }

  void readsMixRecordsOnDiskAndInTheBuffer() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, smallSegments(1024, 100));
    QLAB_VERIFY_OK(appendRange(*log, 1, 25, 1, 30));
    QLAB_VERIFY_OK(log->flush());
    QLAB_VERIFY_OK(appendRange(*log, 26, 60, 1, 30));  // partly in the flushed segment's tail
    std::vector<Entry> all;
    QLAB_VERIFY_OK(log->read(1, 60, SIZE_MAX, &all));
    QCOMPARE(all.size(), std::size_t{60});
    for (Index i = 1; i <= 60; ++i) QVERIFY(all[i - 1] == entryFor(i, 1, 30));
  }

  void readStopsBeforeMaxBytesButReturnsAtLeastOneEntry() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    QLAB_VERIFY_OK(appendRange(*log, 1, 10, 1, 100));
    std::vector<Entry> out;
    QLAB_VERIFY_OK(log->read(1, 10, 1, &out));
    QCOMPARE(out.size(), std::size_t{1});
    out.clear();
    QLAB_VERIFY_OK(log->read(3, 10, 350, &out));
    QCOMPARE(out.size(), std::size_t{3});
    QCOMPARE(out.front().index, Index{3});
    out.clear();
    QLAB_VERIFY_OK(log->read(8, 100, SIZE_MAX, &out));  // `to` past the end is clipped
    QCOMPARE(out.size(), std::size_t{3});
  }

  void readOutsideTheLogIsNotFound() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, {}, nullptr, 5);
    QCOMPARE(log->read(5).status().code(), Status::Code::kNotFound);
    QLAB_VERIFY_OK(appendRange(*log, 5, 9));
    QCOMPARE(log->read(4).status().code(), Status::Code::kNotFound);
    QCOMPARE(log->read(10).status().code(), Status::Code::kNotFound);
    QVERIFY(!log->generationAt(4).has_value());
    QVERIFY(!log->generationAt(10).has_value());
    QVERIFY(!log->locate(10).isOk());
  }

  void segmentsRollBeforeARecordWouldCrossSegmentBytes() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, smallSegments(1000));
    QLAB_VERIFY_OK(appendRange(*log, 1, 100, 1, 50));
    QLAB_VERIFY_OK(log->flush());
    const auto segs = log->segments();
    Index next = 1;
    for (const SegmentInfo& s : segs) {
      QCOMPARE(s.firstIndex, next);
      QVERIFY(s.bytes <= 1000);
      QCOMPARE(s.bytes, s.durableBytes);
      QCOMPARE(s.fileName, segmentFileName(s.firstIndex));
      QCOMPARE(*fs.fileSize(joinPath(kDir, s.fileName)), s.bytes);
      QCOMPARE(s.sealed, &s != &segs.back());
      next = s.lastIndex + 1;
    }
    QCOMPARE(next, Index{101});
  }

  // A sealed segment gives its buffers back once it has nothing left to write: the memory
  // the buffers hold stays a few segments' worth however many segments the log grows.
  // (Each sealed segment used to keep both its buffers' capacity.)
  void buffersStayBoundedHoweverManySegmentsRoll() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, smallSegments(4096));
    Index next = 1;
    for (int round = 0; round < 60; ++round) {
      QLAB_VERIFY_OK(appendRange(*log, next, next + 39, 1, 100));  // ~1.5 segments
      next += 40;
      QLAB_VERIFY_OK(log->flush());
    }
    QVERIFY(log->segments().size() > 80);
    // The active segment's two buffers and two spares, each at most a round's bytes (~5.6 KB,
    // rounded up by the allocator's doubling): far below 80 segments x two buffers.
    QVERIFY2(log->bufferCapacityBytes() <= 4 * 16384,
             qPrintable(QString::number(log->bufferCapacityBytes())));
    for (Index i = 1; i < next; i += 97) QVERIFY(*log->read(i) == entryFor(i, 1, 100));
  }

  void aRecordLargerThanASegmentGetsASegmentOfItsOwn() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, smallSegments(256));
    QLAB_VERIFY_OK(log->append(entryFor(1, 1, 10)));
    QLAB_VERIFY_OK(log->append(entryFor(2, 1, 1000)));
    QLAB_VERIFY_OK(log->append(entryFor(3, 1, 10)));
    QLAB_VERIFY_OK(log->flush());
    const auto segs = log->segments();
    QCOMPARE(segs.size(), std::size_t{3});
    QCOMPARE(segs[1].firstIndex, Index{2});
    QCOMPARE(segs[1].lastIndex, Index{2});
    QVERIFY(*log->read(2) == entryFor(2, 1, 1000));
  }

  void newSegmentFilesAreCreatedOnlyWhenFlushedInto() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, smallSegments(512));
    QLAB_VERIFY_OK(appendRange(*log, 1, 30, 1, 40));
    QCOMPARE(files(fs).size(), std::size_t{1});
    QVERIFY(log->segments().size() > 1);
    QCOMPARE(log->segments().back().durableBytes, 0ull);
    QLAB_VERIFY_OK(log->flush());
    QCOMPARE(files(fs).size(), log->segments().size());
  }

  void generationAtComesFromTheRunTable() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, smallSegments());
    QLAB_VERIFY_OK(appendRange(*log, 1, 10, 1));
    QLAB_VERIFY_OK(appendRange(*log, 11, 11, 2));
    QLAB_VERIFY_OK(appendRange(*log, 12, 40, 5));
    QCOMPARE(*log->generationAt(1), Generation{1});
    QCOMPARE(*log->generationAt(10), Generation{1});
    QCOMPARE(*log->generationAt(11), Generation{2});
    QCOMPARE(*log->generationAt(40), Generation{5});
    QLAB_VERIFY_OK(log->truncateAfter(11));
    QCOMPARE(log->lastGeneration(), Generation{2});
    QLAB_VERIFY_OK(appendRange(*log, 12, 15, 6));
    QCOMPARE(*log->generationAt(12), Generation{6});
    QCOMPARE(*log->generationAt(11), Generation{2});
  }

  void durableEndMovesOnlyOnFlushAndTheListenerSeesItInOrder() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    std::vector<Index> seen;
    log->setDurableListener([&](Index d) { seen.push_back(d); });
    QLAB_VERIFY_OK(appendRange(*log, 1, 3));
    QCOMPARE(log->durableEnd(), Index{0});
    QLAB_VERIFY_OK(log->flush());
    QLAB_VERIFY_OK(log->flush());  // nothing new: no call
    QLAB_VERIFY_OK(appendRange(*log, 4, 5));
    QLAB_VERIFY_OK(log->flush());
    QCOMPARE(seen, (std::vector<Index>{3, 5}));
    QCOMPARE(log->flushCount(), 2ull);
  }

  void truncateAfterCutsTheBuffer() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    QLAB_VERIFY_OK(appendRange(*log, 1, 5));
    QLAB_VERIFY_OK(log->flush());
    QLAB_VERIFY_OK(appendRange(*log, 6, 10));
    QLAB_VERIFY_OK(log->truncateAfter(7));
    QCOMPARE(log->lastIndex(), Index{7});
    QCOMPARE(log->durableEnd(), Index{5});
    QLAB_VERIFY_OK(log->append(entryFor(8, 2)));
    QLAB_VERIFY_OK(log->flush());
    log.reset();
    log = mustOpen(fs, kDir);
    QCOMPARE(log->lastIndex(), Index{8});
    QVERIFY(*log->read(7) == entryFor(7));
    QVERIFY(*log->read(8) == entryFor(8, 2));
  }

  void truncateAfterCutsTheDiskAndLowersTheDurableEnd() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    QLAB_VERIFY_OK(appendRange(*log, 1, 10));
    QLAB_VERIFY_OK(log->flush());
    const auto sizeBefore = *fs.fileSize(segmentPath(kDir, 1));
    QLAB_VERIFY_OK(log->truncateAfter(4));
    QCOMPARE(log->durableEnd(), Index{4});
    QVERIFY(*fs.fileSize(segmentPath(kDir, 1)) < sizeBefore);
    log.reset();
    log = mustOpen(fs, kDir);
    QCOMPARE(log->lastIndex(), Index{4});
  }

  void truncateAfterAcrossSegmentsRemovesTheLaterFiles() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, smallSegments(512, 64));
    QLAB_VERIFY_OK(appendRange(*log, 1, 60, 1, 40));
    QLAB_VERIFY_OK(log->flush());
    QLAB_VERIFY_OK(appendRange(*log, 61, 70, 1, 40));
    const std::size_t before = files(fs).size();
    QVERIFY(before >= 5);
    QLAB_VERIFY_OK(log->truncateAfter(13));
    QCOMPARE(log->lastIndex(), Index{13});
    QVERIFY(files(fs).size() < before);
    QCOMPARE(files(fs).size(), log->segments().size());
    QCOMPARE(log->segments().back().lastIndex, Index{13});
    QLAB_VERIFY_OK(appendRange(*log, 14, 30, 2, 40));
    QLAB_VERIFY_OK(log->flush());
    log.reset();
    log = mustOpen(fs, kDir, smallSegments(512, 64));
    QCOMPARE(log->lastIndex(), Index{30});
    for (Index i = 1; i <= 30; ++i) QVERIFY(*log->read(i) == entryFor(i, i <= 13 ? 1 : 2, 40));
  }

  void truncateAfterTheIndexBeforeTheFirstEmptiesTheLog() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, smallSegments(512), nullptr, 10);
    QLAB_VERIFY_OK(appendRange(*log, 10, 50, 1, 40));
    QLAB_VERIFY_OK(log->flush());
    QLAB_VERIFY_OK(log->truncateAfter(9));
    QCOMPARE(log->firstIndex(), Index{10});
    QCOMPARE(log->lastIndex(), Index{9});
    QCOMPARE(files(fs), std::vector<std::string>{segmentFileName(10)});
    QCOMPARE(log->truncateAfter(5).code(), Status::Code::kInvalidArgument);
    log.reset();
    log = mustOpen(fs, kDir, smallSegments(512));
    QCOMPARE(log->firstIndex(), Index{10});
    QCOMPARE(log->lastIndex(), Index{9});
    QLAB_VERIFY_OK(log->append(entryFor(10)));
  }

  void removeBeforeDeletesOnlyWholeSealedSegmentsBelowTheLwm() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, smallSegments(512));
    QLAB_VERIFY_OK(appendRange(*log, 1, 60, 1, 40));
    QLAB_VERIFY_OK(log->flush());
    const auto segs = log->segments();
    // An LWM inside the second segment deletes only the first.
    Result<int> n = log->removeBefore(segs[1].firstIndex + 1);
    QLAB_VERIFY_OK(n);
    QCOMPARE(*n, 1);
    QCOMPARE(log->firstIndex(), segs[1].firstIndex);
    QVERIFY(!fs.exists(joinPath(kDir, segs[0].fileName)));
    QVERIFY(!log->generationAt(segs[1].firstIndex - 1).has_value());
    QCOMPARE(*log->generationAt(segs[1].firstIndex), Generation{1});
    QVERIFY(*log->read(segs[1].firstIndex) == entryFor(segs[1].firstIndex, 1, 40));
  }

  void removeBeforeNeverDeletesTheActiveSegment() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, smallSegments(512));
    QLAB_VERIFY_OK(appendRange(*log, 1, 60, 1, 40));
    QLAB_VERIFY_OK(log->flush());
    const std::size_t count = log->segments().size();
    Result<int> n = log->removeBefore(1000000);
    QCOMPARE(*n, static_cast<int>(count) - 1);
    QCOMPARE(log->segments().size(), std::size_t{1});
    QCOMPARE(log->lastIndex(), Index{60});
    log.reset();
    log = mustOpen(fs, kDir, smallSegments(512));
    QCOMPARE(log->lastIndex(), Index{60});
    QCOMPARE(log->firstIndex(), log->segments().front().firstIndex);
  }

  void removeBeforeKeepsSegmentsThatAreNotDurableYet() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, smallSegments(512));
    QLAB_VERIFY_OK(appendRange(*log, 1, 60, 1, 40));  // nothing flushed
    Result<int> n = log->removeBefore(50);
    QCOMPARE(*n, 0);
    QCOMPARE(log->firstIndex(), Index{1});
  }

  void resetToStartsAnEmptyDurableLogAtTheNextIndex() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, smallSegments(512));
    QLAB_VERIFY_OK(appendRange(*log, 1, 60, 3, 40));
    QLAB_VERIFY_OK(log->flush());
    QLAB_VERIFY_OK(appendRange(*log, 61, 65, 3, 40));
    QLAB_VERIFY_OK(log->resetTo(1000));
    QCOMPARE(log->firstIndex(), Index{1000});
    QCOMPARE(log->lastIndex(), Index{999});
    QCOMPARE(log->durableEnd(), Index{999});
    QCOMPARE(log->bufferedBytes(), 0ull);
    QVERIFY(!log->generationAt(60).has_value());
    QCOMPARE(files(fs), std::vector<std::string>{segmentFileName(1000)});
    QLAB_VERIFY_OK(appendRange(*log, 1000, 1002, 4));
    QLAB_VERIFY_OK(log->flush());
    log.reset();
    log = mustOpen(fs, kDir, smallSegments(512));
    QCOMPARE(log->firstIndex(), Index{1000});
    QCOMPARE(log->lastIndex(), Index{1002});
  }

  void locateAndRawRecordShowTheBytesOnDisk() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir, smallSegments(512));
    QLAB_VERIFY_OK(appendRange(*log, 1, 30, 1, 40));
    QLAB_VERIFY_OK(log->flush());
    QLAB_VERIFY_OK(log->append(entryFor(31, 1, 40)));
    for (Index i : {Index{1}, Index{17}, Index{30}}) {
      auto loc = log->locate(i);
      QLAB_VERIFY_OK(loc);
      const std::string file = fs.contents(joinPath(kDir, loc->fileName));
      auto raw = log->rawRecord(i);
      QLAB_VERIFY_OK(raw);
      QCOMPARE(raw->size(), static_cast<std::size_t>(loc->bytes));
      QCOMPARE(file.substr(static_cast<std::size_t>(loc->offset), static_cast<std::size_t>(loc->bytes)), *raw);
    }
    std::string expect;
    encodeRecord(entryFor(31, 1, 40), expect);
    QCOMPARE(*log->rawRecord(31), expect);  // buffered: what will be written
  }

  void appendRejectsAnOversizedPayloadOrAnUnknownType() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    Entry big = entryFor(1);
    big.payload.assign(format::kMaxPayloadBytes + 1, 'x');
    QCOMPARE(log->append(big).code(), Status::Code::kInvalidArgument);
    Entry odd = entryFor(1);
    odd.type = static_cast<EntryType>(9);
    QCOMPARE(log->append(odd).code(), Status::Code::kInvalidArgument);
    QCOMPARE(log->lastIndex(), Index{0});
  }

  void appendAtAnIndexOtherThanLastPlusOneAborts() {
    const pid_t pid = fork();
    if (pid == 0) {
      MemFileSystem fs;
      auto log = mustOpen(fs, kDir);
      (void)log->append(entryFor(1));
      (void)log->append(entryFor(3));
      _exit(0);
    }
    int status = 0;
    QCOMPARE(waitpid(pid, &status, 0), pid);
    QVERIFY(WIFSIGNALED(status));
    QCOMPARE(WTERMSIG(status), SIGABRT);
  }

  void bufferCapForcesAFlushInsideAppend() {
    MemFileSystem fs;
    LogOptions o;
    o.bufferCapBytes = 1000;
    auto log = mustOpen(fs, kDir, o);
    QLAB_VERIFY_OK(appendRange(*log, 1, 100, 1, 40));
    QVERIFY(log->durableEnd() >= 80);
    QVERIFY(log->bufferedBytes() <= 1000);
  }

  // The lock-free hint the flusher's early mark reads follows appends, rounds and cuts.
  void bufferedBytesHintFollowsAppendsFlushesAndTruncation() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    QCOMPARE(log->bufferedBytesHint(), 0ull);
    QLAB_VERIFY_OK(appendRange(*log, 1, 10, 1, 40));
    QCOMPARE(log->bufferedBytesHint(), log->bufferedBytes());
    QCOMPARE(log->bufferedBytesHint(), 10ull * format::recordBytes(40));
    QLAB_VERIFY_OK(log->truncateAfter(6));
    QCOMPARE(log->bufferedBytesHint(), 6ull * format::recordBytes(40));
    QLAB_VERIFY_OK(log->flush().status());
    QCOMPARE(log->bufferedBytesHint(), 0ull);
    QLAB_VERIFY_OK(appendRange(*log, 7, 8, 1, 40));
    QCOMPARE(log->bufferedBytesHint(), 2ull * format::recordBytes(40));
  }

  // An append that takes the buffer over its cap while a round is writing waits for that
  // round to make room; it does not queue a round of its own behind it (that made a writer
  // and a flusher thread take turns instead of working side by side).
  void appendOverTheCapWaitsForTheRunningRoundInsteadOfRunningAnother() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    LogOptions o;
    o.bufferCapBytes = 2000;
    auto log = mustOpen(fs, kDir, o);
    QLAB_VERIFY_OK(appendRange(*log, 1, 10, 1, 40));  // 800 bytes for the first round
    std::atomic<bool> holding{false}, release{false};
    fs.setCrashPoint([&](const std::string& op) {
      if (op.rfind("append", 0) != 0 || release.load()) return false;
      holding = true;
      for (int i = 0; i < 5000 && !release.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return false;
    });
    const std::uint64_t roundsBefore = log->flushCount();
    Status roundStatus;
    std::thread round([&] { roundStatus = log->flush().status(); });
    for (int i = 0; i < 5000 && !holding.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    QVERIFY(holding.load());
    // Lets the round finish once this thread's appends are over the cap (this thread is
    // then inside the append that crossed it).
    std::thread releaser([&] {
      for (int i = 0; i < 5000 && log->bufferedBytes() <= o.bufferCapBytes; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      release = true;
    });
    Index next = 11;
    for (; next < 200; ++next) {
      const bool crosses = log->bufferedBytes() + format::recordBytes(40) > o.bufferCapBytes;
      QLAB_VERIFY_OK(appendRange(*log, next, next, 1, 40));
      if (crosses) break;
    }
    round.join();
    releaser.join();
    QLAB_VERIFY_OK(roundStatus);
    QVERIFY(next < 200);
    ++next;
    QCOMPARE(log->flushCount() - roundsBefore, 1ull);  // only the round that was running
    QCOMPARE(log->durableEnd(), Index{10});
    QVERIFY(log->bufferedBytes() > 0 && log->bufferedBytes() <= o.bufferCapBytes);
    QLAB_VERIFY_OK(log->flush().status());
    QCOMPARE(log->durableEnd(), next - 1);
  }

  // --- errors ---
  void failedFsyncLatchesTheLog() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto log = mustOpen(fs, kDir);
    QLAB_VERIFY_OK(appendRange(*log, 1, 5));
    QLAB_VERIFY_OK(log->flush());
    QLAB_VERIFY_OK(appendRange(*log, 6, 8));
    fs.failNextSyncs(1);
    Result<Index> r = log->flush();
    QCOMPARE(r.status().code(), Status::Code::kFailed);
    QVERIFY2(r.status().message().find("fdatasync") != std::string::npos, r.status().message().c_str());
    QCOMPARE(log->durableEnd(), Index{5});
    QCOMPARE(log->health().code(), Status::Code::kFailed);
    // Never retried, never durable again, even though the next sync would work.
    QCOMPARE(log->flush().status().code(), Status::Code::kFailed);
    QCOMPARE(log->append(entryFor(9)).code(), Status::Code::kFailed);
    QCOMPARE(log->durableEnd(), Index{5});
    QCOMPARE(log->truncateAfter(2).code(), Status::Code::kFailed);
    // Reading what is there still works.
    QVERIFY(*log->read(3) == entryFor(3));
  }

  void failedDirectorySyncWhileRollingLatchesTheLog() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto log = mustOpen(fs, kDir, smallSegments(512));
    QLAB_VERIFY_OK(appendRange(*log, 1, 5, 1, 40));
    QLAB_VERIFY_OK(log->flush());
    QLAB_VERIFY_OK(appendRange(*log, 6, 20, 1, 40));  // rolls
    fs.setCrashPoint(nullptr);
    int syncs = 0;
    fs.setCrashPoint([&](const std::string& op) {
      if (op.rfind("syncdir", 0) == 0 && syncs++ == 0) fs.failNextSyncs(1);
      return false;
    });
    QCOMPARE(log->flush().status().code(), Status::Code::kFailed);
    QVERIFY(log->durableEnd() < 20);
  }

  void noSpaceKeepsTheBufferAndSucceedsWhenSpaceReturns() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto log = mustOpen(fs, kDir);
    QLAB_VERIFY_OK(appendRange(*log, 1, 5));
    QLAB_VERIFY_OK(log->flush());
    const auto durableSize = mem.contents(segmentPath(kDir, 1)).size();
    QLAB_VERIFY_OK(appendRange(*log, 6, 10));
    fs.failNextAppends(1);
    Result<Index> r = log->flush();
    QCOMPARE(r.status().code(), Status::Code::kNoSpace);
    QVERIFY2(r.status().message().find("free space") != std::string::npos, r.status().message().c_str());
    QCOMPARE(log->durableEnd(), Index{5});
    QVERIFY(log->health().isOk());
    QCOMPARE(mem.contents(segmentPath(kDir, 1)).size(), durableSize);
    QVERIFY(*log->read(8) == entryFor(8));
    r = log->flush();
    QLAB_VERIFY_OK(r);
    QCOMPARE(*r, Index{10});
    log.reset();
    log = mustOpen(fs, kDir);
    QCOMPARE(log->lastIndex(), Index{10});
    for (Index i = 1; i <= 10; ++i) QVERIFY(*log->read(i) == entryFor(i));
  }

  void aDiskFillingUpMidWriteLeavesNoPartialRecord() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto log = mustOpen(fs, kDir, smallSegments(4096));
    QLAB_VERIFY_OK(appendRange(*log, 1, 5, 1, 40));
    QLAB_VERIFY_OK(log->flush());
    const auto durableSize = mem.contents(segmentPath(kDir, 1)).size();
    FaultConfig c;
    c.capacityBytes = durableSize + 100;  // room for one record and a bit
    fs.setConfig(c);
    QLAB_VERIFY_OK(appendRange(*log, 6, 10, 1, 40));
    QCOMPARE(log->flush().status().code(), Status::Code::kNoSpace);
    QCOMPARE(mem.contents(segmentPath(kDir, 1)).size(), durableSize);
    fs.setConfig(FaultConfig{});
    QLAB_VERIFY_OK(log->flush());
    QCOMPARE(log->durableEnd(), Index{10});
  }

  void noSpaceWhileCreatingASegmentIsRetryable() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto log = mustOpen(fs, kDir, smallSegments(512));
    QLAB_VERIFY_OK(appendRange(*log, 1, 5, 1, 40));
    QLAB_VERIFY_OK(log->flush());
    QLAB_VERIFY_OK(appendRange(*log, 6, 8, 1, 40));
    QLAB_VERIFY_OK(log->flush());
    const std::size_t segsBefore = files(fs).size();
    QLAB_VERIFY_OK(appendRange(*log, 9, 20, 1, 40));  // rolls into a new segment
    // First append fills the old segment; the second is the new segment's header.
    fs.setCrashPoint([&](const std::string& op) {
      if (op.rfind("append", 0) == 0 && op.find(segmentFileName(1)) == std::string::npos) fs.failNextAppends(1);
      return false;
    });
    QCOMPARE(log->flush().status().code(), Status::Code::kNoSpace);
    fs.setCrashPoint(nullptr);
    QVERIFY(log->durableEnd() >= 8 && log->durableEnd() < 20);
    QCOMPARE(files(fs).size(), segsBefore);
    QLAB_VERIFY_OK(log->flush());
    QCOMPARE(log->durableEnd(), Index{20});
    log.reset();
    log = mustOpen(fs, kDir, smallSegments(512));
    QCOMPARE(log->lastIndex(), Index{20});
  }

  void aNoSpaceAppendOverTheCapIsRefusedWithoutAppending() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    LogOptions o;
    o.bufferCapBytes = 500;
    auto log = mustOpen(fs, kDir, o);
    FaultConfig c;
    c.capacityBytes = 1;  // the disk is full
    fs.setConfig(c);
    Status s;
    Index i = 1;
    for (; i < 100; ++i) {
      s = log->append(entryFor(i, 1, 40));
      if (!s.isOk()) break;
    }
    QCOMPARE(s.code(), Status::Code::kNoSpace);
    QCOMPARE(log->lastIndex(), i - 1);
    fs.setConfig(FaultConfig{});
    QLAB_VERIFY_OK(log->append(entryFor(i, 1, 40)));
    QLAB_VERIFY_OK(log->flush());
    QCOMPARE(log->durableEnd(), i);
  }

  // --- power loss in the live app ---
  void simulatedPowerLossDropsTheBufferAndLatchesTheLog() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    QLAB_VERIFY_OK(appendRange(*log, 1, 5));
    QLAB_VERIFY_OK(log->flush());
    QLAB_VERIFY_OK(appendRange(*log, 6, 9));
    log->simulatePowerLoss(false, 1);
    QCOMPARE(log->health().code(), Status::Code::kFailed);
    QCOMPARE(log->append(entryFor(10)).code(), Status::Code::kFailed);
    log.reset();
    log = mustOpen(fs, kDir);
    QCOMPARE(log->lastIndex(), Index{5});
  }

  void simulatedTornPowerLossAlwaysLeavesATornTailThatRecoveryCuts() {
    // Enough seeds that a random cut landing exactly between two records (about 1 in 90
    // here) shows up: that would leave a clean log instead of a torn one.
    constexpr int kSeeds = 500;
    int torn = 0;
    for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
      MemFileSystem fs;
      auto log = mustOpen(fs, kDir, smallSegments(512));
      QLAB_VERIFY_OK(appendRange(*log, 1, 5, 1, 40));
      QLAB_VERIFY_OK(log->flush());
      QLAB_VERIFY_OK(appendRange(*log, 6, 15, 1, 40));
      log->simulatePowerLoss(true, seed);
      log.reset();
      RecoveryReport rep;
      log = mustOpen(fs, kDir, smallSegments(512), &rep);
      QVERIFY(log);
      QVERIFY(log->lastIndex() >= 5 && log->lastIndex() < 15);
      for (Index i = 1; i <= log->lastIndex(); ++i) QVERIFY(*log->read(i) == entryFor(i, 1, 40));
      torn += rep.truncatedTornTail ? 1 : 0;
      QLAB_VERIFY_OK(log->append(entryFor(log->lastIndex() + 1)));
    }
    QCOMPARE(torn, kSeeds);  // every torn kill leaves a half-written record, never a clean cut
  }

  // --- concurrency ---
  void concurrentAppendAndFlushCommitInGroups() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    FaultConfig c;
    c.latencyUs = 300;  // a slow disk makes batches form
    fs.setConfig(c);
    auto log = mustOpen(fs, kDir, smallSegments(64 << 10, 4096));
    constexpr Index kCount = 2000;
    std::atomic<bool> done{false};
    std::atomic<bool> started{false};
    std::thread flusher([&] {
      started = true;
      while (!done.load()) {
        if (!log->flush().isOk()) return;
      }
    });
    while (!started.load()) std::this_thread::yield();
    for (Index i = 1; i <= kCount; ++i) {
      QLAB_VERIFY_OK(log->append(entryFor(i, 1, 50)));
      if (i % 4 == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    done = true;
    flusher.join();
    QLAB_VERIFY_OK(log->flush());
    QCOMPARE(log->durableEnd(), kCount);
    qInfo("%llu appends, %llu flushes", static_cast<unsigned long long>(kCount),
          static_cast<unsigned long long>(log->flushCount()));
    QVERIFY(log->flushCount() > 10);          // flushes really ran during the appends
    QVERIFY(log->flushCount() < kCount / 4);  // ... each taking many of them
    log.reset();
    log = mustOpen(fs, kDir, smallSegments(64 << 10, 4096));
    QCOMPARE(log->lastIndex(), kCount);
    std::vector<Entry> all = readAll(*log);
    for (Index i = 1; i <= kCount; ++i) QVERIFY(all[i - 1] == entryFor(i, 1, 50));
  }

  void concurrentFlushCallersAreServedByOneFlush() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    FaultConfig c;
    c.latencyUs = 20000;
    fs.setConfig(c);
    auto log = mustOpen(fs, kDir);
    std::atomic<bool> syncing{false};
    fs.setCrashPoint([&](const std::string& op) {
      if (op.rfind("sync ", 0) == 0) syncing = true;
      return false;
    });
    QLAB_VERIFY_OK(appendRange(*log, 1, 10));
    std::thread first([&] { (void)log->flush(); });  // holds the disk for ~20 ms
    while (!syncing.load()) std::this_thread::yield();
    QLAB_VERIFY_OK(appendRange(*log, 11, 20));  // appends go on during the flush
    std::vector<std::thread> waiters;
    for (int k = 0; k < 8; ++k) waiters.emplace_back([&] { (void)log->flush(); });
    first.join();
    for (auto& t : waiters) t.join();
    QCOMPARE(log->durableEnd(), Index{20});
    QCOMPARE(log->flushCount(), 2ull);  // the eight late callers shared one flush
  }

  void readsProceedWhileAFlushIsWriting() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    FaultConfig c;
    c.latencyUs = 300000;
    fs.setConfig(c);
    auto log = mustOpen(fs, kDir);
    std::atomic<bool> syncing{false};
    fs.setCrashPoint([&](const std::string& op) {
      if (op.rfind("sync ", 0) == 0) syncing = true;
      return false;
    });
    QLAB_VERIFY_OK(appendRange(*log, 1, 10));
    std::thread t([&] { (void)log->flush(); });
    while (!syncing.load()) std::this_thread::yield();
    QElapsedTimer timer;
    timer.start();
    QVERIFY(*log->read(7) == entryFor(7));  // served from the in-flight batch
    QLAB_VERIFY_OK(log->append(entryFor(11)));
    QCOMPARE(log->lastIndex(), Index{11});
    QVERIFY(timer.elapsed() < 150);         // did not wait for the 300 ms sync
    QCOMPARE(log->durableEnd(), Index{0});
    t.join();
  }
};

QTEST_APPLESS_MAIN(WalLogTest)
#include "test_wal_log.moc"
