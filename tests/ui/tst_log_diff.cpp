// The diffing rules of one node's log between snapshots (ui/model/log_diff.h), and the
// NodeLogModel that applies them with row inserts/removes under QAbstractItemModelTester.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

#include "fake_source.h"
#include "ui/model/log_diff.h"
#include "ui/model/node_log_model.h"

using namespace qlab;
using namespace qlab::ui;
using qlab::ui::test::makeView;

namespace {
std::deque<node::EntryView> heldFrom(const node::NodeView& v) {
  return {v.recent.begin(), v.recent.end()};
}
}  // namespace

class TestLogDiff : public QObject {
  Q_OBJECT
 private slots:
  void firstSnapshotResets() {
    auto v = makeView(1, 1, 10, 10, 5);
    LogDiff d = diffLog({}, nullptr, v, 100);
    QVERIFY(d.reset);
    QCOMPARE(d.reason, ResetReason::kFirst);
    QCOMPARE(d.append.size(), std::size_t(10));
  }

  void appendsAddRowsAtTheEnd() {
    auto a = makeView(1, 1, 10, 10, 5);
    auto b = makeView(1, 1, 14, 12, 10);
    LogDiff d = diffLog(heldFrom(a), &a, b, 100);
    QVERIFY(!d.reset);
    QCOMPARE(d.removeFront, std::size_t(0));
    QCOMPARE(d.append.size(), std::size_t(4));
    QCOMPARE(d.append.front().index, Index(11));
    QCOMPARE(d.append.back().index, Index(14));
  }

  void nothingNewIsEmpty() {
    auto a = makeView(1, 1, 10, 10, 5);
    auto b = makeView(1, 1, 10, 10, 10);  // only the HWM moved
    QVERIFY(diffLog(heldFrom(a), &a, b, 100).empty());
  }

  void movedFirstIndexRemovesAPrefix() {
    auto a = makeView(1, 1, 10, 10, 10);
    auto b = makeView(1, 5, 12, 12, 12);  // segments below 5 deleted
    LogDiff d = diffLog(heldFrom(a), &a, b, 100);
    QVERIFY(!d.reset);
    QCOMPARE(d.removeFront, std::size_t(4));
    QCOMPARE(d.append.size(), std::size_t(2));
    std::deque<node::EntryView> held = heldFrom(a);
    applyLogDiff(held, d);
    QCOMPARE(held.front().index, Index(5));
    QCOMPARE(held.back().index, Index(12));
  }

  void capacityRemovesThePrefix() {
    auto a = makeView(1, 1, 10, 10, 10);
    auto b = makeView(1, 1, 16, 16, 16);
    LogDiff d = diffLog(heldFrom(a), &a, b, 8);
    QCOMPARE(d.removeFront, std::size_t(8));  // 16 rows, keep 8
    std::deque<node::EntryView> held = heldFrom(a);
    applyLogDiff(held, d);
    QCOMPARE(held.size(), std::size_t(8));
    QCOMPARE(held.front().index, Index(9));
  }

  void shorterLogIsATruncation() {
    auto a = makeView(1, 1, 10, 10, 5);
    auto b = makeView(1, 1, 7, 7, 5);
    LogDiff d = diffLog(heldFrom(a), &a, b, 100);
    QVERIFY(d.reset);
    QCOMPARE(d.reason, ResetReason::kTruncate);
    QCOMPARE(d.cutAfter, Index(7));
  }

  void replacedEntryIsATruncation() {
    auto a = makeView(1, 1, 10, 10, 5, 1);
    auto b = makeView(1, 1, 12, 12, 5, 1);
    for (auto& e : b.recent)
      if (e.index >= 8) e.generation = 2;  // a new leader's entries replaced 8..10
    LogDiff d = diffLog(heldFrom(a), &a, b, 100);
    QVERIFY(d.reset);
    QCOMPARE(d.reason, ResetReason::kTruncate);
    QCOMPARE(d.cutAfter, Index(7));
    QCOMPARE(d.append.back().index, Index(12));
  }

