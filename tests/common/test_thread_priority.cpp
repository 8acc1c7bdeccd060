// Cluster threads may be asked to run below the thread that draws (core/common/thread_priority.h).
#include <thread>

#include <QtTest>

#include "core/common/thread_priority.h"
#include "core/recording/run_writer.h"
#include "core/wal/flusher.h"
#include "core/wal/segmented_log.h"

using namespace qlab;

namespace {
// True once a thread of this process runs at `nice` (waits up to a second for it to start).
// Threads have no portable names, so it reads every thread's nice value.
bool someThreadRunsAt(int nice) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString& tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
      QFile stat(tasks.filePath(tid) + QStringLiteral("/stat"));
      if (!stat.open(QIODevice::ReadOnly)) continue;
      const QList<QByteArray> f = stat.readAll().split(')').last().trimmed().split(' ');
      if (f.size() > 16 && f[16].toInt() == nice) return true;  // field 19: nice
    }
    QTest::qWait(10);
  }
  return false;
}
}  // namespace

class ThreadPriorityTest : public QObject {
  Q_OBJECT
 private slots:
  void nothingAskedLeavesThreadsAsTheProcessRuns() {
    QCOMPARE(clusterThreadNice(), -100);
    int seen = -1000;
    std::thread([&] {
      applyClusterThreadNice();
      seen = thisThreadNice();
    }).join();
    QCOMPARE(seen, thisThreadNice());
  }

  void askedThreadsRunBelowTheAskerAndNeverRise() {
    const int base = thisThreadNice();
    if (base > 15) QSKIP("this process already runs at a nice value near the bottom");
    setClusterThreadNiceBelowThisThread(3);
    QCOMPARE(clusterThreadNice(), base + 3);
    int seen = -1000, again = -1000;
    std::thread([&] {
      applyClusterThreadNice();
      seen = thisThreadNice();
      applyClusterThreadNice();  // twice: the same, not lower still
      again = thisThreadNice();
    }).join();
    QCOMPARE(seen, base + 3);
    QCOMPARE(again, base + 3);
    QCOMPARE(thisThreadNice(), base);  // the asking thread itself is untouched
  }

  void aFlusherThreadAppliesIt() {
    const int base = thisThreadNice();
    if (base > 15) QSKIP("this process already runs at a nice value near the bottom");
    setClusterThreadNiceBelowThisThread(2);
    QTemporaryDir dir;
    auto log = wal::SegmentedLog::open(wal::posixFileSystem(), (dir.path() + "/wal").toStdString(), {});
    QVERIFY(log.isOk());
    wal::Flusher flusher(*log.value(), wal::FlushPolicy{});
    QVERIFY(someThreadRunsAt(base + 2));
  }

  void theRecordingWriterAppliesIt() {
    const int base = thisThreadNice();
    if (base > 14) QSKIP("this process already runs at a nice value near the bottom");
    setClusterThreadNiceBelowThisThread(4);  // a value no earlier test asked for
    QTemporaryDir dir;
    auto w = recording::RunWriter::create((dir.path() + "/run.qlabrun").toStdString(), "{}", 3, [] { return 0; });
    QVERIFY(w.isOk());
    QVERIFY(someThreadRunsAt(base + 4));
  }
};

QTEST_MAIN(ThreadPriorityTest)
#include "test_thread_priority.moc"
