// The .qlabrun file on its own: every value survives the trip through the writer and reader,
// the state at any time is the last one recorded at or before it, and every kind of bad file
// (cut short, a flipped byte, random bytes, empty, a newer version) is opened up to its last
// good record or refused with a message naming the file. No cluster: a fake clock.
#include <atomic>
#include <fstream>
#include <random>

#include <QTemporaryDir>
#include <QtTest>

#include "core/recording/run_reader.h"
#include "core/recording/run_writer.h"
#include "core/common/crc32c.h"
#include "view_compare.h"

using namespace qlab;
using namespace qlab::recording;

namespace {

node::NodeView makeView(NodeId id, Index last, std::uint64_t version) {
  node::NodeView v;
  v.id = id;
  v.status = node::NodeStatus::kRunning;
  v.version = version;
  v.publishedMs = static_cast<std::int64_t>(version) * 10;
  v.port = static_cast<std::uint16_t>(4000 + id);
  v.role = id == 1 ? replication::Role::kLeader : replication::Role::kFollower;
  v.generation = 3;
  v.votedFor = 1;
  v.leader = 1;
  v.firstIndex = last > 40 ? last - 40 : 1;
  v.lwm = v.firstIndex;
  v.lastIndex = last;
  v.durableEnd = last - 1;
  v.ackEnd = last - 1;
  v.hwm = last - 2;
  v.applied = last - 2;
  v.snapshot = {v.firstIndex, 2, 1234, 0};
  v.writeQuorum = 2;
  v.flush = {wal::FlushMode::kDelayed, 250};
  v.bufferedBytes = 77;
  v.segments = {{"00000001.wal", 1, last / 2, 4096, 4096, true}, {"00000002.wal", last / 2 + 1, last, 900, 700, false}};
  for (Index i = last > 20 ? last - 19 : 1; i <= last; ++i) {
    node::EntryView e;
    e.index = i;
    e.generation = 3;
    e.timestampMs = static_cast<std::int64_t>(i);
    e.client = i % 4;
    e.seq = i;
    e.key = "k" + std::to_string(i % 7);
    e.value = "c" + std::to_string(i % 4) + "-" + std::to_string(i);
    e.payloadBytes = 30;
    v.recent.push_back(e);
  }
  v.duplicates = {last - 3};
  replication::PeerProgress p;
  p.id = 2;
  p.match = last - 1;
  p.next = last + 1;
  p.state = "replicate";
  p.recentlyActive = true;
  v.peers = {p};
  v.kv = {{"k1", "v1"}, {"k2", "v2"}};
  v.kvKeys = 2;
  v.counters.appended = last;
  v.counters.flushes = version;
  v.counters.segmentsDeleted = 1;
  return v;
}

struct Rig {
  QTemporaryDir dir;
  std::atomic<std::int64_t> now{0};
  std::string path() const { return dir.filePath("run.qlabrun").toStdString(); }
  std::unique_ptr<RunWriter> writer(int nodes = 2) {
    auto w = RunWriter::create(path(), R"({"nodes":)" + std::to_string(nodes) + "}", nodes, [this] { return now.load(); });
    if (!w) qFatal("%s", w.status().toString().c_str());
    return std::move(*w);
  }
};

std::string readAll(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void writeAll(const std::string& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

}  // namespace

class RunFileTest : public QObject {
  Q_OBJECT

  // Records node 1 at t = 0.1 s, 0.2 s ... 3.0 s (lastIndex 10 + 5 k) and node 2 every
  // 0.3 s, events every 0.1 s, an operation every 0.1 s, a state change at 1.5 s.
  void recordSample(Rig& rig, bool close = true) {
    auto w = rig.writer();
    for (int k = 1; k <= 30; ++k) {
      rig.now = k * 100'000;
      w->addView(std::make_shared<node::NodeView>(makeView(1, 10 + 5 * k, k)));
      if (k % 3 == 0) w->addView(std::make_shared<node::NodeView>(makeView(2, 8 + 5 * k, k)));
      cluster::RecordedEvent e{static_cast<std::uint64_t>(k), {}};
      e.event.tMs = k * 100;
      e.event.node = 1;
      e.event.kind = k == 12 ? node::EventKind::kKill : node::EventKind::kSend;
      e.event.peer = 2;
      e.event.a = static_cast<Index>(k);
      w->addEvent(e);
      cluster::Operation op;
      op.client = 1;
      op.seq = static_cast<std::uint64_t>(k);
      op.key = "k";
      op.value = "v" + std::to_string(k);
      op.invokeUs = k * 100'000 - 5000;
      op.completeUs = k * 100'000;
      op.result = cluster::OpResult::kOk;
      op.index = static_cast<Index>(10 + 5 * k);
      w->addOperation(op);
      if (k == 15) {
        ClusterState s;
        s.nodes = 2;
        s.links.assign(4, {});
        s.links[1].cut = true;
        s.writeQuorum = 1;
        s.writeQuorumWarning = "W=1";
        s.frozen = true;
        w->setState(s);
        w->addMoment("the cut");
      }
      if (k % 7 == 0) w->flush();  // several batches and keyframes
    }
    if (close) QVERIFY(w->close().isOk());
  }

 private slots:
  void valuesAndStateAtAnyTime() {
    Rig rig;
    recordSample(rig);
    auto r = RunReader::open(rig.path());
    QVERIFY2(r, r ? "" : r.status().toString().c_str());
    RunReader& rd = **r;
    QVERIFY(rd.complete());
    QVERIFY(rd.damage().empty());
    QCOMPARE(rd.nodes(), 2);
    QVERIFY(rd.endUs() >= 3'000'000);
    // Every recorded picture comes back whole at its time and until the next one.
    for (int k = 1; k <= 30; ++k) {
      for (std::int64_t t : {k * 100'000, k * 100'000 + 99'999}) {
        RunState s = rd.stateAt(t);
        const std::string d = testing::viewDifference(*s.views[0], makeView(1, 10 + 5 * k, k));
        QVERIFY2(d.empty(), (std::to_string(t) + ": " + d).c_str());
        const int k2 = k / 3 * 3;
        if (k2 > 0) {
          const std::string d2 = testing::viewDifference(*s.views[1], makeView(2, 8 + 5 * k2, k2));
          QVERIFY2(d2.empty(), (std::to_string(t) + " node 2: " + d2).c_str());
        } else {
          QCOMPARE(s.views[1]->status, node::NodeStatus::kDead);
        }
        QVERIFY2(s.cluster.frozen == (k >= 15), std::to_string(t).c_str());
        QCOMPARE(s.cluster.links.size(), std::size_t(4));
        QCOMPARE(s.cluster.links[1].cut, k >= 15);
        QCOMPARE(s.leader(), NodeId(1));
      }
    }
    // Backwards after forwards (the reader's cursor must not leak the later state).
    QCOMPARE(rd.stateAt(250'000).views[0]->lastIndex, Index(20));
    QCOMPARE(rd.stateAt(50'000).views[0]->status, node::NodeStatus::kDead);
    // Streams up to a time, newest first when limited.
    auto ev = rd.eventsUpTo(0, 1'250'000, 100);
    QCOMPARE(ev.size(), std::size_t(12));
    QCOMPARE(ev.back().seq, std::uint64_t(12));
    ev = rd.eventsUpTo(0, 1'250'000, 5);
    QCOMPARE(ev.size(), std::size_t(5));
    QCOMPARE(ev.front().seq, std::uint64_t(8));
    QCOMPARE(rd.eventsUpTo(10, 1'250'000, 100).size(), std::size_t(2));
    QCOMPARE(rd.eventsBetween(500, 900, 100).size(), std::size_t(5));
    auto ops = rd.operationsUpTo(0, 2'000'000);
    QCOMPARE(ops.size(), std::size_t(20));
    QCOMPARE(ops.back().value, std::string("v20"));
    QCOMPARE(rd.operationsUpTo(1'000'000, 2'000'000).size(), std::size_t(10));
    // Markers, moments; stepping between events.
    QCOMPARE(rd.markers().size(), std::size_t(1));
    QCOMPARE(rd.markers()[0].tUs, std::int64_t(1'200'000));
    QVERIFY(rd.markers()[0].text.find("killed") != std::string::npos);
    QCOMPARE(rd.moments().size(), std::size_t(1));
    QCOMPARE(rd.moments()[0].name, std::string("the cut"));
    QCOMPARE(rd.nextEventUs(1'200'000).value_or(-1), std::int64_t(1'300'000));
    QCOMPARE(rd.prevEventUs(1'200'000).value_or(-1), std::int64_t(1'100'000));
    QVERIFY(!rd.prevEventUs(100'000));
    // Entries: the node's window, then the metadata seen earlier.
    // At 1.4 s node 1 holds 40..80 and shows 61..80; 45..55 were shown earlier.
    auto es = rd.entries(1, 45, 65, 1'400'000);
    QCOMPARE(es.size(), std::size_t(21));
    QCOMPARE(es.front().index, Index(45));
    QCOMPARE(es.front().value, std::string("c1-45"));
    QCOMPARE(es.back().index, Index(65));
    QVERIFY(rd.entries(1, 10, 30, 1'400'000).empty());  // below the node's first index then
  }

  void aCutFileOpensUpToItsLastGoodRecord() {
    Rig rig;
    recordSample(rig);
    const std::string whole = readAll(rig.path());
    auto full = RunReader::open(rig.path());
    QVERIFY(full);
    // Cut at many points: every cut opens (or is refused inside the header) and never shows
    // a state the whole file does not show at that time.
    std::mt19937 rng(7);
    int opened = 0;
    for (int i = 0; i < 60; ++i) {
      const std::size_t cut = 1 + rng() % (whole.size() - 1);
      writeAll(rig.path(), whole.substr(0, cut));
      auto r = RunReader::open(rig.path());
      if (!r) {
        QVERIFY2(r.status().message().find(rig.path()) != std::string::npos, r.status().toString().c_str());
        continue;
      }
      ++opened;
      QVERIFY(!(*r)->complete());
      // Inside a record: "cut short"; exactly between two: "not closed cleanly".
      QVERIFY2((*r)->damage().find("cut short") != std::string::npos ||
                   (*r)->damage().find("not closed cleanly") != std::string::npos,
               (*r)->damage().c_str());
      const std::int64_t t = (*r)->endUs();
      RunState a = (*r)->stateAt(t);
      RunState b = (*full)->stateAt(t);
      // The cut file may lack pictures written after its end; what it has is what the whole had.
      if (a.views[0]->version > 0) QVERIFY(a.views[0]->version <= b.views[0]->version);
    }
    QVERIFY(opened > 40);
  }

  void aFlippedByteIsFoundAndNamed() {
    Rig rig;
    recordSample(rig);
    std::string bytes = readAll(rig.path());
    const std::size_t at = bytes.size() / 2;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x40);
    writeAll(rig.path(), bytes);
    auto r = RunReader::open(rig.path());
    QVERIFY(r);
    QVERIFY2((*r)->damage().find("damaged record") != std::string::npos, (*r)->damage().c_str());
    QVERIFY((*r)->damage().find(rig.path()) != std::string::npos);
    QVERIFY((*r)->endUs() < 3'000'000);
    (void)(*r)->stateAt((*r)->endUs());  // reading up to the damage works
  }

  void notARecordingIsRefusedByName() {
    Rig rig;
    std::mt19937 rng(3);
    std::string junk(5000, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    writeAll(rig.path(), junk);
    auto r = RunReader::open(rig.path());
    QVERIFY(!r);
    QVERIFY(r.status().message().find(rig.path()) != std::string::npos);
    QVERIFY(r.status().message().find("not a Quorum Lab recording") != std::string::npos);
    writeAll(rig.path(), "");
    r = RunReader::open(rig.path());
    QVERIFY(!r);
    QVERIFY(r.status().message().find("empty") != std::string::npos);
    r = RunReader::open(rig.dir.filePath("missing.qlabrun").toStdString());
    QVERIFY(!r);
    r = RunReader::open(rig.dir.path().toStdString());
    QVERIFY(!r);
  }

  void aNewerVersionIsRefusedByName() {
    Rig rig;
    recordSample(rig);
    std::string bytes = readAll(rig.path());
    bytes[8] = 2;  // the version field follows the 8-byte magic; the header's checksum made good
    const std::size_t n = coding::decodeFixed32(bytes.data() + 12), crcAt = 8 + 4 + 4 + n;
    coding::encodeFixed32(bytes.data() + crcAt, crc32c::value(bytes.data(), crcAt));
    writeAll(rig.path(), bytes);
    auto r = RunReader::open(rig.path());
    QVERIFY(!r);
    QVERIFY2(r.status().message().find("version 2") != std::string::npos, r.status().toString().c_str());
    QVERIFY(r.status().message().find("newer") != std::string::npos);
    // A damaged version byte (the checksum no longer matches) is damage, not a newer version.
    bytes[8] = 7;
    writeAll(rig.path(), bytes);
    r = RunReader::open(rig.path());
    QVERIFY(!r);
    QVERIFY2(r.status().message().find("checksum") != std::string::npos, r.status().toString().c_str());
  }

  // A crafted record: a valid checksum around a zlib body that claims a small size but
  // inflates to far more (a "zip bomb"). It must be refused, not inflated.
  void aZlibBombIsRefusedNotInflated() {
    Rig rig;
    { auto w = rig.writer(); rig.now = 1000; w->addView(std::make_shared<node::NodeView>(makeView(1, 20, 1))); }
    std::string bytes = readAll(rig.path());
    QByteArray big(50 << 20, 'x');  // 50 MB of one letter compresses to ~50 KB
    QByteArray z = qCompress(big, 9);
    z[0] = 0; z[1] = 0; z[2] = 0x10; z[3] = 0;  // claims 4 KB
    // Build a markers record with the bomb as its (flagged compressed) body.
    std::string body(z.constData(), static_cast<std::size_t>(z.size()));
    std::string frame(8, '\0');
    frame.push_back(static_cast<char>(RecordType::kMarkers));
    frame.push_back(static_cast<char>(kFlagZlib));
    coding::putFixed64(frame, 5000);
    coding::putFixed16(frame, 0);
    frame += body;
    const auto len = static_cast<std::uint32_t>(frame.size() - 8);
    coding::encodeFixed32(frame.data(), len);
    coding::encodeFixed32(frame.data() + 4, crc32c::value(frame.data() + 8, len));
    writeAll(rig.path(), bytes + frame);
    RecordRef ref;
    QCOMPARE(readFrame(frame, ref), FrameCheck::kOk);
    QVERIFY(!payloadOf(ref));  // refused: it does not inflate to what it claims
    auto r = RunReader::open(rig.path());
    QVERIFY(r);  // the file opens; the bomb's markers are simply not there
    QVERIFY((*r)->markers().empty());
  }

  void aFileStillBeingWrittenIsReadAsItGrows() {
    Rig rig;
    auto w = rig.writer();
    rig.now = 100'000;
    w->addView(std::make_shared<node::NodeView>(makeView(1, 20, 1)));
    w->flush();
    auto r = RunReader::open(rig.path());
    QVERIFY(r);
    QVERIFY(!(*r)->complete());
    QVERIFY((*r)->damage().find("not closed cleanly") != std::string::npos);
    QCOMPARE((*r)->stateAt(200'000).views[0]->lastIndex, Index(20));
    rig.now = 300'000;
    w->addView(std::make_shared<node::NodeView>(makeView(1, 30, 2)));
    w->flush();
    QVERIFY((*r)->refresh());
    QCOMPARE((*r)->stateAt(400'000).views[0]->lastIndex, Index(30));
    QVERIFY(w->close().isOk());
    (*r)->refresh();
    QVERIFY((*r)->complete());
  }

  void aFullDiskStopsTheRecordingWithAMessage() {
    if (!QFile::exists("/dev/full")) QSKIP("no /dev/full here");
    std::atomic<std::int64_t> now{0};
    auto w = RunWriter::create("/dev/full", "{}", 1, [&] { return now.load(); });
    // /dev/full accepts open; the first write fails with ENOSPC.
    if (w) {
      (*w)->addView(std::make_shared<node::NodeView>(makeView(1, 20, 1)));
      Status s = (*w)->close();
      QVERIFY(!s.isOk());
      QVERIFY2(s.message().find("disk is full") != std::string::npos, s.toString().c_str());
    } else {
      QVERIFY(w.status().message().find("/dev/full") != std::string::npos);
    }
  }
};

QTEST_GUILESS_MAIN(RunFileTest)
#include "test_run_file.moc"