  void restartResets() {
    auto a = makeView(1, 1, 10, 10, 5);
    auto dead = a;
    dead.status = node::NodeStatus::kDead;
    // Dying keeps the rows (greyed in the views), coming back resets them.
    QVERIFY(!diffLog(heldFrom(a), &a, dead, 100).reset);
    auto back = makeView(1, 1, 8, 8, 5);
    LogDiff d = diffLog(heldFrom(a), &dead, back, 100);
    QVERIFY(d.reset);
    QCOMPARE(d.reason, ResetReason::kRestart);
    QCOMPARE(d.append.back().index, Index(8));
  }

  void versionGoingBackIsARestart() {
    auto a = makeView(1, 1, 10, 10, 5);
    a.version = 50;
    auto b = makeView(1, 1, 11, 11, 5);
    b.version = 2;
    QCOMPARE(diffLog(heldFrom(a), &a, b, 100).reason, ResetReason::kRestart);
  }

  void gapBeyondTheWindowResets() {
    auto a = makeView(1, 1, 10, 10, 5, 1, 8);
    auto b = makeView(1, 1, 40, 40, 30, 1, 8);  // window 33..40: 11..32 never seen
    LogDiff d = diffLog(heldFrom(a), &a, b, 100);
    QVERIFY(d.reset);
    QCOMPARE(d.reason, ResetReason::kGap);
    QCOMPARE(d.append.front().index, Index(33));
  }

  void changedFlagsUpdateInPlace() {
    auto a = makeView(1, 1, 10, 10, 5);
    auto b = a;
    b.recent[6].duplicate = true;  // index 7 applied as a duplicate
    b.recent.push_back(b.recent.back());
    b.recent.back().index = 11;
    b.lastIndex = 11;
    LogDiff d = diffLog(heldFrom(a), &a, b, 100);
    QVERIFY(!d.reset);
    QCOMPARE(d.changed.size(), std::size_t(1));
    QCOMPARE(d.changed[0].first, std::size_t(6));
    QVERIFY(d.changed[0].second.duplicate);
    QCOMPARE(d.append.size(), std::size_t(1));
  }

  void modelInsertsAndRemovesRows() {
    NodeLogModel m(8);
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);
    QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
    m.update(std::make_shared<node::NodeView>(makeView(1, 1, 5, 5, 3)));
    QCOMPARE(m.rowCount(), 5);
    QCOMPARE(reset.count(), 1);
    m.update(std::make_shared<node::NodeView>(makeView(1, 1, 7, 6, 5)));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(m.rowCount(), 7);
    QCOMPARE(m.data(m.index(6, NodeLogModel::kState)).toString(), QStringLiteral("buffered"));
    QCOMPARE(m.data(m.index(5, NodeLogModel::kState)).toString(), QStringLiteral("durable"));
    QCOMPARE(m.data(m.index(0, NodeLogModel::kState)).toString(), QStringLiteral("committed"));
    m.update(std::make_shared<node::NodeView>(makeView(1, 1, 10, 10, 8)));  // cap 8: 3 leave
    QCOMPARE(removed.count(), 1);
    QCOMPARE(m.rowCount(), 8);
    QCOMPARE(m.entryAt(0)->index, Index(3));
    QCOMPARE(m.rowOfIndex(10), 7);
    m.update(std::make_shared<node::NodeView>(makeView(1, 1, 6, 6, 6)));  // truncated
    QCOMPARE(reset.count(), 2);
    QCOMPARE(m.lastResetReason(), ResetReason::kTruncate);
    QCOMPARE(m.rowCount(), 6);
    m.update(std::make_shared<node::NodeView>(makeView(2, 1, 3, 3, 3)));  // another node
    QCOMPARE(reset.count(), 3);
    QCOMPARE(m.node(), NodeId(2));
    m.update(nullptr);
    QCOMPARE(m.rowCount(), 0);
  }
};

QTEST_GUILESS_MAIN(TestLogDiff)
#include "tst_log_diff.moc"
