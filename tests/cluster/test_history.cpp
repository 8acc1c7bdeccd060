// The history checkers: linearizability of register histories (hand-made histories with a
// known verdict) and acknowledged writes missing from the final log.
#include <QtTest>

#include "core/instruments/history.h"
#include "core/instruments/recorder.h"
#include "core/kv/command.h"

using namespace qlab;
using namespace qlab::cluster;

namespace {

Operation w(std::uint64_t client, std::string value, std::int64_t inv, std::int64_t done,
            OpResult r = OpResult::kOk, std::string key = "k") {
  Operation o;
  o.client = client;
  o.seq = 1;
  o.kind = OpKind::kWrite;
  o.key = std::move(key);
  o.value = std::move(value);
  o.invokeUs = inv;
  o.completeUs = done;
  o.result = r;
  return o;
}

Operation r(std::uint64_t client, std::optional<std::string> value, std::int64_t inv, std::int64_t done,
            std::string key = "k") {
  Operation o;
  o.client = client;
  o.seq = 2;
  o.kind = OpKind::kRead;
  o.key = std::move(key);
  o.found = value.has_value();
  o.value = value.value_or("");
  o.invokeUs = inv;
  o.completeUs = done;
  o.result = OpResult::kOk;
  return o;
}

}  // namespace

class HistoryTest : public QObject {
  Q_OBJECT
 private slots:
  void sequentialHistoryIsLinearizable() {
    QVERIFY(checkLinearizable({w(1, "a", 0, 10), r(2, "a", 20, 30), w(1, "b", 40, 50), r(2, "b", 60, 70)}).empty());
  }

  void readOfTheInitialStateBeforeAnyWriteIsFine() {
    QVERIFY(checkLinearizable({r(2, std::nullopt, 0, 5), w(1, "a", 10, 20), r(2, "a", 30, 40)}).empty());
  }

  void staleReadAfterACompletedWriteIsAViolation() {
    // b completed at 50; a read that starts after that must not return a.
    auto v = checkLinearizable({w(1, "a", 0, 10), w(1, "b", 40, 50), r(2, "a", 60, 70)});
    QVERIFY(!v.empty());
  }

  void readOfAbsentKeyAfterACompletedWriteIsAViolation() {
    QVERIFY(!checkLinearizable({w(1, "a", 0, 10), r(2, std::nullopt, 20, 30)}).empty());
  }

  void readReturningAValueBeforeItsWriteBeganIsAViolation() {
    QVERIFY(!checkLinearizable({r(2, "a", 0, 5), w(1, "a", 10, 20)}).empty());
  }

  void readOfAnUnwrittenValueIsAViolation() {
    QVERIFY(!checkLinearizable({w(1, "a", 0, 10), r(2, "zzz", 20, 30)}).empty());
  }

  void concurrentWritesMayBeSeenInEitherOrder() {
    QVERIFY(checkLinearizable({w(1, "a", 0, 100), w(2, "b", 0, 100), r(3, "b", 110, 120), r(3, "b", 130, 140)}).empty());
    QVERIFY(checkLinearizable({w(1, "a", 0, 100), w(2, "b", 0, 100), r(3, "a", 110, 120)}).empty());
  }

  void flipFloppingReadsOfConcurrentWritesAreAViolation() {
    // After both writes completed, reads cannot see a, then b, then a again.
    auto v = checkLinearizable({w(1, "a", 0, 100), w(2, "b", 0, 100), r(3, "a", 110, 120),
                                r(3, "b", 130, 140), r(3, "a", 150, 160)});
    QVERIFY(!v.empty());
  }

  void timedOutWriteMayTakeEffectLater() {
    // The client gave up on a at 10, but a read at 100 sees it: legal, a was still in flight.
    QVERIFY(checkLinearizable({w(1, "a", 0, 10, OpResult::kTimeout), r(2, std::nullopt, 20, 30),
                               r(2, "a", 100, 110)}).empty());
  }

  void timedOutWriteNobodyReadIsIgnored() {
    QVERIFY(checkLinearizable({w(1, "a", 0, 10, OpResult::kTimeout), r(2, std::nullopt, 20, 30)}).empty());
  }

