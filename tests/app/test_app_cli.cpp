// The `quorumlab` binary as users and scripts see it (docs/cli-tools.md): exit codes, one-line
// errors, verify's findings and dump's output, run as a separate process on logs written
// with core/wal on the real disk.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/common/cluster_config.h"
#include "core/kv/command.h"
#include "core/wal/format.h"
#include "core/wal/record_codec.h"
#include "core/wal/segmented_log.h"

using namespace qlab;

namespace {

struct Run {
  int exitCode = -1;
  QString out;
  QString err;
};

Run quorumlab(const QStringList& args) {
  QProcess p;
  p.start(QStringLiteral(QLAB_QUORUMLAB_BINARY), args);
  Run r;
  if (!p.waitForFinished(120'000)) {
    p.kill();
    p.waitForFinished();
    r.err = "timed out";
    return r;
  }
  r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Entry i: every 10th a noop, the 5th a config (W=2), the rest kv writes of client 7.
Entry entryAt(Index i) {
  Entry e;
  e.index = i;
  e.generation = i < 20 ? 1 : 2;
  e.timestampMs = 1'700'000'000'000 + static_cast<std::int64_t>(i);
  if (i % 10 == 0) {
    e.type = EntryType::kNoop;
  } else if (i == 5) {
    e.type = EntryType::kConfig;
    e.payload = encodeClusterConfig(ClusterConfig{2});
  } else {
    kv::Command c{7, i, "key-" + std::to_string(i), "value-" + std::to_string(i) + std::string(30, 'v')};
    e.payload = kv::encodeCommand(c);
  }
  return e;
}

// A node data directory `<root>/node` with a log of entries 1..n in ~1 KiB segments.
std::string makeLog(const QTemporaryDir& tmp, Index n, const std::vector<Entry>& extra = {}) {
  const std::string node = tmp.path().toStdString() + "/node";
  wal::LogOptions opt;
  opt.segmentBytes = 1024;
  opt.sparseIndexEveryBytes = 256;
  auto log = wal::SegmentedLog::open(wal::posixFileSystem(), node + "/wal", opt);
  if (!log.isOk()) qFatal("open: %s", log.status().toString().c_str());
  for (Index i = 1; i <= n; ++i) QLAB_ASSERT((*log)->append(entryAt(i)).isOk());
  for (const Entry& e : extra) QLAB_ASSERT((*log)->append(e).isOk());
  QLAB_ASSERT((*log)->flush().isOk());
  return node;
}

std::vector<wal::SegmentInfo> segmentsOf(const std::string& node) {
  auto log = wal::SegmentedLog::open(wal::posixFileSystem(), node + "/wal", wal::LogOptions{});
  QLAB_ASSERT(log.isOk());
  return (*log)->segments();
}

// Byte offsets of the records of a segment file.
std::vector<std::uint64_t> recordOffsets(const std::string& bytes) {
  std::vector<std::uint64_t> out;
  std::uint64_t off = wal::format::kSegmentHeaderBytes;
  while (off < bytes.size()) {
    wal::RecordView v = wal::viewRecord(std::string_view(bytes).substr(off));
    if (v.outcome != wal::DecodeOutcome::kOk) break;
    out.push_back(off);
    off += v.bytes;
  }
  return out;
}

QJsonObject parseObject(const QString& text) {
  QJsonParseError err{};
  const QJsonDocument d = QJsonDocument::fromJson(text.toUtf8(), &err);
  if (err.error != QJsonParseError::NoError || !d.isObject()) {
    qWarning("not one JSON object (%s): %s", qPrintable(err.errorString()), qPrintable(text.left(400)));
    return {};
  }
  return d.object();
}

QStringList lines(const QString& text) { return text.split('\n', Qt::SkipEmptyParts); }

QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

class AppCliTest : public QObject {
  Q_OBJECT
 private slots:
  void helpAndVersionExitZero() {
    Run help = quorumlab({"--help"});
    QCOMPARE(help.exitCode, 0);
    QVERIFY(help.out.contains("quorumlab verify DIR"));
    Run version = quorumlab({"--version"});
    QCOMPARE(version.exitCode, 0);
    QVERIFY2(version.out.startsWith("quorumlab "), qPrintable(version.out));
  }

  void verifyCleanLogReportsEverySegment() {
    QTemporaryDir tmp;
    const std::string node = makeLog(tmp, 60);
    const std::vector<wal::SegmentInfo> segs = segmentsOf(node);
    QVERIFY(segs.size() >= 3);

    Run table = quorumlab({"verify", q(node)});
    QCOMPARE(table.exitCode, 0);
    for (const auto& s : segs) QVERIFY2(table.out.contains(q(s.fileName)), qPrintable(table.out));
    QVERIFY(table.out.contains("result: clean"));

    Run json = quorumlab({"verify", q(node + "/wal"), "--json"});  // the wal/ folder works too
    QCOMPARE(json.exitCode, 0);
    const QJsonObject o = parseObject(json.out);
    QCOMPARE(o["ok"].toBool(false), true);
    QCOMPARE(o["torn_tail"].toBool(true), false);
    QCOMPARE(o["records"].toInteger(), 60);
    QCOMPARE(o["first_index"].toInteger(), 1);
    QCOMPARE(o["last_index"].toInteger(), 60);
    QVERIFY(o["corruption"].isNull());
    const QJsonArray arr = o["segments"].toArray();
    QCOMPARE(arr.size(), static_cast<qsizetype>(segs.size()));
    for (qsizetype i = 0; i < arr.size(); ++i) {
      const QJsonObject s = arr[i].toObject();
      const wal::SegmentInfo& want = segs[static_cast<std::size_t>(i)];
      QCOMPARE(s["file"].toString(), q(want.fileName));
      QCOMPARE(s["first_index"].toInteger(), static_cast<qint64>(want.firstIndex));
      QCOMPARE(s["last_index"].toInteger(), static_cast<qint64>(want.lastIndex));
      QCOMPARE(s["records"].toInteger(), static_cast<qint64>(want.lastIndex - want.firstIndex + 1));
      QCOMPARE(s["bytes"].toInteger(), static_cast<qint64>(want.bytes));
      QCOMPARE(s["status"].toString(), QString("ok"));
    }
  }

  void verifyFlippedBitInSealedSegmentIsCorruptionWithFileAndOffset() {
    QTemporaryDir tmp;
    const std::string node = makeLog(tmp, 60);
    const std::string name = segmentsOf(node)[0].fileName;
    const std::string path = node + "/wal/" + name;
    std::string bytes = readFile(path);
    const std::vector<std::uint64_t> offs = recordOffsets(bytes);
    QVERIFY(offs.size() >= 3);
    const std::uint64_t bad = offs[2];
    bytes[bad + wal::format::kRecordHeaderBytes + 3] ^= 0x10;  // a payload bit of the 3rd record
    writeFile(path, bytes);

    Run table = quorumlab({"verify", q(node)});
    QCOMPARE(table.exitCode, 2);
    QVERIFY2(table.err.contains(q(name)) && table.err.contains(QString("at byte %1").arg(bad)), qPrintable(table.err));
    QVERIFY(table.out.contains("CORRUPT"));

    Run json = quorumlab({"verify", q(node), "--json"});
    QCOMPARE(json.exitCode, 2);
    const QJsonObject o = parseObject(json.out);
    QCOMPARE(o["ok"].toBool(true), false);
    const QJsonObject c = o["corruption"].toObject();
    QCOMPARE(c["file"].toString(), q(name));
    QCOMPARE(c["offset"].toInteger(), static_cast<qint64>(bad));
    QVERIFY2(c["reason"].toString().contains("checksum mismatch"), qPrintable(c["reason"].toString()));
    QCOMPARE(o["segments"].toArray()[0].toObject()["status"].toString(), QString("corrupt"));
    QCOMPARE(o["segments"].toArray()[1].toObject()["status"].toString(), QString("ok"));
    QCOMPARE(readFile(path), bytes);  // verify never writes
  }

  void verifyTornTailExitsZeroAndReportsTheOffset() {
    QTemporaryDir tmp;
    const std::string node = makeLog(tmp, 60);
    const std::vector<wal::SegmentInfo> segs = segmentsOf(node);
    const std::string name = segs.back().fileName;
    const std::string path = node + "/wal/" + name;
    std::string bytes = readFile(path);
    const std::uint64_t tornAt = bytes.size();
    std::string next;
    wal::encodeRecord(entryAt(61), next);
    bytes += next.substr(0, 30);  // a write cut short mid-header
    writeFile(path, bytes);

    Run json = quorumlab({"verify", q(node), "--json"});
    QCOMPARE(json.exitCode, 0);  // not corruption: recovery cuts it (docs: verify exit codes)
    const QJsonObject o = parseObject(json.out);
    QCOMPARE(o["ok"].toBool(false), true);
    QCOMPARE(o["torn_tail"].toBool(false), true);
    QCOMPARE(o["last_index"].toInteger(), 60);
    const QJsonObject last = o["segments"].toArray().last().toObject();
    QCOMPARE(last["status"].toString(), QString("torn_tail"));
    QCOMPARE(last["offset"].toInteger(), static_cast<qint64>(tornAt));
    QCOMPARE(last["bytes"].toInteger(), static_cast<qint64>(bytes.size()));
    Run table = quorumlab({"verify", q(node)});
    QCOMPARE(table.exitCode, 0);
    QVERIFY2(table.out.contains(QString("torn tail at byte %1").arg(tornAt)), qPrintable(table.out));
    QCOMPARE(readFile(path), bytes);  // still there: verify only reports what recovery would cut
  }

  void unknownLessonIsRefusedBeforeAnyWindowWithTheNames() {
    // No display is needed: the name is checked before the GUI starts.
    for (const QStringList& args : {QStringList{"--lesson", "no-such-lesson"}, QStringList{"gui", "--lesson", "99"}}) {
      Run r = quorumlab(args);
      QCOMPARE(r.exitCode, 1);
      QCOMPARE(lines(r.err).size(), 1);
      QVERIFY2(r.err.contains("no lesson '" + args.last() + "'") && r.err.contains("2 flush-delay") &&
                   r.err.contains("10 split-brain"),
               qPrintable(r.err));
    }
    Run both = quorumlab({"--lesson", "quorum", "--scenario", "x.json"});
    QCOMPARE(both.exitCode, 1);
    QVERIFY2(both.err.contains("not both"), qPrintable(both.err));
  }

  // --export-format is checked before anything runs: an unknown name is refused with the
  // valid ones, and the option without --export says what is missing.
  void exportFormatBadNamesAndMissingExportAreRefused() {
    QTemporaryDir dir;
    for (const QString& list : {QStringLiteral("shiviz,bogus"), QStringLiteral("graphviz"), QStringLiteral("shiviz,")}) {
      Run r = quorumlab({"run", "--scenario", "no-such.json", "--export", dir.path(), "--export-format", list});
      QCOMPARE(r.exitCode, 1);
      QCOMPARE(lines(r.err).size(), 1);
      QVERIFY2(r.err.contains("--export-format") && r.err.contains("valid formats: shiviz, jepsen, jepsen-json, "
                                                                   "porcupine, perfetto, or all"),
               qPrintable(r.err));
    }
    Run bogus = quorumlab({"run", "--scenario", "no-such.json", "--export", dir.path(), "--export-format", "bogus"});
    QVERIFY2(bogus.err.contains("unknown format 'bogus'"), qPrintable(bogus.err));
    Run alone = quorumlab({"run", "--scenario", "no-such.json", "--export-format", "all"});
    QCOMPARE(alone.exitCode, 1);
    QVERIFY2(alone.err.contains("--export-format needs --export DIR"), qPrintable(alone.err));
    // A good list gets past the option check: the next complaint is the missing scenario.
    Run good = quorumlab({"run", "--scenario", "no-such.json", "--export", dir.path(), "--export-format", "all"});
    QCOMPARE(good.exitCode, 1);
    QVERIFY2(!good.err.contains("--export-format") && good.err.contains("no-such.json"), qPrintable(good.err));
  }

  // quorumlab check judges a history.jsonl: 0 linearizable, 3 not (naming the operations),
  // 1 for a malformed line (naming the file, the line and the field).
  void checkJudgesAHistoryAndNamesTheBadLineAndField() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    auto op = [](int client, int seq, const char* kind, const char* value, double inv, double done, const char* result) {
      return QStringLiteral(R"({"client":%1,"seq":%2,"op":"%3","key":"k","value":%4,"invoke_ms":%5,"complete_ms":%6,"result":"%7","index":null,"attempts":1})")
          .arg(client).arg(seq).arg(kind).arg(value ? QStringLiteral("\"%1\"").arg(value) : QStringLiteral("null"))
          .arg(inv).arg(done).arg(result).toStdString() + "\n";
    };
    // Write a, then a read returning a, then a timed-out write b and a read that saw b.
    writeFile(dir + "/good.jsonl", op(1, 1, "write", "a", 0, 5, "ok") + op(2, 1, "read", "a", 6, 8, "ok") +
                                       op(1, 2, "write", "b", 10, 5000, "timeout") + op(2, 2, "read", "b", 20, 22, "ok"));
    Run r = quorumlab({"check", tmp.path() + "/good.jsonl"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.startsWith("linearizable: 4 operations (2 writes, 2 reads, 1 with unknown outcome) on 1 keys"), qPrintable(r.out));
    // A read of b that finished before b's write began: not linearizable.
    writeFile(dir + "/stale.jsonl", op(1, 1, "write", "a", 0, 5, "ok") + op(2, 1, "read", "b", 6, 8, "ok") +
                                        op(1, 2, "write", "b", 10, 12, "ok"));
    r = quorumlab({"check", tmp.path() + "/stale.jsonl", "--json"});
    QCOMPARE(r.exitCode, 3);
    const QJsonObject verdict = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(verdict.value("ok").toBool(true), false);
    QVERIFY(!verdict.value("violations").toArray().isEmpty());
    // Bad input: the line and the field.
    writeFile(dir + "/bad.jsonl", op(1, 1, "write", "a", 0, 5, "ok") + "\n" +
                                      R"({"client":1,"seq":2,"op":"write","key":"k","value":"b","invoke_ms":9,"complete_ms":10,"result":"maybe"})" "\n");
    r = quorumlab({"check", tmp.path() + "/bad.jsonl"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("bad.jsonl:3: field 'result'"), qPrintable(r.err));
    writeFile(dir + "/garbage.jsonl", "not json at all\n");
    r = quorumlab({"check", tmp.path() + "/garbage.jsonl"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("garbage.jsonl:1: not valid JSON"), qPrintable(r.err));
    r = quorumlab({"check", tmp.path() + "/missing.jsonl"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("missing.jsonl") && r.err.contains("cannot read"), qPrintable(r.err));
  }

  // run --record, then export --run --at: the export of a moment has the standard files and
  // is consistent with itself (every acknowledged write of its history is in the reference
  // log), and bad recordings are refused naming the file.
  void recordThenExportAMomentOfTheRun() {
    QTemporaryDir tmp;
    const QString run = tmp.filePath("kill.qlabrun");
    Run r = quorumlab({"run", "--scenario", QStringLiteral(QLAB_SOURCE_DIR "/resources/scenarios/kill-leader-under-load.json"),
                       "--record", run});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("recorded to " + run), qPrintable(r.out));
    for (int at : {1500, 4000}) {
      const QString dir = tmp.filePath(QStringLiteral("at%1").arg(at));
      r = quorumlab({"export", "--run", run, "--at", QString::number(at), "--dir", dir, "--json"});
      QCOMPARE(r.exitCode, 0);
      for (const char* f : {"cluster.json", "history.jsonl", "events.jsonl", "summary.json", "node-1.jsonl"})
        QVERIFY2(QFile::exists(dir + "/" + f), f);
      const QJsonObject summary = QJsonDocument::fromJson(QByteArray::fromStdString(readFile((dir + "/summary.json").toStdString()))).object();
      QVERIFY2(summary.value("ok").toBool(), qPrintable(QString::fromStdString(readFile((dir + "/summary.json").toStdString()))));
      QCOMPARE(summary.value("lost_acked").toArray().size(), 0);
      const QJsonObject cl = QJsonDocument::fromJson(QByteArray::fromStdString(readFile((dir + "/cluster.json").toStdString()))).object();
      QCOMPARE(cl.value("at_ms").toInteger(), at);
      // The history judged linearizable by the checker.
      QCOMPARE(quorumlab({"check", dir + "/history.jsonl"}).exitCode, 0);
    }
    // Later moments hold more history.
    QVERIFY(readFile((tmp.filePath("at4000") + "/history.jsonl").toStdString()).size() >
            readFile((tmp.filePath("at1500") + "/history.jsonl").toStdString()).size());
    r = quorumlab({"export", "--run", run, "--at", "999999", "--dir", tmp.filePath("x")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("ms long"), qPrintable(r.err));
    writeFile(tmp.filePath("junk.qlabrun").toStdString(), "definitely not a recording");
    r = quorumlab({"export", "--run", tmp.filePath("junk.qlabrun"), "--dir", tmp.filePath("x")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("junk.qlabrun is not a Quorum Lab recording"), qPrintable(r.err));
    r = quorumlab({"gui", "--open", tmp.filePath("junk.qlabrun")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("junk.qlabrun"), qPrintable(r.err));
    // A cut copy (a download that stopped) still exports, with a warning naming it.
    const std::string whole = readFile(run.toStdString());
    writeFile(tmp.filePath("cut.qlabrun").toStdString(), whole.substr(0, whole.size() / 2));
    r = quorumlab({"export", "--run", tmp.filePath("cut.qlabrun"), "--dir", tmp.filePath("cut")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.contains("cut short"), qPrintable(r.err));
  }

  void verifyMissingOrNonWalDirectoryIsBadInput() {
    QTemporaryDir tmp;
    const QString missing = tmp.path() + "/does-not-exist";
    Run r = quorumlab({"verify", missing});
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(lines(r.err).size(), 1);
    QVERIFY2(r.err.contains(missing) && r.err.contains("no such directory"), qPrintable(r.err));

    writeFile(tmp.path().toStdString() + "/notes.txt", "hello");
    r = quorumlab({"verify", tmp.path()});
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(lines(r.err).size(), 1);
    QVERIFY2(r.err.contains(tmp.path()) && r.err.contains("not a WAL directory"), qPrintable(r.err));

    r = quorumlab({"verify"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.contains("DIR"));
  }

  void dumpJsonlPrintsEveryEntryInIndexOrder() {
    QTemporaryDir tmp;
    Entry odd;
    odd.index = 61;
    odd.generation = 2;
    odd.payload = kv::encodeCommand(kv::Command{9, 1, "quote\" back\\ nl\n tab\t ctl\x01", std::string("bad\xff\xfe utf8")});
    Entry junk;
    junk.index = 62;
    junk.generation = 2;
    junk.payload = "not a command";
    const std::string node = makeLog(tmp, 60, {odd, junk});
    Run r = quorumlab({"dump", q(node)});
    QCOMPARE(r.exitCode, 0);
    const QStringList ls = lines(r.out);
    QCOMPARE(ls.size(), 62);
    for (int i = 0; i < ls.size(); ++i) {
      const QJsonObject o = parseObject(ls[i]);
      const Index index = static_cast<Index>(i + 1);
      QCOMPARE(o["index"].toInteger(), static_cast<qint64>(index));
      QVERIFY(o.contains("generation") && o.contains("type") && o.contains("timestamp_ms"));
      if (index > 60) continue;
      const Entry e = entryAt(index);
      QCOMPARE(o["generation"].toInteger(), static_cast<qint64>(e.generation));
      QCOMPARE(o["timestamp_ms"].toInteger(), e.timestampMs);
      QCOMPARE(o["type"].toString(), QString(entryTypeName(e.type)));
      if (e.type == EntryType::kData) {
        QCOMPARE(o["client"].toInteger(), 7);
        QCOMPARE(o["seq"].toInteger(), static_cast<qint64>(index));
        QCOMPARE(o["key"].toString(), QString("key-%1").arg(index));
        QVERIFY(!o.contains("payload_hex"));
      } else {
        QVERIFY(!o.contains("client") && !o.contains("key"));
      }
      if (e.type == EntryType::kConfig) QCOMPARE(o["write_quorum"].toInteger(), 2);
    }
    const QJsonObject o61 = parseObject(ls[60]);
    QCOMPARE(o61["key"].toString(), QString("quote\" back\\ nl\n tab\t ctl\x01"));
    // Bytes that are not UTF-8 come as \u00XX escapes of their values (core/common/json_writer.h).
    QCOMPARE(o61["value"].toString(), QString("bad") + QChar(0xFF) + QChar(0xFE) + QString(" utf8"));
    const QByteArray raw(odd.payload.data(), static_cast<qsizetype>(odd.payload.size()));
    QCOMPARE(o61["payload_hex"].toString(), QString(raw.toHex()));  // lossless next to the U+FFFD text
    const QJsonObject o62 = parseObject(ls[61]);
    QVERIFY(!o62.contains("client"));
    QCOMPARE(o62["payload_hex"].toString(), QString(QByteArray("not a command").toHex()));
  }

  void dumpCsvHasAHeaderAndQuotesFields() {
    QTemporaryDir tmp;
    Entry odd;
    odd.index = 21;
    odd.generation = 2;
    odd.payload = kv::encodeCommand(kv::Command{9, 1, "a,b", "say \"hi\""});
    Entry bin;
    bin.index = 22;
    bin.generation = 2;
    bin.payload = kv::encodeCommand(kv::Command{9, 2, "k", std::string("x\xff")});
    const std::string node = makeLog(tmp, 20, {odd, bin});
    Run r = quorumlab({"dump", q(node), "--format", "csv"});
    QCOMPARE(r.exitCode, 0);
    const QStringList ls = lines(r.out);
    QCOMPARE(ls.size(), 23);
    QCOMPARE(ls[0], QString("index,generation,type,client,seq,key,value,timestamp_ms,write_quorum,payload_hex"));
    QCOMPARE(ls[1], QString("1,1,data,7,1,key-1,value-1%1,1700000000001,,").arg(QString(30, 'v')));
    QCOMPARE(ls[5], QString("5,1,config,,,,,1700000000005,2,"));
    QCOMPARE(ls[10], QString("10,1,noop,,,,,1700000000010,,"));
    QCOMPARE(ls[21], QString("21,2,data,9,1,\"a,b\",\"say \"\"hi\"\"\",0,,"));
    // Not UTF-8: U+FFFD in the text cell, and the exact bytes in payload_hex.
    const QByteArray raw(bin.payload.data(), static_cast<qsizetype>(bin.payload.size()));
    QCOMPARE(ls[22], QString("22,2,data,9,2,k,x") + QChar(0xFFFD) + QString(",0,,") + QString(raw.toHex()));
  }

  void dumpFromToPrintsExactlyThatRange() {
    QTemporaryDir tmp;
    const std::string node = makeLog(tmp, 60);
    const wal::SegmentInfo third = segmentsOf(node)[2];
    const Index from = third.firstIndex + 1;
    const Index to = from + 12;
    Run r = quorumlab({"dump", q(node), "--from", QString::number(from), "--to", QString::number(to)});
    QCOMPARE(r.exitCode, 0);
    const QStringList ls = lines(r.out);
    QCOMPARE(ls.size(), static_cast<qsizetype>(to - from + 1));
    for (qsizetype i = 0; i < ls.size(); ++i) {
      QCOMPARE(parseObject(ls[i])["index"].toInteger(), static_cast<qint64>(from + static_cast<Index>(i)));
    }
    r = quorumlab({"dump", q(node), "--from", "58"});
    QCOMPARE(lines(r.out).size(), 3);
    r = quorumlab({"dump", q(node), "--from", "9", "--to", "3"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.contains("--from"));
    r = quorumlab({"dump", q(node), "--format", "xml"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.contains("--format"));
  }

  void dumpStopsAtCorruptionWithExitTwo() {
    QTemporaryDir tmp;
    const std::string node = makeLog(tmp, 60);
    const std::vector<wal::SegmentInfo> segs = segmentsOf(node);
    const std::string name = segs[1].fileName;
    const std::string path = node + "/wal/" + name;
    std::string bytes = readFile(path);
    const std::uint64_t bad = recordOffsets(bytes)[1];
    bytes[bad + 1] ^= 0x01;  // the stored CRC of the second record of the second segment
    writeFile(path, bytes);
    Run r = quorumlab({"dump", q(node)});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("corruption") && r.err.contains(q(name)) && r.err.contains(QString("at byte %1").arg(bad)),
             qPrintable(r.err));
    const QStringList ls = lines(r.out);
    QCOMPARE(ls.size(), static_cast<qsizetype>(segs[1].firstIndex));  // everything before the bad record
    QCOMPARE(parseObject(ls.last())["index"].toInteger(), static_cast<qint64>(segs[1].firstIndex));
  }

  void benchWithBadOptionsNamesTheOption() {
    const std::vector<std::pair<QStringList, QString>> cases = {
        {{"bench", "wal", "--writers", "0"}, "--writers"},
        {{"bench", "wal", "--policy", "sometimes"}, "--policy"},
        {{"bench", "wal", "--record-bytes", "-1"}, "--record-bytes"},
        {{"bench", "wal", "--seconds"}, "--seconds"},
        {{"bench", "wal", "--frobnicate"}, "--frobnicate"},
        {{"bench", "wal", "--policy", "group", "--paired-raw"}, "--paired-raw"},
        {{"bench", "wal", "--writers", "2", "--paired-raw"}, "--paired-raw"},
        {{"bench", "recovery", "--bytes", "lots"}, "--bytes"},
        {{"bench", "teleport"}, "teleport"},
        {{"bench"}, "wal, recovery, cluster, memory, seek or group-limit"},
        {{"bench", "group-limit", "--writers", "0"}, "--writers"},
        {{"bench", "group-limit", "--dir", "/proc/nonexistent"}, "/proc/nonexistent"},
        {{"bench", "memory", "--entries", "0"}, "--entries"},
        {{"bench", "seek"}, "--run FILE is required"},
        {{"bench", "seek", "--run", "/nonexistent.qlabrun"}, "/nonexistent.qlabrun"},
    };
    for (const auto& [args, option] : cases) {
      Run r = quorumlab(args);
      QCOMPARE(r.exitCode, 1);
      QVERIFY2(r.err.contains(option), qPrintable(args.join(' ') + " -> " + r.err));
      QCOMPARE(lines(r.err).size(), 1);
    }
  }

  void benchRunsPrintTheContractKeysAndCleanUp() {
    QTemporaryDir tmp;
    Run w = quorumlab({"bench", "wal", "--policy", "group", "--writers", "4", "--seconds", "0.3", "--dir", tmp.path(), "--json"});
    QCOMPARE(w.exitCode, 0);
    const QJsonObject o = parseObject(w.out);
    for (const char* k : {"records_per_s", "mb_per_s", "p50_us", "p99_us", "fsyncs"}) QVERIFY2(o.contains(k), k);
    QVERIFY(o["records"].toInteger() > 0);
    QVERIFY(o["fsyncs"].toInteger() > 0);
    QVERIFY(o["p99_us"].toDouble() >= o["p50_us"].toDouble());
    QVERIFY(!o.contains("ratio_to_raw"));
    // --paired-raw: ours and the raw write+fdatasync probe take turns, both measured.
    Run p = quorumlab({"bench", "wal", "--policy", "always", "--paired-raw", "--seconds", "0.6", "--dir", tmp.path(), "--json"});
    QCOMPARE(p.exitCode, 0);
    const QJsonObject po = parseObject(p.out);
    QVERIFY(po["records"].toInteger() > 0);
    QVERIFY(po["raw_fdatasync_per_s"].toDouble() > 0);
    QVERIFY(po["paired_slices"].toInteger() >= 2);
    QVERIFY(qAbs(po["ratio_to_raw"].toDouble() - po["records_per_s"].toDouble() / po["raw_fdatasync_per_s"].toDouble()) < 0.01);
    Run rec = quorumlab({"bench", "recovery", "--bytes", "1M", "--dir", tmp.path(), "--json"});
    QCOMPARE(rec.exitCode, 0);
    const QJsonObject r = parseObject(rec.out);
    for (const char* k : {"mb_per_s", "records", "seconds"}) QVERIFY2(r.contains(k), k);
    QCOMPARE(r["records"].toInteger(), (1 << 20) / static_cast<qint64>(wal::format::recordBytes(128)));
    Run mem = quorumlab({"bench", "memory", "--entries", "5000", "--reads", "100", "--dir", tmp.path(), "--json"});
    QCOMPARE(mem.exitCode, 0);
    const QJsonObject m = parseObject(mem.out);
    for (const char* k : {"rss_mib", "peak_mib", "bytes_per_entry"}) QVERIFY2(m.contains(k), k);
    QVERIFY(m["applied"].toInteger() >= 5000);  // and the new leader's no-op
    QVERIFY(m["rss_mib"].toDouble() > 0);
    QVERIFY(std::filesystem::is_empty(tmp.path().toStdString()));  // scratch directories removed
  }
};

QTEST_GUILESS_MAIN(AppCliTest)
#include "test_app_cli.moc"
