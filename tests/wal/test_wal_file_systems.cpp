// MemFileSystem semantics and FaultFileSystem's model of durability: what power loss keeps,
// tears, zeroes and undoes, and the injected EIO / ENOSPC / short writes / crash points.
#include "wal_test_util.h"

using namespace qlab;
using namespace qlab::wal;
using namespace qlab::wal::test;

namespace {

std::unique_ptr<File> mustOpenFile(FileSystem& fs, const std::string& path, OpenMode mode) {
  Result<std::unique_ptr<File>> f = fs.open(path, mode);
  if (!f.isOk()) {
    qWarning("open %s: %s", path.c_str(), f.status().toString().c_str());
    return nullptr;
  }
  return std::move(f).value();
}

std::vector<std::string> sortedList(const FileSystem& fs, const std::string& dir) {
  auto r = fs.list(dir);
  std::vector<std::string> v = r.isOk() ? *r : std::vector<std::string>{};
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

class WalFileSystemsTest : public QObject {
  Q_OBJECT
 private slots:
  // --- MemFileSystem ---
  void memFilesAppendReadAndTruncate() {
    MemFileSystem fs;
    QLAB_VERIFY_OK(fs.createDirs("d/e"));
    auto f = mustOpenFile(fs, "d/e/f", OpenMode::kCreate);
    QVERIFY(f);
    QLAB_VERIFY_OK(writeAll(*f, "hello world"));
    char buf[5];
    QLAB_VERIFY_OK(readExact(*f, 6, buf, 5));
    QCOMPARE(std::string(buf, 5), std::string("world"));
    QLAB_VERIFY_OK(f->truncate(5));
    QCOMPARE(*f->size(), 5ull);
    QCOMPARE(fs.contents("d/e/f"), std::string("hello"));
    Result<std::size_t> past = f->readAt(10, buf, 5);
    QCOMPARE(*past, std::size_t{0});
  }

  void memCreateRefusesAnExistingFileAndOpenRefusesAMissingOne() {
    MemFileSystem fs;
    QVERIFY(mustOpenFile(fs, "f", OpenMode::kCreate));
    QVERIFY(!fs.open("f", OpenMode::kCreate).isOk());
    QCOMPARE(fs.open("g", OpenMode::kRead).status().code(), Status::Code::kNotFound);
    QCOMPARE(fs.open("nodir/g", OpenMode::kCreate).status().code(), Status::Code::kNotFound);
  }

  void memReadExactPastTheEndNamesFileAndOffset() {
    MemFileSystem fs;
    auto f = mustOpenFile(fs, "f", OpenMode::kCreate);
    QLAB_VERIFY_OK(writeAll(*f, "abc"));
    char buf[8];
    Status s = readExact(*f, 1, buf, 8);
    QCOMPARE(s.code(), Status::Code::kCorruption);
    QVERIFY(s.message().find("f at byte 1") != std::string::npos);
  }

  void memListNamesOnlyDirectChildren() {
    MemFileSystem fs;
    QLAB_VERIFY_OK(fs.createDirs("a/b"));
    QVERIFY(mustOpenFile(fs, "a/x", OpenMode::kCreate));
    QVERIFY(mustOpenFile(fs, "a/b/y", OpenMode::kCreate));
    QCOMPARE(sortedList(fs, "a"), (std::vector<std::string>{"b", "x"}));
    QCOMPARE(sortedList(fs, "a/"), (std::vector<std::string>{"b", "x"}));
  }

  void memRenameReplacesTheTargetAndRemovedFilesLiveOnForOpenHandles() {
    MemFileSystem fs;
    auto a = mustOpenFile(fs, "a", OpenMode::kCreate);
    QLAB_VERIFY_OK(writeAll(*a, "new"));
    fs.setContents("b", "old");
    QLAB_VERIFY_OK(fs.rename("a", "b"));
    QVERIFY(!fs.exists("a"));
    QCOMPARE(fs.contents("b"), std::string("new"));
    QLAB_VERIFY_OK(fs.remove("b"));
    QLAB_VERIFY_OK(writeAll(*a, "er"));  // unlinked but open: still writable
    QCOMPARE(*a->size(), 5ull);
    QCOMPARE(fs.remove("b").code(), Status::Code::kNotFound);
  }

  // --- FaultFileSystem: file contents ---
  void unsyncedBytesVanishOnPowerLossAndSyncedOnesSurvive() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto f = mustOpenFile(fs, "f", OpenMode::kCreate);
    QLAB_VERIFY_OK(fs.syncDir(""));
    QLAB_VERIFY_OK(writeAll(*f, "durable"));
    QLAB_VERIFY_OK(f->sync());
    QLAB_VERIFY_OK(writeAll(*f, "-lost"));
    fs.powerLoss(PowerLossMode::kDropUnsynced);
    QCOMPARE(mem.contents("f"), std::string("durable"));
    QCOMPARE(fs.powerLosses(), 1);
  }

  void tornWriteKeepsARandomPrefixOfTheUnsyncedTail() {
    std::set<std::size_t> lengths;
    for (std::uint64_t seed = 0; seed < 40; ++seed) {
      MemFileSystem mem;
      FaultFileSystem fs(mem, seed);
      auto f = mustOpenFile(fs, "f", OpenMode::kCreate);
      QLAB_VERIFY_OK(fs.syncDir(""));
      QLAB_VERIFY_OK(writeAll(*f, "0123"));
      QLAB_VERIFY_OK(f->sync());
      QLAB_VERIFY_OK(writeAll(*f, "456789"));
      fs.powerLoss(PowerLossMode::kTornWrite);
      const std::string got = mem.contents("f");
      QVERIFY(got.size() >= 4 && got.size() <= 10);
      QCOMPARE(got, std::string("0123456789").substr(0, got.size()));
      lengths.insert(got.size());
    }
    QVERIFY(lengths.size() > 3);  // really random
  }

  void zeroedTailKeepsTheTornLengthButReadsZeros() {
    bool sawZeros = false;
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
      MemFileSystem mem;
      FaultFileSystem fs(mem, seed);
      auto f = mustOpenFile(fs, "f", OpenMode::kCreate);
      QLAB_VERIFY_OK(fs.syncDir(""));
      QLAB_VERIFY_OK(writeAll(*f, "abcd"));
      QLAB_VERIFY_OK(f->sync());
      QLAB_VERIFY_OK(writeAll(*f, "efgh"));
      fs.powerLoss(PowerLossMode::kZeroedTail);
      const std::string got = mem.contents("f");
      QCOMPARE(got.substr(0, 4), std::string("abcd"));
      QCOMPARE(got.substr(4), std::string(got.size() - 4, '\0'));
      sawZeros = sawZeros || got.size() > 4;
    }
    QVERIFY(sawZeros);
  }