  void keysAreCheckedIndependently() {
    QVERIFY(checkLinearizable({w(1, "a", 0, 10, OpResult::kOk, "x"), r(2, std::nullopt, 20, 30, "y")}).empty());
  }

  void lateRetryOfAnAcknowledgedWriteDoesNotCountAsSurviving() {
    // Seq 1 was acknowledged by an old leader and lost; the client went on with seq 2; a
    // stale retry of seq 1 then reached the log after seq 2: the session ignores it.
    Operation a = w(1, "a", 0, 10);
    a.seq = 1;
    a.index = 5;
    Entry two;
    two.index = 5;
    two.type = EntryType::kData;
    two.payload = kv::encodeCommand({1, 2, "k", "b"});
    Entry lateRetry;
    lateRetry.index = 6;
    lateRetry.type = EntryType::kData;
    lateRetry.payload = kv::encodeCommand({1, 1, "k", "a"});
    auto lost = findLostAcknowledged({a}, {two, lateRetry});
    QCOMPARE(lost.size(), std::size_t(1));
  }

  void lostAcknowledgedWriteIsFoundByClientAndSequence() {
    Operation a = w(1, "a", 0, 10);
    a.seq = 1;
    a.index = 5;
    Operation b = w(2, "b", 0, 10);
    b.seq = 7;
    b.index = 6;
    Operation t = w(3, "c", 0, 10, OpResult::kTimeout);
    Entry e;
    e.index = 9;  // b survived at another index (a retry): not lost
    e.type = EntryType::kData;
    e.payload = kv::encodeCommand({2, 7, "k", "b"});
    auto lost = findLostAcknowledged({a, b, t}, {e});
    QCOMPARE(lost.size(), std::size_t(1));
    QCOMPARE(lost[0].client, std::uint64_t(1));
    QCOMPARE(lost[0].index, Index(5));
  }

  // A write whose entry was compacted below the log's first index cannot be judged from the
  // log: counted as unjudged, not as lost and not as kept.
  void ackJudgeCountsWritesBelowTheLogAsUnjudged() {
    Operation old = w(1, "a", 0, 10);
    old.seq = 1;
    old.index = 3;
    Operation missing = w(1, "b", 20, 30);
    missing.seq = 2;
    missing.index = 12;
    Operation kept = w(2, "c", 20, 30);
    kept.seq = 1;
    kept.index = 11;
    Entry e;
    e.index = 11;
    e.type = EntryType::kData;
    e.payload = kv::encodeCommand({2, 1, "k", "c"});
    AckJudge judge;
    judge.see(e);
    for (const auto& op : {old, missing, kept, r(3, "x", 0, 1)}) judge.judge(op, 10);
    QCOMPARE(judge.verdict().unjudged, std::uint64_t(1));
    QCOMPARE(judge.verdict().lost.size(), std::size_t(1));
    QCOMPARE(judge.verdict().lost[0].index, Index(12));
  }

  // history.jsonl lines read back as the operations that were written (the export reads the
  // recorder's spill file this way once memory no longer holds the whole history).
  void historyLineRoundTrips() {
    Operation a = w(7358046806917121ull, "v\"1", 1500, 2750);
    a.seq = 42;
    a.index = 9;
    a.attempts = 2;
    auto back = Recorder::operationFromJson(Recorder::operationToJson(a));
    QVERIFY(back.has_value());
    QCOMPARE(back->client, a.client);
    QCOMPARE(back->seq, a.seq);
    QCOMPARE(back->value, a.value);
    QCOMPARE(back->index, a.index);
    QCOMPARE(back->invokeUs, a.invokeUs);
    QCOMPARE(back->completeUs, a.completeUs);
    QCOMPARE(back->result, OpResult::kOk);
    QCOMPARE(back->attempts, 2);
    Operation absent = r(3, std::nullopt, 0, 5);
    auto read = Recorder::operationFromJson(Recorder::operationToJson(absent));
    QVERIFY(read && read->kind == OpKind::kRead && !read->found);
    QVERIFY(!Recorder::operationFromJson("{\"op\": \"write\"}"));
    QVERIFY(!Recorder::operationFromJson("not json"));
  }
};

QTEST_APPLESS_MAIN(HistoryTest)
#include "test_history.moc"
