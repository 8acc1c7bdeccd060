// The state machine: each (client, seq) applied once (Idempotent Receiver), snapshots that
// round-trip, and the client wire format.
#include <QtTest>

#include "core/common/cluster_config.h"
#include "core/common/random.h"
#include "core/kv/client_protocol.h"
#include "core/kv/command.h"
#include "core/kv/kv_store.h"

using namespace qlab;
using namespace qlab::kv;

namespace {

Entry dataEntry(Index i, std::uint64_t client, std::uint64_t seq, std::string key, std::string value) {
  Entry e;
  e.index = i;
  e.generation = 1;
  e.type = EntryType::kData;
  e.payload = encodeCommand({client, seq, std::move(key), std::move(value)});
  return e;
}

}  // namespace

class KvTest : public QObject {
  Q_OBJECT
 private slots:
  void commandRoundTrips() {
    Command c{7, 9, "key", std::string("v\0al", 4)};
    auto d = decodeCommand(encodeCommand(c));
    QVERIFY(d.isOk());
    QVERIFY(*d == c);
  }

  void truncatedCommandIsRefused() {
    std::string b = encodeCommand({1, 1, "k", "v"});
    for (std::size_t n = 0; n < b.size(); ++n) QVERIFY(!decodeCommand(b.substr(0, n)).isOk());
  }

  void writesAreAppliedInOrder() {
    KvStore s;
    s.apply(dataEntry(1, 1, 1, "a", "1"));
    s.apply(dataEntry(2, 2, 1, "a", "2"));
    QCOMPARE(*s.get("a"), std::string("2"));
    QCOMPARE(s.appliedIndex(), Index(2));
  }

  void aRetriedRequestIsAppliedOnceAndAnsweredWithTheFirstIndex() {
    KvStore s;
    auto first = s.apply(dataEntry(1, 5, 1, "k", "first"));
    QVERIFY(!first.duplicate);
    QCOMPARE(first.answerIndex, Index(1));
    s.apply(dataEntry(2, 6, 1, "k", "other client"));
    // The same (client 5, seq 1) lands in the log again after a lost response.
    auto dup = s.apply(dataEntry(3, 5, 1, "k", "first"));
    QVERIFY(dup.duplicate);
    QCOMPARE(dup.answerIndex, Index(1));
    QCOMPARE(*s.get("k"), std::string("other client"));  // not applied again
    QCOMPARE(s.duplicatesIgnored(), std::uint64_t(1));
  }

  void olderSequenceNumbersAreDuplicatesToo() {
    KvStore s;
    s.apply(dataEntry(1, 5, 1, "k", "a"));
    s.apply(dataEntry(2, 5, 2, "k", "b"));
    auto r = s.apply(dataEntry(3, 5, 1, "k", "a"));
    QVERIFY(r.duplicate);
    QCOMPARE(*s.get("k"), std::string("b"));
  }

  void noopAndConfigEntriesOnlyMoveTheAppliedIndex() {
    KvStore s;
    Entry noop;
    noop.index = 1;
    noop.type = EntryType::kNoop;
    QVERIFY(!s.apply(noop).isCommand);
    Entry cfg;
    cfg.index = 2;
    cfg.type = EntryType::kConfig;
    cfg.payload = encodeClusterConfig({3});
    s.apply(cfg);
    QCOMPARE(s.writeQuorum(), 3u);
    QCOMPARE(s.appliedIndex(), Index(2));
    QVERIFY(s.data().empty());
  }

  void malformedDataEntryIsSkippedNotFatal() {
    KvStore s;
    Entry e;
    e.index = 1;
    e.type = EntryType::kData;
    e.payload = "garbage";
    QVERIFY(s.apply(e).malformed);
    QCOMPARE(s.appliedIndex(), Index(1));
  }

  void snapshotRoundTripsStateAndSessions() {
    KvStore s;
    for (Index i = 1; i <= 100; ++i)
      s.apply(dataEntry(i, i % 7 + 1, i, "key" + std::to_string(i % 13), "value" + std::to_string(i)));
    auto d = KvStore::decodeSnapshot(s.encodeSnapshot());
    QVERIFY2(d.isOk(), d.status().toString().c_str());
    QVERIFY(*d == s);
    QCOMPARE(d->sessions().size(), s.sessions().size());
    QCOMPARE(d->appliedGeneration(), s.appliedGeneration());
    // Sessions survive: a retry after restoring is still a duplicate.
    KvStore restored = std::move(d.value());
    auto r = restored.apply(dataEntry(101, 100 % 7 + 1, 100, "x", "y"));
    QVERIFY(r.duplicate);
    QCOMPARE(restored.encodeSnapshot().size() > 0, true);
  }

  void equalStatesEncodeToEqualBytes() {
    KvStore a;
    KvStore b;
    for (Index i = 1; i <= 50; ++i) {
      a.apply(dataEntry(i, i, 1, "k" + std::to_string(i), "v"));
      b.apply(dataEntry(i, i, 1, "k" + std::to_string(i), "v"));
    }
    QCOMPARE(a.encodeSnapshot(), b.encodeSnapshot());
  }

  void damagedSnapshotIsRefused() {
    KvStore s;
    s.apply(dataEntry(1, 1, 1, "k", "v"));
    std::string b = s.encodeSnapshot();
    for (std::size_t n = 0; n < b.size(); ++n) QVERIFY(!KvStore::decodeSnapshot(b.substr(0, n)).isOk());
    QVERIFY(!KvStore::decodeSnapshot("XXXX" + b.substr(4)).isOk());
  }

  void sessionsAreBounded() {
    KvStore s;
    for (Index i = 1; i <= KvStore::kMaxSessions + 100; ++i) s.apply(dataEntry(i, i, 1, "k", "v"));
    QVERIFY(s.sessions().size() <= KvStore::kMaxSessions);
  }

  void clientRequestAndResponseRoundTrip() {
    ClientRequest rq{3, 4, ClientOp::kRead, "key", ""};
    auto d = decodeClientRequest(encodeClientRequest(rq));
    QVERIFY(d.isOk());
    QVERIFY(*d == rq);
    ClientResponse rs;
    rs.client = 3;
    rs.seq = 4;
    rs.status = ClientStatus::kNotLeader;
    rs.leaderHint = 2;
    rs.index = 99;
    rs.found = true;
    rs.duplicate = true;
    rs.value = "v";
    rs.error = "not the leader; try node 2";
    auto e = decodeClientResponse(encodeClientResponse(rs));
    QVERIFY(e.isOk());
    QVERIFY(*e == rs);
  }

  void clientRequestWithoutIdsIsRefused() {
    QVERIFY(!decodeClientRequest(encodeClientRequest({0, 1, ClientOp::kWrite, "k", "v"})).isOk());
    QVERIFY(!decodeClientRequest(encodeClientRequest({1, 0, ClientOp::kWrite, "k", "v"})).isOk());
  }

  void garbageClientMessagesNeverCrash() {
    Random rng(5);
    for (int i = 0; i < 20000; ++i) {
      std::string junk(rng.uniform(64), '\0');
      for (auto& c : junk) c = static_cast<char>(rng.next());
      (void)decodeClientRequest(junk);
      (void)decodeClientResponse(junk);
      (void)decodeCommand(junk);
      (void)KvStore::decodeSnapshot(junk);
    }
  }
};

QTEST_APPLESS_MAIN(KvTest)
#include "test_kv.moc"