  void onlyTheMostRecentlyWrittenFileIsTorn() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 3);
    auto a = mustOpenFile(fs, "a", OpenMode::kCreate);
    auto b = mustOpenFile(fs, "b", OpenMode::kCreate);
    QLAB_VERIFY_OK(fs.syncDir(""));
    QLAB_VERIFY_OK(writeAll(*a, std::string(100, 'a')));
    QLAB_VERIFY_OK(writeAll(*b, std::string(100, 'b')));
    fs.powerLoss(PowerLossMode::kTornWrite);
    QCOMPARE(mem.contents("a"), std::string());
  }

  void truncateLowersTheSyncedLength() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto f = mustOpenFile(fs, "f", OpenMode::kCreate);
    QLAB_VERIFY_OK(fs.syncDir(""));
    QLAB_VERIFY_OK(writeAll(*f, "0123456789"));
    QLAB_VERIFY_OK(f->sync());
    QLAB_VERIFY_OK(f->truncate(4));
    QLAB_VERIFY_OK(writeAll(*f, "xy"));
    fs.powerLoss(PowerLossMode::kDropUnsynced);
    QCOMPARE(mem.contents("f"), std::string("0123"));
  }

  void deadHandlesFailWithAbortedAfterPowerLoss() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto f = mustOpenFile(fs, "f", OpenMode::kCreate);
    fs.powerLoss(PowerLossMode::kDropUnsynced);
    QCOMPARE(f->append("x", 1).status().code(), Status::Code::kAborted);
    QCOMPARE(f->sync().code(), Status::Code::kAborted);
    char c;
    QCOMPARE(f->readAt(0, &c, 1).status().code(), Status::Code::kAborted);
    QVERIFY(mustOpenFile(fs, "g", OpenMode::kCreate));  // the rebooted machine works
  }

  // --- FaultFileSystem: directory entries ---
  void unsyncedCreateVanishesAndSyncedCreateStays() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    QVERIFY(mustOpenFile(fs, "kept", OpenMode::kCreate));
    QLAB_VERIFY_OK(fs.syncDir(""));
    QVERIFY(mustOpenFile(fs, "lost", OpenMode::kCreate));
    fs.powerLoss(PowerLossMode::kDropUnsynced);
    QVERIFY(fs.exists("kept"));
    QVERIFY(!fs.exists("lost"));
  }

  void unsyncedRemoveIsUndoneAndSyncedRemoveIsFinal() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto f = mustOpenFile(fs, "d", OpenMode::kCreate);
    QLAB_VERIFY_OK(writeAll(*f, "data"));
    QLAB_VERIFY_OK(f->sync());
    QLAB_VERIFY_OK(fs.syncDir(""));
    f.reset();
    QLAB_VERIFY_OK(fs.remove("d"));
    QVERIFY(!fs.exists("d"));
    QCOMPARE(sortedList(fs, ""), std::vector<std::string>{});  // the graveyard is hidden
    fs.powerLoss(PowerLossMode::kDropUnsynced);
    QCOMPARE(mem.contents("d"), std::string("data"));
    QLAB_VERIFY_OK(fs.remove("d"));
    QLAB_VERIFY_OK(fs.syncDir(""));
    fs.powerLoss(PowerLossMode::kDropUnsynced);
    QVERIFY(!fs.exists("d"));
    QCOMPARE(sortedList(mem, ""), std::vector<std::string>{});  // graveyard emptied
  }

  void unsyncedRenameIsUndoneAndRestoresTheReplacedFile() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    mem.setContents("target", "old");
    auto f = mustOpenFile(fs, "tmp", OpenMode::kCreate);
    QLAB_VERIFY_OK(writeAll(*f, "new"));
    QLAB_VERIFY_OK(f->sync());
    f.reset();
    QLAB_VERIFY_OK(fs.rename("tmp", "target"));
    QCOMPARE(mem.contents("target"), std::string("new"));
    fs.powerLoss(PowerLossMode::kDropUnsynced);
    QCOMPARE(mem.contents("target"), std::string("old"));
    QVERIFY(!fs.exists("tmp"));  // its create was never synced either
  }

  void syncDirMakesOnlyThatDirectoryDurable() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    QLAB_VERIFY_OK(fs.createDirs("a"));
    QLAB_VERIFY_OK(fs.createDirs("b"));
    QVERIFY(mustOpenFile(fs, "a/f", OpenMode::kCreate));
    QVERIFY(mustOpenFile(fs, "b/f", OpenMode::kCreate));
    QLAB_VERIFY_OK(fs.syncDir("a/"));
    fs.powerLoss(PowerLossMode::kDropUnsynced);
    QVERIFY(fs.exists("a/f"));
    QVERIFY(!fs.exists("b/f"));
  }

  // --- FaultFileSystem: injected errors ---
  void failNextSyncsGivesEioNamingTheFile() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto f = mustOpenFile(fs, "f", OpenMode::kCreate);
    fs.failNextSyncs(2);
    Status s = f->sync();
    QCOMPARE(s.code(), Status::Code::kIoError);
    QVERIFY(s.message().find("f: fdatasync failed") != std::string::npos);
    QCOMPARE(fs.syncDir("").code(), Status::Code::kIoError);
    QLAB_VERIFY_OK(f->sync());
  }

  void fsyncEioProbabilityOneFailsEverySync() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    FaultConfig c;
    c.fsyncEioProbability = 1;
    fs.setConfig(c);
    QCOMPARE(fs.config().fsyncEioProbability, 1.0);
    auto f = mustOpenFile(fs, "f", OpenMode::kCreate);
    for (int i = 0; i < 5; ++i) QCOMPARE(f->sync().code(), Status::Code::kIoError);
  }

  void failNextAppendsGivesNoSpace() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    auto f = mustOpenFile(fs, "f", OpenMode::kCreate);
    fs.failNextAppends(1);
    QCOMPARE(f->append("abc", 3).status().code(), Status::Code::kNoSpace);
    QLAB_VERIFY_OK(writeAll(*f, "abc"));
  }

  void capacityCutsAWriteShortThenFailsWithNoSpace() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    FaultConfig c;
    c.capacityBytes = 10;
    fs.setConfig(c);
    auto f = mustOpenFile(fs, "f", OpenMode::kCreate);
    Status s = writeAll(*f, "0123456789abcdef");
    QCOMPARE(s.code(), Status::Code::kNoSpace);
    QCOMPARE(mem.contents("f"), std::string("0123456789"));
    QLAB_VERIFY_OK(f->truncate(4));
    QLAB_VERIFY_OK(writeAll(*f, "456789"));  // room again
  }

  void shortWritesAreCompletedByWriteAll() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 9);
    FaultConfig c;
    c.shortWriteProbability = 1;
    fs.setConfig(c);
    auto f = mustOpenFile(fs, "f", OpenMode::kCreate);
    Result<std::size_t> one = f->append("abcdefgh", 8);
    QVERIFY(*one >= 1 && *one < 8);
    const std::string data = payloadFor(1, 5000);
    QLAB_VERIFY_OK(writeAll(*f, data));
    QCOMPARE(mem.contents("f").substr(*one), data);
  }

  void crashPointFiresBeforeTheOperationWhichThenFails() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    std::vector<std::string> ops;
    fs.setCrashPoint([&](const std::string& op) {
      ops.push_back(op);
      return op.rfind("rename", 0) == 0;
    });
    auto f = mustOpenFile(fs, "d/x.tmp", OpenMode::kCreate);
    QVERIFY(!f);  // no directory yet
    QLAB_VERIFY_OK(fs.createDirs("d"));
    f = mustOpenFile(fs, "d/x.tmp", OpenMode::kCreate);
    QLAB_VERIFY_OK(writeAll(*f, "v"));
    QLAB_VERIFY_OK(f->sync());
    Status s = fs.rename("d/x.tmp", "d/x");
    QCOMPARE(s.code(), Status::Code::kAborted);
    QVERIFY(!fs.exists("d/x"));
    QVERIFY(!fs.exists("d/x.tmp"));  // its create was not synced
    QCOMPARE(fs.powerLosses(), 1);
    QVERIFY(std::find(ops.begin(), ops.end(), "append d/x.tmp") != ops.end());
    QVERIFY(std::find(ops.begin(), ops.end(), "sync d/x.tmp") != ops.end());
    QCOMPARE(ops.back(), std::string("rename d/x.tmp d/x"));
  }

  void theSameSeedTearsTheSameWay() {
    auto run = [](std::uint64_t seed) {
      MemFileSystem mem;
      FaultFileSystem fs(mem, seed);
      auto f = mustOpenFile(fs, "f", OpenMode::kCreate);
      (void)fs.syncDir("");
      (void)writeAll(*f, std::string(1000, 'x'));
      fs.powerLoss(PowerLossMode::kTornWrite);
      return mem.contents("f").size();
    };
    QCOMPARE(run(77), run(77));
  }
};

QTEST_APPLESS_MAIN(WalFileSystemsTest)
#include "test_wal_file_systems.moc"
