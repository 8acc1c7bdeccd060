// The real disk: PosixFileSystem and the log on it, in a temporary directory.
#include "wal_test_util.h"

#include <QTemporaryDir>

#include "core/wal/atomic_file.h"

using namespace qlab;
using namespace qlab::wal;
using namespace qlab::wal::test;

class WalPosixTest : public QObject {
  Q_OBJECT
 private slots:
  void logLivesThroughACycleOnARealDisk() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::string dir = tmp.path().toStdString() + "/node-1/wal";
    FileSystem& fs = posixFileSystem();
    {
      auto log = mustOpen(fs, dir, smallSegments(4096, 256));
      QVERIFY(log);
      QLAB_VERIFY_OK(appendRange(*log, 1, 300, 1, 60));
      QLAB_VERIFY_OK(log->flush());
      QVERIFY(log->segments().size() > 3);
      QLAB_VERIFY_OK(log->truncateAfter(250));
      QLAB_VERIFY_OK(appendRange(*log, 251, 260, 2, 60));
      QLAB_VERIFY_OK(log->flush());
      Result<int> removed = log->removeBefore(100);
      QLAB_VERIFY_OK(removed);
      QVERIFY(*removed >= 1);
    }
    RecoveryReport rep;
    auto log = mustOpen(fs, dir, smallSegments(4096, 256), &rep);
    QVERIFY(log);
    QCOMPARE(log->lastIndex(), Index{260});
    QVERIFY(log->firstIndex() > 1 && log->firstIndex() <= 100);
    for (Index i = log->firstIndex(); i <= 260; ++i) QVERIFY(*log->read(i) == entryFor(i, i <= 250 ? 1 : 2, 60));
    auto names = fs.list(dir);
    QLAB_VERIFY_OK(names);
    QCOMPARE(names->size(), log->segments().size());
  }

  void tornTailOnARealDiskIsCutOnReopen() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString() + "/wal";
    FileSystem& fs = posixFileSystem();
    {
      auto log = mustOpen(fs, dir);
      QLAB_VERIFY_OK(appendRange(*log, 1, 10));
      QLAB_VERIFY_OK(log->flush());
      QLAB_VERIFY_OK(appendRange(*log, 11, 20));
      log->simulatePowerLoss(true, 5);
    }
    RecoveryReport rep;
    auto log = mustOpen(fs, dir, {}, &rep);
    QVERIFY(log);
    QVERIFY(log->lastIndex() >= 10 && log->lastIndex() < 20);
    QVERIFY(rep.truncatedTornTail);
  }

  void unwritableDirectoryIsAnIoErrorNamingThePath() {
    QTemporaryDir tmp;
    const std::string file = tmp.path().toStdString() + "/plain-file";
    FileSystem& fs = posixFileSystem();
    auto f = fs.open(file, OpenMode::kCreate);
    QLAB_VERIFY_OK(f);
    // Running as root, permissions do not stop us; a path through a regular file does.
    const std::string dir = file + "/wal";
    auto r = SegmentedLog::open(fs, dir, {});
    QVERIFY(!r.isOk());
    QCOMPARE(r.status().code(), Status::Code::kIoError);
    QVERIFY2(r.status().message().find(file) != std::string::npos, r.status().message().c_str());
    auto created = fs.open(file + "/x.wal", OpenMode::kCreate);
    QCOMPARE(created.status().code(), Status::Code::kIoError);
    QVERIFY2(created.status().message().find("x.wal") != std::string::npos &&
                 created.status().message().find("Not a directory") != std::string::npos,
             created.status().message().c_str());
  }

  void posixFileSystemBasics() {
    QTemporaryDir tmp;
    const std::string d = tmp.path().toStdString();
    auto fs = makePosixFileSystem();
    const std::string a = joinPath(d, "a");
    auto f = fs->open(a, OpenMode::kCreate);
    QLAB_VERIFY_OK(f);
    QLAB_VERIFY_OK(writeAll(**f, "hello"));
    QLAB_VERIFY_OK((*f)->sync());
    QLAB_VERIFY_OK(fs->syncDir(d));
    QCOMPARE(*fs->fileSize(a), 5ull);
    QCOMPARE(*(*f)->size(), 5ull);
    QCOMPARE(fs->open(a, OpenMode::kCreate).status().code(), Status::Code::kIoError);
    QCOMPARE(fs->open(joinPath(d, "missing"), OpenMode::kRead).status().code(), Status::Code::kNotFound);
    char buf[8];
    QCOMPARE(*(*f)->readAt(3, buf, 8), std::size_t{2});
    QLAB_VERIFY_OK((*f)->truncate(2));
    QLAB_VERIFY_OK(fs->rename(a, joinPath(d, "b")));
    QVERIFY(!fs->exists(a));
    QVERIFY(fs->exists(joinPath(d, "b")));
    QCOMPARE(*fs->list(d), std::vector<std::string>{"b"});
    QLAB_VERIFY_OK(fs->remove(joinPath(d, "b")));
    QCOMPARE(fs->remove(joinPath(d, "b")).code(), Status::Code::kNotFound);
    Status s = fs->syncDir(joinPath(d, "nodir"));
    QVERIFY(!s.isOk());
    QVERIFY(s.message().find("nodir") != std::string::npos);
    QLAB_VERIFY_OK(fs->createDirs(joinPath(d, "x/y/z")));
    QLAB_VERIFY_OK(fs->createDirs(joinPath(d, "x/y/z/")));
    QVERIFY(fs->exists(joinPath(d, "x/y/z")));
  }

  void faultFileSystemOverTheRealDiskRollsBackUnsyncedWrites() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString() + "/wal";
    FaultFileSystem fs(posixFileSystem(), 11);
    {
      auto log = mustOpen(fs, dir);
      QLAB_VERIFY_OK(appendRange(*log, 1, 10));
      QLAB_VERIFY_OK(log->flush());
      QLAB_VERIFY_OK(appendRange(*log, 11, 20));
      // Written but not synced: the page cache has it, a power loss does not.
      fs.setCrashPoint([](const std::string& op) { return op.rfind("sync", 0) == 0; });
      QVERIFY(!log->flush().isOk());
      fs.setCrashPoint(nullptr);
    }
    auto log = mustOpen(fs, dir);
    QVERIFY(log);
    QCOMPARE(log->lastIndex(), Index{10});
  }

  void atomicFileOnARealDisk() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/meta";
    QLAB_VERIFY_OK(writeFileAtomically(posixFileSystem(), path, "generation=3"));
    QLAB_VERIFY_OK(writeFileAtomically(posixFileSystem(), path, "generation=4"));
    QCOMPARE(*readAtomicFile(posixFileSystem(), path), std::string("generation=4"));
    QVERIFY(!posixFileSystem().exists(path + ".tmp"));
  }
};

QTEST_GUILESS_MAIN(WalPosixTest)
#include "test_wal_posix.moc"
