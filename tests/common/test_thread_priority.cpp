// Cluster threads may be asked to run below the thread that draws (core/common/thread_priority.h).
#include <thread>

#include <QtTest>

#include "core/common/thread_priority.h"
#include "core/wal/flusher.h"
#include "core/wal/segmented_log.h"

using namespace qlab;

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
    // The flusher's thread is the process's newest: find it by name-less elimination is not
    // portable, so read every thread's nice value and look for the one asked for.
    bool found = false;
    for (int attempt = 0; attempt < 100 && !found; ++attempt) {
      QDir tasks(QStringLiteral("/proc/self/task"));
      for (const QString& tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile stat(tasks.filePath(tid) + QStringLiteral("/stat"));
        if (!stat.open(QIODevice::ReadOnly)) continue;
        const QList<QByteArray> f = stat.readAll().split(')').last().trimmed().split(' ');
        if (f.size() > 16 && f[16].toInt() == base + 2) found = true;  // field 19: nice
      }
      if (!found) QTest::qWait(10);
    }
    QVERIFY(found);
  }
};

QTEST_MAIN(ThreadPriorityTest)
#include "test_thread_priority.moc"
