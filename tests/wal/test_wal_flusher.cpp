// Flusher: the always / group / delayed / manual policies on a background thread.
#include "wal_test_util.h"

#include <QElapsedTimer>

#include <atomic>
#include <mutex>
#include <thread>

#include "core/wal/flusher.h"

using namespace qlab;
using namespace qlab::wal;
using namespace qlab::wal::test;

namespace {
const std::string kDir = "wal";

Status appendOne(Flusher& f, const Entry& e) { return f.append(std::span<const Entry>(&e, 1)); }
}  // namespace

class WalFlusherTest : public QObject {
  Q_OBJECT
 private slots:
  void flushModesHaveNamesThatParseBack() {
    for (FlushMode m : {FlushMode::kAlways, FlushMode::kGroup, FlushMode::kDelayed, FlushMode::kManual}) {
      Result<FlushMode> r = parseFlushMode(flushModeName(m));
      QLAB_VERIFY_OK(r);
      QCOMPARE(*r, m);
    }
    Result<FlushMode> bad = parseFlushMode("sometimes");
    QCOMPARE(bad.status().code(), Status::Code::kInvalidArgument);
    QVERIFY(bad.status().message().find("'sometimes'") != std::string::npos);
  }

  void alwaysMakesEachAppendDurableBeforeItReturns() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    Flusher f(*log, {FlushMode::kAlways, 0});
    for (Index i = 1; i <= 20; ++i) {
      QLAB_VERIFY_OK(appendOne(f, entryFor(i)));
      QCOMPARE(log->durableEnd(), i);
    }
    QCOMPARE(f.flushCount(), 20ull);
  }

  void groupFlushesInTheBackgroundAndBatchesConcurrentWriters() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    FaultConfig c;
    c.latencyUs = 500;
    fs.setConfig(c);
    auto log = mustOpen(fs, kDir, smallSegments(1 << 20, 4096));
    Flusher f(*log, {FlushMode::kGroup, 0});
    std::mutex indexMu;  // writers share one log: index assignment and append go together
    constexpr int kWriters = 8;
    constexpr int kPerWriter = 100;
    std::vector<std::thread> writers;
    std::atomic<int> failures{0};
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&] {
        for (int k = 0; k < kPerWriter; ++k) {
          Index mine;
          {
            std::lock_guard lk(indexMu);
            mine = log->lastIndex() + 1;
            if (!appendOne(f, entryFor(mine, 1, 128)).isOk()) ++failures;
          }
          if (!f.waitDurable(mine, 5000).isOk()) ++failures;
        }
      });
    }
    for (auto& t : writers) t.join();
    QCOMPARE(failures.load(), 0);
    QCOMPARE(log->durableEnd(), Index{kWriters * kPerWriter});
    qInfo("%d acknowledged records in %llu flushes", kWriters * kPerWriter,
          static_cast<unsigned long long>(f.flushCount()));
    QVERIFY(f.flushCount() < static_cast<std::uint64_t>(kWriters * kPerWriter) / 2);
  }

  void delayedAcknowledgesAtOnceAndFlushesAfterTheDelay() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    Flusher f(*log, {FlushMode::kDelayed, 200});
    QElapsedTimer t;
    t.start();
    QLAB_VERIFY_OK(appendOne(f, entryFor(1)));
    QCOMPARE(log->durableEnd(), Index{0});
    QLAB_VERIFY_OK(f.waitDurable(1, 5000));
    QVERIFY(t.elapsed() >= 1);
    QCOMPARE(f.policy().delayMs, std::int64_t{200});
  }

  // Under delayed, a buffer past a quarter of the cap is flushed by the flusher thread long
  // before the delay ends, and before any append reaches the cap (which would flush on the
  // appender's own thread). Below the mark nothing is flushed early.
  void delayedFlushesEarlyOnItsThreadOnceTheBufferPassesTheEarlyMark() {
    MemFileSystem fs;
    LogOptions o;
    o.bufferCapBytes = 64 * 1024;
    auto log = mustOpen(fs, kDir, o);
    Flusher f(*log, {FlushMode::kDelayed, 60'000});
    Index i = 1;
    while (log->bufferedBytes() < o.bufferCapBytes / 8) QLAB_VERIFY_OK(appendOne(f, entryFor(i++, 1, 100)));
    QTest::qWait(100);
    QCOMPARE(log->durableEnd(), Index{0});
    QCOMPARE(f.flushCount(), 0ull);
    // Past the mark (16 KiB), far below the cap (64 KiB).
    while (log->bufferedBytes() < o.bufferCapBytes / 4 + 1000) {
      QLAB_VERIFY_OK(appendOne(f, entryFor(i++, 1, 100)));
    }
    const Index last = i - 1;
    QLAB_VERIFY_OK(f.waitDurable(last, 5000));
    QVERIFY(f.flushCount() >= 1);
    QVERIFY(log->bufferedBytes() < o.bufferCapBytes / 4);
  }

  // A held flusher (the cluster is frozen) flushes nothing, under delayed or group, until it
  // is released; then it goes on.
  void heldFlusherFlushesNothingUntilReleased() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    Flusher f(*log, {FlushMode::kDelayed, 50});
    f.hold(true);
    QLAB_VERIFY_OK(appendOne(f, entryFor(1)));
    QTest::qWait(400);  // eight delays
    QCOMPARE(log->durableEnd(), Index{0});
    f.setPolicy({FlushMode::kGroup, 0});
    f.flushNow();
    QTest::qWait(200);
    QCOMPARE(log->durableEnd(), Index{0});
    f.hold(false);
    QLAB_VERIFY_OK(f.waitDurable(1, 5000));
  }

  void manualFlushesOnlyWhenAsked() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    Flusher f(*log, {FlushMode::kManual, 0});
    QLAB_VERIFY_OK(appendOne(f, entryFor(1)));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    QCOMPARE(log->durableEnd(), Index{0});
    QCOMPARE(f.flushCount(), 0ull);
    f.flushNow();
    QLAB_VERIFY_OK(f.waitDurable(1, 5000));
    QCOMPARE(f.flushCount(), 1ull);
  }

  void manualStillFlushesWhenTheBufferCapIsReached() {
    MemFileSystem fs;
    LogOptions o;
    o.bufferCapBytes = 2000;
    auto log = mustOpen(fs, kDir, o);
    Flusher f(*log, {FlushMode::kManual, 0});
    for (Index i = 1; i <= 100; ++i) QLAB_VERIFY_OK(appendOne(f, entryFor(i, 1, 40)));
    QVERIFY(log->durableEnd() > 50);
    QVERIFY(log->bufferedBytes() <= 2000);
  }

  void changingThePolicyTakesEffectAtOnce() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    Flusher f(*log, {FlushMode::kManual, 0});
    QLAB_VERIFY_OK(appendOne(f, entryFor(1)));
    f.setPolicy({FlushMode::kGroup, 0});
    QLAB_VERIFY_OK(f.waitDurable(1, 5000));
    f.setPolicy({FlushMode::kAlways, 0});
    QLAB_VERIFY_OK(appendOne(f, entryFor(2)));
    QCOMPARE(log->durableEnd(), Index{2});
    QCOMPARE(f.policy(), (FlushPolicy{FlushMode::kAlways, 0}));
  }

  void stopDoesNotFlushWhatIsBuffered() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    {
      Flusher f(*log, {FlushMode::kDelayed, 60000});
      QLAB_VERIFY_OK(appendOne(f, entryFor(1)));
      f.stop();
      f.stop();  // idempotent
    }
    QCOMPARE(log->durableEnd(), Index{0});
    QCOMPARE(log->lastIndex(), Index{1});
  }

  void waitDurableTimesOut() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    Flusher f(*log, {FlushMode::kManual, 0});
    QLAB_VERIFY_OK(appendOne(f, entryFor(1)));
    QCOMPARE(f.waitDurable(1, 30).code(), Status::Code::kTimeout);
  }

  // Waiters are woken one by one by the flush that covers their index (not all by every
  // flush): one that is not covered yet keeps waiting; one whose index is covered returns.
  void waitDurableReturnsWhenItsIndexIsDurableAndNotBefore() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    QLAB_VERIFY_OK(appendRange(*log, 1, 3));
    std::atomic<int> doneLow{0}, doneHigh{0};
    Status low, high;
    std::thread a([&] { low = log->waitDurable(2, 10'000); doneLow = 1; });
    std::thread b([&] { high = log->waitDurable(5, 10'000); doneHigh = 1; });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    QCOMPARE(doneLow.load() + doneHigh.load(), 0);
    QLAB_VERIFY_OK(log->flush());  // durable end 3
    a.join();
    QLAB_VERIFY_OK(low);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    QCOMPARE(doneHigh.load(), 0);  // 5 is not durable: still waiting
    QLAB_VERIFY_OK(appendRange(*log, 4, 5));
    QLAB_VERIFY_OK(log->flush());
    b.join();
    QLAB_VERIFY_OK(high);
  }

  void aFailureWakesEveryWaiterAtOnce() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto log = mustOpen(fs, kDir);
    QLAB_VERIFY_OK(appendRange(*log, 1, 2));
    std::vector<std::thread> waiters;
    std::vector<Status> got(4);
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 4; ++i) waiters.emplace_back([&, i] { got[static_cast<std::size_t>(i)] = log->waitDurable(2 + static_cast<Index>(i), 20'000); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    fs.failNextSyncs(1);
    QCOMPARE(log->flush().status().code(), Status::Code::kFailed);
    for (auto& t : waiters) t.join();
    QVERIFY2(timer.elapsed() < 10'000, "waiters slept until their timeout instead of being woken");
    for (const Status& s : got) QCOMPARE(s.code(), Status::Code::kFailed);
  }

  void timedOutWaitersLeaveNothingBehind() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    QLAB_VERIFY_OK(appendRange(*log, 1, 1));
    std::vector<std::thread> waiters;
    for (int i = 0; i < 16; ++i) {
      waiters.emplace_back([&] { QCOMPARE(log->waitDurable(1, 5).code(), Status::Code::kTimeout); });
    }
    for (auto& t : waiters) t.join();
    // Their stack frames are gone; a flush that woke a stale registration would touch them
    // (ASan builds report it).
    QLAB_VERIFY_OK(log->flush());
    QLAB_VERIFY_OK(log->waitDurable(1, 10));
  }

  // Waiters whose time runs out just as a flush takes them off the list: the flush wakes
  // them after releasing the lock, so a timing-out waiter must wait for that wake-up before
  // its stack frame goes. Every answer must also be true: ok only when durable, a timeout
  // only when not. Bounded: 8 threads x 300 waits of 0-1 ms.
  void waitersTimingOutWhileAFlushWakesThemAnswerTruly() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    std::mutex appendMu;
    std::atomic<bool> stop{false};
    std::atomic<int> wrong{0};
    std::atomic<int> oks{0};
    std::thread flusher([&] {
      while (!stop) {
        if (!log->flush().isOk()) ++wrong;
        std::this_thread::yield();
      }
    });
    std::vector<std::thread> writers;
    for (int w = 0; w < 8; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; i < 300; ++i) {
          Index mine = 0;
          {
            std::lock_guard lk(appendMu);
            mine = log->lastIndex() + 1;
            if (!log->append(entryFor(mine)).isOk()) ++wrong;
          }
          const Status s = log->waitDurable(mine, (w + i) % 2);
          if (s.isOk()) {
            ++oks;
            if (log->durableEnd() < mine) ++wrong;
          } else if (s.code() != Status::Code::kTimeout) {
            ++wrong;
          }
        }
      });
    }
    for (auto& t : writers) t.join();
    stop = true;
    flusher.join();
    QCOMPARE(wrong.load(), 0);
    QVERIFY(oks.load() > 0);
    QLAB_VERIFY_OK(log->flush());
    QLAB_VERIFY_OK(log->waitDurable(log->lastIndex(), 10));
  }

  void resetToWakesWaitersBelowTheNewStart() {
    MemFileSystem fs;
    auto log = mustOpen(fs, kDir);
    QLAB_VERIFY_OK(appendRange(*log, 1, 3));
    Status s;
    QElapsedTimer timer;
    timer.start();
    std::thread t([&] { s = log->waitDurable(50, 20'000); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    QLAB_VERIFY_OK(log->resetTo(101));  // a snapshot through 100 was installed
    t.join();
    QLAB_VERIFY_OK(s);
    QVERIFY2(timer.elapsed() < 10'000, "the waiter slept until its timeout instead of being woken");
  }

  void aFailedFsyncIsFinalForEveryPolicy() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto log = mustOpen(fs, kDir);
    Flusher f(*log, {FlushMode::kGroup, 0});
    fs.failNextSyncs(1);
    QLAB_VERIFY_OK(appendOne(f, entryFor(1)));
    QCOMPARE(f.waitDurable(1, 5000).code(), Status::Code::kFailed);
    // The log latches before the flusher thread's flush() returns and records the error.
    for (int i = 0; i < 500 && f.lastError().isOk(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    QCOMPARE(f.lastError().code(), Status::Code::kFailed);
    QCOMPARE(appendOne(f, entryFor(2)).code(), Status::Code::kFailed);
    f.setPolicy({FlushMode::kAlways, 0});
    QCOMPARE(log->durableEnd(), Index{0});
  }

  void noSpaceIsRetriedByTheGroupFlusher() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto log = mustOpen(fs, kDir);
    Flusher f(*log, {FlushMode::kGroup, 0});
    fs.failNextAppends(1);
    QLAB_VERIFY_OK(appendOne(f, entryFor(1)));
    QLAB_VERIFY_OK(f.waitDurable(1, 5000));
    QCOMPARE(f.lastError().code(), Status::Code::kNoSpace);
  }

  void alwaysReportsNoSpaceButKeepsTheEntries() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto log = mustOpen(fs, kDir);
    Flusher f(*log, {FlushMode::kAlways, 0});
    fs.failNextAppends(1);
    QCOMPARE(appendOne(f, entryFor(1)).code(), Status::Code::kNoSpace);
    QCOMPARE(log->lastIndex(), Index{1});
    QCOMPARE(log->durableEnd(), Index{0});
    QLAB_VERIFY_OK(appendOne(f, entryFor(2)));
    QCOMPARE(log->durableEnd(), Index{2});
  }
};

QTEST_APPLESS_MAIN(WalFlusherTest)
#include "test_wal_flusher.moc"
