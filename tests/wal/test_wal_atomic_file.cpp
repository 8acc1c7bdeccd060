// writeFileAtomically / readAtomicFile: all-old or all-new after a crash at any step.
#include "wal_test_util.h"

#include "core/wal/atomic_file.h"

using namespace qlab;
using namespace qlab::wal;
using namespace qlab::wal::test;

class WalAtomicFileTest : public QObject {
  Q_OBJECT
 private slots:
  void writtenFileReadsBack() {
    MemFileSystem fs;
    QLAB_VERIFY_OK(fs.createDirs("n"));
    for (std::string payload : {std::string(), std::string("meta v1"), payloadFor(1, 100000)}) {
      QLAB_VERIFY_OK(writeFileAtomically(fs, "n/meta", payload));
      Result<std::string> r = readAtomicFile(fs, "n/meta");
      QLAB_VERIFY_OK(r);
      QCOMPARE(*r, payload);
    }
    QVERIFY(!fs.exists("n/meta.tmp"));
  }

  void missingFileIsNotFound() {
    MemFileSystem fs;
    QCOMPARE(readAtomicFile(fs, "meta").status().code(), Status::Code::kNotFound);
  }

  void damagedFileIsCorruptionNamingTheFile() {
    MemFileSystem fs;
    QLAB_VERIFY_OK(writeFileAtomically(fs, "meta", "generation=5 vote=2"));
    const std::string good = fs.contents("meta");
    for (std::size_t i = 0; i < good.size(); ++i) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ 0x04);
      fs.setContents("meta", bad);
      Result<std::string> r = readAtomicFile(fs, "meta");
      QCOMPARE(r.status().code(), Status::Code::kCorruption);
      QVERIFY(r.status().message().find("meta") != std::string::npos);
    }
    for (std::size_t n = 0; n < good.size(); ++n) {
      fs.setContents("meta", good.substr(0, n));
      QCOMPARE(readAtomicFile(fs, "meta").status().code(), Status::Code::kCorruption);
    }
    fs.setContents("meta", good + "x");
    QCOMPARE(readAtomicFile(fs, "meta").status().code(), Status::Code::kCorruption);
  }

  void leftoverTempFileIsIgnored() {
    MemFileSystem fs;
    QLAB_VERIFY_OK(writeFileAtomically(fs, "meta", "old"));
    fs.setContents("meta.tmp", "half-written garbage");
    QCOMPARE(*readAtomicFile(fs, "meta"), std::string("old"));
    QLAB_VERIFY_OK(writeFileAtomically(fs, "meta", "new"));  // overwrites the leftover
    QCOMPARE(*readAtomicFile(fs, "meta"), std::string("new"));
  }

  void crashBeforeTheRenameKeepsTheOldFile() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    QLAB_VERIFY_OK(writeFileAtomically(fs, "meta", "old"));
    fs.setCrashPoint([](const std::string& op) { return op.rfind("rename", 0) == 0; });
    QCOMPARE(writeFileAtomically(fs, "meta", "new").code(), Status::Code::kAborted);
    fs.setCrashPoint(nullptr);
    QCOMPARE(*readAtomicFile(fs, "meta"), std::string("old"));
  }

  void crashAfterTheRenameBeforeTheDirectorySyncKeepsTheOldFile() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    QLAB_VERIFY_OK(writeFileAtomically(fs, "meta", "old"));
    fs.setCrashPoint([](const std::string& op) { return op.rfind("syncdir", 0) == 0; });
    QCOMPARE(writeFileAtomically(fs, "meta", "new").code(), Status::Code::kAborted);
    fs.setCrashPoint(nullptr);
    QCOMPARE(*readAtomicFile(fs, "meta"), std::string("old"));
  }

  void completedWriteSurvivesPowerLoss() {
    MemFileSystem mem;
    FaultFileSystem fs(mem, 1);
    QLAB_VERIFY_OK(writeFileAtomically(fs, "meta", "old"));
    QLAB_VERIFY_OK(writeFileAtomically(fs, "meta", "new"));
    fs.powerLoss(PowerLossMode::kTornWrite);
    QCOMPARE(*readAtomicFile(fs, "meta"), std::string("new"));
  }

  void aCrashAtAnyStepLeavesTheOldOrTheNewContent() {
    const std::string oldPayload = payloadFor(1, 300);
    const std::string newPayload = payloadFor(2, 500);
    for (PowerLossMode mode : {PowerLossMode::kDropUnsynced, PowerLossMode::kTornWrite,
                               PowerLossMode::kZeroedTail}) {
      for (int k = 0;; ++k) {
        MemFileSystem mem;
        FaultFileSystem fs(mem, static_cast<std::uint64_t>(k));
        QLAB_VERIFY_OK(fs.createDirs("node"));
        QLAB_VERIFY_OK(writeFileAtomically(fs, "node/meta", oldPayload));
        int n = 0;
        fs.setCrashMode(mode);
        fs.setCrashPoint([&](const std::string&) { return n++ == k; });
        Status s = writeFileAtomically(fs, "node/meta", newPayload);
        fs.setCrashPoint(nullptr);
        if (s.isOk()) {
          fs.powerLoss(mode);
          QCOMPARE(*readAtomicFile(fs, "node/meta"), newPayload);
          break;  // k passed the last operation
        }
        Result<std::string> r = readAtomicFile(fs, "node/meta");
        QLAB_VERIFY_OK(r);
        QVERIFY2(*r == oldPayload || *r == newPayload, qPrintable(QString("crash at op %1").arg(k)));
      }
    }
  }
};

QTEST_APPLESS_MAIN(WalAtomicFileTest)
#include "test_wal_atomic_file.moc"
