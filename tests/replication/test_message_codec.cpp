// The wire encoding of replication messages: round trips, and truncated or garbage input
// that must be refused with a reason, never crash, never over-allocate.
#include <QtTest>

#include "core/common/random.h"
#include "core/replication/message.h"

using namespace qlab;
using namespace qlab::replication;

namespace {

std::vector<Message> samples() {
  std::vector<Message> out;
  Message a;
  a.type = MessageType::kAppend;
  a.from = 1;
  a.to = 2;
  a.generation = 7;
  a.prevIndex = 41;
  a.prevGeneration = 6;
  a.hwm = 40;
  a.lastIndex = 50;
  for (Index i = 42; i <= 44; ++i) {
    Entry e;
    e.index = i;
    e.generation = 7;
    e.type = i == 42 ? EntryType::kNoop : EntryType::kData;
    e.flags = 3;
    e.timestampMs = 1700000000000 + static_cast<std::int64_t>(i);
    e.payload = std::string(static_cast<std::size_t>(i - 42) * 10, 'x');
    a.entries.push_back(e);
  }
  out.push_back(a);
  Message ar;
  ar.type = MessageType::kAppendResponse;
  ar.from = 2;
  ar.to = 1;
  ar.generation = 7;
  ar.success = false;
  ar.diverged = true;
  ar.rejectHint = 30;
  ar.hintGeneration = 5;
  ar.prevIndex = 41;
  out.push_back(ar);
  Message hb;
  hb.type = MessageType::kHeartbeat;
  hb.from = 1;
  hb.to = 3;
  hb.generation = 2;
  hb.hwm = 9;
  hb.context = 77;
  hb.lastIndex = 12;
  out.push_back(hb);
  Message hr;
  hr.type = MessageType::kHeartbeatResponse;
  hr.from = 3;
  hr.to = 1;
  hr.generation = 2;
  hr.success = true;
  hr.matchIndex = 9;
  hr.lastIndex = 12;
  hr.context = 77;
  out.push_back(hr);
  Message v;
  v.type = MessageType::kVoteRequest;
  v.from = 4;
  v.to = 5;
  v.generation = 3;
  v.lastIndex = 100;
  v.lastGeneration = 2;
  out.push_back(v);
  Message vr;
  vr.type = MessageType::kVoteResponse;
  vr.from = 5;
  vr.to = 4;
  vr.generation = 3;
  vr.success = true;
  out.push_back(vr);
  Message sc;
  sc.type = MessageType::kSnapshotChunk;
  sc.from = 1;
  sc.to = 2;
  sc.generation = 4;
  sc.snapshotIndex = 1000;
  sc.snapshotGeneration = 3;
  sc.snapshotWriteQuorum = 2;
  sc.snapshotBytes = 5000;
  sc.offset = 4096;
  sc.data = std::string(904, 's');
  sc.done = true;
  out.push_back(sc);
  Message sr;
  sr.type = MessageType::kSnapshotResponse;
  sr.from = 2;
  sr.to = 1;
  sr.generation = 4;
  sr.snapshotIndex = 1000;
  sr.success = true;
  sr.done = true;
  sr.matchIndex = 1000;
  sr.offset = 5000;
  out.push_back(sr);
  return out;
}

}  // namespace

class MessageCodecTest : public QObject {
  Q_OBJECT
 private slots:
  void everyMessageTypeRoundTrips() {
    for (const Message& m : samples()) {
      auto decoded = decodeMessage(encodeMessage(m));
      QVERIFY2(decoded.isOk(), decoded.status().toString().c_str());
      QVERIFY2(*decoded == m, messageTypeName(m.type));
    }
  }

  void everyTruncationIsRefusedWithAReason() {
    for (const Message& m : samples()) {
      std::string bytes = encodeMessage(m);
      for (std::size_t len = 0; len < bytes.size(); ++len) {
        auto d = decodeMessage(std::string_view(bytes).substr(0, len));
        QVERIFY2(!d.isOk(), (std::string(messageTypeName(m.type)) + " cut at " + std::to_string(len)).c_str());
        QCOMPARE(d.status().code(), Status::Code::kCorruption);
        QVERIFY(!d.status().message().empty());
      }
    }
  }

  void trailingBytesAreRefused() {
    std::string bytes = encodeMessage(samples()[2]);
    bytes.push_back('\0');
    QVERIFY(!decodeMessage(bytes).isOk());
  }

  void unknownVersionIsRefusedByName() {
    std::string bytes = encodeMessage(samples()[2]);
    bytes[0] = 9;
    auto d = decodeMessage(bytes);
    QVERIFY(!d.isOk());
    QVERIFY(d.status().message().find("version 9") != std::string::npos);
  }

  void unknownTypeIsRefused() {
    std::string bytes = encodeMessage(samples()[2]);
    bytes[1] = 42;
    QVERIFY(!decodeMessage(bytes).isOk());
  }

  void hugeEntryCountIsRefusedBeforeAllocating() {
    std::string bytes = encodeMessage(samples()[0]);
    // The entry count sits right after the 18-byte header and 32 bytes of indices.
    std::size_t countAt = 1 + 1 + 4 + 4 + 8 + 8 + 8 + 8 + 8;
    bytes[countAt] = '\xff';
    bytes[countAt + 1] = '\xff';
    bytes[countAt + 2] = '\xff';
    bytes[countAt + 3] = '\x7f';
    auto d = decodeMessage(bytes);
    QVERIFY(!d.isOk());
  }

  void nonConsecutiveEntriesAreRefused() {
    Message m = samples()[0];
    m.entries[1].index = 50;
    m.entries[2].index = 51;
    QVERIFY(!decodeMessage(encodeMessage(m)).isOk());
  }

  void nodeIdsOutOfRangeAreRefused() {
    Message m = samples()[2];
    m.from = 0;
    QVERIFY(!decodeMessage(encodeMessage(m)).isOk());
    m.from = 10;
    QVERIFY(!decodeMessage(encodeMessage(m)).isOk());
  }

  void randomGarbageNeverCrashes() {
    Random rng(12345);
    int accepted = 0;
    for (int i = 0; i < 20000; ++i) {
      std::string junk(rng.uniform(200), '\0');
      for (auto& c : junk) c = static_cast<char>(rng.next());
      if (decodeMessage(junk).isOk()) ++accepted;
    }
    // Almost nothing random parses; that it returned at all is the point.
    QVERIFY(accepted < 100);
  }

  void flippedBytesOfValidMessagesNeverCrash() {
    Random rng(99);
    for (const Message& m : samples()) {
      std::string bytes = encodeMessage(m);
      for (int i = 0; i < 2000; ++i) {
        std::string b = bytes;
        b[rng.uniform(b.size())] ^= static_cast<char>(1 + rng.uniform(255));
        (void)decodeMessage(b);
      }
    }
  }

  void describeNamesTheRange() {
    QCOMPARE(QString::fromStdString(describe(samples()[0])), QString("append g7 42..44 hwm 40"));
  }
};

QTEST_APPLESS_MAIN(MessageCodecTest)
#include "test_message_codec.moc"
