// The HWM as a pure function: the W-th largest durable end among the voters.
#include <QtTest>

#include "core/replication/quorum.h"
#include "core/replication/replica_core.h"

using namespace qlab;
using namespace qlab::replication;

class QuorumTest : public QObject {
  Q_OBJECT
 private slots:
  void majorityOfClusterSizes_data() {
    QTest::addColumn<int>("voters");
    QTest::addColumn<int>("expected");
    QTest::newRow("1") << 1 << 1;
    QTest::newRow("2") << 2 << 2;
    QTest::newRow("3") << 3 << 2;
    QTest::newRow("4") << 4 << 3;
    QTest::newRow("5") << 5 << 3;
    QTest::newRow("6") << 6 << 4;
    QTest::newRow("9") << 9 << 5;
  }
  void majorityOfClusterSizes() {
    QFETCH(int, voters);
    QFETCH(int, expected);
    QCOMPARE(majority(voters), expected);
  }

  void quorumIndexIsTheWthLargestDurableEnd_data() {
    QTest::addColumn<QList<qulonglong>>("ends");
    QTest::addColumn<int>("w");
    QTest::addColumn<qulonglong>("expected");
    QTest::newRow("single node") << QList<qulonglong>{7} << 1 << 7ull;
    QTest::newRow("3 nodes majority") << QList<qulonglong>{10, 5, 8} << 2 << 8ull;
    QTest::newRow("3 nodes W=1 is the max") << QList<qulonglong>{10, 5, 8} << 1 << 10ull;
    QTest::newRow("3 nodes W=3 is the min") << QList<qulonglong>{10, 5, 8} << 3 << 5ull;
    QTest::newRow("3 nodes one down") << QList<qulonglong>{10, 0, 9} << 2 << 9ull;
    QTest::newRow("3 nodes two down") << QList<qulonglong>{10, 0, 0} << 2 << 0ull;
    QTest::newRow("2 nodes majority needs both") << QList<qulonglong>{4, 9} << 2 << 4ull;
    QTest::newRow("4 nodes majority is 3") << QList<qulonglong>{1, 2, 3, 4} << 3 << 2ull;
    QTest::newRow("4 nodes split 2-2") << QList<qulonglong>{9, 9, 1, 1} << 3 << 1ull;
    QTest::newRow("5 nodes majority") << QList<qulonglong>{5, 1, 4, 2, 3} << 3 << 3ull;
    QTest::newRow("5 nodes W=5 one lagging") << QList<qulonglong>{5, 5, 5, 5, 0} << 5 << 0ull;
    QTest::newRow("6 nodes majority is 4") << QList<qulonglong>{6, 5, 4, 3, 2, 1} << 4 << 3ull;
    QTest::newRow("W above voters clamps to all") << QList<qulonglong>{3, 4} << 7 << 3ull;
    QTest::newRow("W below 1 clamps to 1") << QList<qulonglong>{3, 4} << 0 << 4ull;
    QTest::newRow("ties") << QList<qulonglong>{7, 7, 7} << 2 << 7ull;
  }
  void quorumIndexIsTheWthLargestDurableEnd() {
    QFETCH(QList<qulonglong>, ends);
    QFETCH(int, w);
    QFETCH(qulonglong, expected);
    std::vector<Index> v(ends.begin(), ends.end());
    QCOMPARE(quorumIndex(v, w), Index(expected));
  }

  void noVotersMeansNothingCommitted() { QCOMPARE(quorumIndex({}, 1), Index(0)); }

  void effectiveWriteQuorumTreatsZeroAsMajority() {
    QCOMPARE(effectiveWriteQuorum(0, 3), 2);
    QCOMPARE(effectiveWriteQuorum(0, 4), 3);
    QCOMPARE(effectiveWriteQuorum(1, 5), 1);
    QCOMPARE(effectiveWriteQuorum(9, 5), 5);
  }

  void lowWaterMarkIsTheSmallestOfSnapshotHwmAndRetention() {
    QCOMPARE(ReplicaCore::lowWaterMark(100, 200, 500), Index(101));
    QCOMPARE(ReplicaCore::lowWaterMark(100, 50, 500), Index(50));
    QCOMPARE(ReplicaCore::lowWaterMark(100, 200, 20), Index(20));
    QCOMPARE(ReplicaCore::lowWaterMark(0, 0, 0), Index(1));
  }
};

QTEST_APPLESS_MAIN(QuorumTest)
#include "test_quorum.moc"
