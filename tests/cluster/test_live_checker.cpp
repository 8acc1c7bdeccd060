// The live checker's rules, fed by hand.
#include <QtTest>

#include "core/instruments/live_checker.h"
#include "core/kv/command.h"

using namespace qlab;
using namespace qlab::cluster;

namespace {

Entry data(Index i, Generation g, std::uint64_t client, std::uint64_t seq) {
  Entry e;
  e.index = i;
  e.generation = g;
  e.type = EntryType::kData;
  e.payload = kv::encodeCommand({client, seq, "k", "v" + std::to_string(seq)});
  return e;
}

node::NodeEvent elected(NodeId n, Generation g) {
  node::NodeEvent e;
  e.kind = node::EventKind::kElected;
  e.node = n;
  e.generation = g;
  return e;
}

Operation ackedWrite(std::uint64_t client, std::uint64_t seq, Index index) {
  Operation op;
  op.client = client;
  op.seq = seq;
  op.kind = OpKind::kWrite;
  op.key = "k";
  op.value = "v" + std::to_string(seq);
  op.result = OpResult::kOk;
  op.index = index;
  return op;
}

}  // namespace

class LiveCheckerTest : public QObject {
  Q_OBJECT
 private slots:
  void twoLeadersInOneGenerationIsAViolation() {
    LiveChecker c(3);
    c.onEvent(elected(1, 4));
    c.onEvent(elected(1, 4));  // the same node again is fine
    QVERIFY(c.violations().empty());
    c.onEvent(elected(2, 4));
    QCOMPARE(c.violations().size(), std::size_t(1));
  }

  void differentEntryAtACommittedIndexIsAViolationOnlyWhenSafe() {
    LiveChecker safe(3);
    safe.onApplied(1, data(1, 1, 7, 1), false);
    safe.onApplied(2, data(1, 2, 8, 1), false);
    QCOMPARE(safe.violations().size(), std::size_t(1));
    LiveChecker unsafe(3);
    unsafe.setSafe(false);
    unsafe.onApplied(1, data(1, 1, 7, 1), false);
    unsafe.onApplied(2, data(1, 2, 8, 1), false);
    QVERIFY(unsafe.violations().empty());
    QCOMPARE(unsafe.findings().size(), std::size_t(1));  // still reported, as a divergence
  }

  void hwmGoingBackWithinOneLifeIsFound() {
    LiveChecker c(3);
    c.onHwm(2, 1, 10);
    c.onHwm(2, 1, 8);
    QCOMPARE(c.violations().size(), std::size_t(1));
    c.onHwm(2, 2, 0);  // a restart starts a new life
    QCOMPARE(c.violations().size(), std::size_t(1));
  }

  void aSnapshotInstallSeenBeforeAStaleViewIsNotAFinding() {
    // The install is reported from the node thread; the next poll may still read a view
    // published before it. That must not look like the HWM going back.
    LiveChecker c(3);
    c.onHwm(3, 2, 0);
    c.onStateReplaced(3, replication::SnapshotMeta{601, 2, 100, 0}, 1);
    c.onHwm(3, 2, 0);
    c.onHwm(3, 2, 601);
    QVERIFY(c.findings().empty());
  }

  void acknowledgedWriteMissingFromTheLeadersHistoryIsLost() {
    LiveChecker c(3);
    c.onApplied(1, data(1, 1, 5, 1), false);
    c.onApplied(1, data(2, 1, 5, 2), false);
    c.onOperation(ackedWrite(5, 1, 1));
    c.onOperation(ackedWrite(5, 2, 2));
    c.onOperation(ackedWrite(5, 3, 3));  // acknowledged at 3, but the leader never applied it
    auto lost = c.lostWrites(1);
    QCOMPARE(lost.size(), std::size_t(1));
    QCOMPARE(lost[0].seq, std::uint64_t(3));
    QVERIFY(c.checkNewlyLost(1).empty());  // incremental check waits until the leader reaches 3
    c.onApplied(1, data(3, 2, 9, 1), false);  // someone else's entry took index 3
    auto fresh = c.checkNewlyLost(1);
    QCOMPARE(fresh.size(), std::size_t(1));
    QVERIFY(c.checkNewlyLost(1).empty());  // reported once
    QCOMPARE(c.violations().size(), std::size_t(1));  // the loss (nothing was committed at 3 before)
  }

  void stateReplacementCopiesTheSendersHistory() {
    LiveChecker c(3);
    for (Index i = 1; i <= 5; ++i) c.onApplied(1, data(i, 1, 5, i), false);
    c.onStateReplaced(2, replication::SnapshotMeta{4, 1, 10, 0}, 1);
    c.onApplied(2, data(5, 1, 5, 5), false);
    c.onOperation(ackedWrite(5, 3, 3));
    QVERIFY(c.lostWrites(2).empty());
  }
};

QTEST_APPLESS_MAIN(LiveCheckerTest)
#include "test_live_checker.moc"
