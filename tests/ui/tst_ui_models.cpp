// Every tabular model of the explorer under QAbstractItemModelTester, fed the way the poller
// feeds them: repeated snapshots where rows come, change and go.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

#include "core/wal/record_codec.h"
#include "ui/model/findings_model.h"
#include "ui/model/kv_model.h"
#include "ui/model/log_line_model.h"
#include "ui/model/peer_progress_model.h"
#include "ui/model/segment_model.h"
#include "ui/source/frame_stats.h"

using namespace qlab;
using namespace qlab::ui;

namespace {
constexpr auto kMode = QAbstractItemModelTester::FailureReportingMode::QtTest;

replication::PeerProgress peer(NodeId id, Index match, const char* state = "replicate") {
  replication::PeerProgress p;
  p.id = id;
  p.match = match;
  p.next = match + 1;
  p.state = state;
  p.recentlyActive = true;
  return p;
}

node::SegmentView seg(Index first, Index last, bool sealed = true) {
  return {qlab::wal::segmentFileName(first), first, last, (last - first + 1) * 64, (last - first + 1) * 64, sealed};
}

cluster::LogLine line(std::uint64_t seq, NodeId node, int level, const char* text) {
  return {seq, static_cast<std::int64_t>(seq * 10), node, level, text};
}
}  // namespace

class TestUiModels : public QObject {
  Q_OBJECT
 private slots:
  void frameStatsProfilesTheSlowestFramesBySection() {
    // Sections timed during a poll belong to the frame that poll opens; those after it (the
    // paints) to the same frame, until the next poll.
    FrameStats st;
    for (int i = 0; i < 100; ++i) {
      st.beginPoll();
      st.addSection("poll", 1.0, 0.5);
      st.addUpdate(1.0);
      const bool slow = i == 42;
      st.addPaint(slow ? 40.0 : 2.0);
      st.addSection("paint.timeline", slow ? 40.0 : 2.0, slow ? 3.0 : 1.0);
      if (slow) st.addSection("timer.refresh", 10.0, 10.0);
    }
    st.beginPoll();
    st.addUpdate(1.0);  // closes frame 99
    QCOMPARE(st.frames().size(), std::size_t(100));
    QCOMPARE(st.frames()[42], 41.0);
    std::size_t slowFrames = 0;
    double from = 0;
    const auto prof = st.sectionProfile(0.01, &slowFrames, &from);
    QCOMPARE(slowFrames, std::size_t(1));
    QCOMPARE(from, 41.0);
    QCOMPARE(prof.size(), std::size_t(3));
    auto find = [&](const char* n) {
      for (const auto& p : prof)
        if (p.name == n) return p;
      return FrameStats::SectionProfile{};
    };
    QCOMPARE(find("poll").slowMeanWallMs, 1.0);
    QCOMPARE(find("poll").meanCpuMs, 0.5);
    QCOMPARE(find("paint.timeline").slowMeanWallMs, 40.0);
    QCOMPARE(find("paint.timeline").slowMeanCpuMs, 3.0);
    QCOMPARE(find("paint.timeline").meanWallMs, (99 * 2.0 + 40.0) / 100);
    QCOMPARE(find("timer.refresh").slowFramesWith, std::size_t(1));
    QCOMPARE(find("timer.refresh").slowMeanWallMs, 10.0);
    QCOMPARE(find("timer.refresh").meanWallMs, 0.1);
  }

  void frameStatsPreallocatedOrNotGiveTheSameProfile() {
    // The benchmark preallocates its sample storage; runs shorter and longer than that room
    // must profile exactly as without it (frames and their parts stay paired).
    auto feed = [](FrameStats& st, int frames) {
      for (int i = 0; i < frames; ++i) {
        st.beginPoll();
        st.addSection("poll", 1.0 + i % 3, 0.5);
        st.addUpdate(1.0 + i % 3);
        for (int k = 0; k <= i % 5; ++k) {
          st.addPaint(1.0 + k);
          st.addSection("paint", 1.0 + k, 0.25 * k);
        }
        if (i % 17 == 0) st.addSection("timer", 7.0, 7.0);
      }
      st.beginPoll();
      st.addUpdate(1.0);
    };
    for (std::size_t room : {std::size_t(0), std::size_t(10), std::size_t(1000)}) {
      FrameStats plain, pre;
      pre.preallocate(room);
      QVERIFY(pre.frames().empty());
      feed(plain, 300);
      feed(pre, 300);
      QCOMPARE(pre.frames(), plain.frames());
      QCOMPARE(pre.paints(), plain.paints());
      const auto a = plain.sectionProfile(0.05);
      const auto b = pre.sectionProfile(0.05);
      QCOMPARE(b.size(), a.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        QCOMPARE(b[i].name, a[i].name);
        QCOMPARE(b[i].meanWallMs, a[i].meanWallMs);
        QCOMPARE(b[i].p99WallMs, a[i].p99WallMs);
        QCOMPARE(b[i].slowMeanCpuMs, a[i].slowMeanCpuMs);
        QCOMPARE(b[i].slowFramesWith, a[i].slowFramesWith);
      }
    }
  }

  void peerProgressUpdatesInPlaceAndResetsOnANewSet() {
    PeerProgressModel m;
    QAbstractItemModelTester tester(&m, kMode);
    QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    m.update({peer(3, 10), peer(2, 12)}, 12);
    QCOMPARE(m.rowCount(), 2);
    QCOMPARE(m.data(m.index(0, PeerProgressModel::kPeer)).toString(), QStringLiteral("node 2"));
    QCOMPARE(m.data(m.index(1, PeerProgressModel::kLag)).toULongLong(), 2ull);
    m.update({peer(2, 14), peer(3, 10)}, 14);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(changed.count(), 2);  // both lags/matches moved
    QCOMPARE(m.data(m.index(0, PeerProgressModel::kMatch)).toULongLong(), 14ull);
    m.update({peer(2, 14), peer(3, 10), peer(4, 0, "probe")}, 14);
    QCOMPARE(reset.count(), 2);
    QCOMPARE(m.rowCount(), 3);
    QCOMPARE(m.data(m.index(2, PeerProgressModel::kState)).toString(), QStringLiteral("probe"));
    m.update({}, 14);  // no longer the leader
    QCOMPARE(m.rowCount(), 0);
  }

  void segmentsFadeOutAfterDeletion() {
    SegmentModel m;
    QAbstractItemModelTester tester(&m, kMode);
    m.update(1, {seg(1, 100), seg(101, 200), seg(201, 250, false)}, 0);
    QCOMPARE(m.rowCount(), 3);
    QCOMPARE(m.data(m.index(2, SegmentModel::kState)).toString(), QStringLiteral("active"));
    // The first segment goes below the LWM; a new one is rolled.
    m.update(1, {seg(101, 200), seg(201, 300), seg(301, 310, false)}, 1000);
    QCOMPARE(m.rowCount(), 4);
    QVERIFY(m.data(m.index(0, 0), SegmentModel::kDeletedRole).toBool());
    QCOMPARE(m.data(m.index(0, SegmentModel::kState)).toString(), QStringLiteral("deleted"));
    const double early = m.data(m.index(0, 0), SegmentModel::kOpacityRole).toDouble();
    m.update(1, {seg(101, 200), seg(201, 300), seg(301, 320, false)}, 1000 + SegmentModel::kFadeMs / 2);
    const double later = m.data(m.index(0, 0), SegmentModel::kOpacityRole).toDouble();
    QVERIFY2(later < early && later > 0, qPrintable(QStringLiteral("%1 -> %2").arg(early).arg(later)));
    QCOMPARE(m.data(m.index(3, SegmentModel::kLast)).toULongLong(), 320ull);
    m.update(1, {seg(101, 200), seg(201, 300), seg(301, 330, false)}, 1000 + SegmentModel::kFadeMs);
    QCOMPARE(m.rowCount(), 3);
    QCOMPARE(m.data(m.index(0, SegmentModel::kFirst)).toULongLong(), 101ull);
    m.update(2, {seg(1, 5, false)}, 9000);  // another node
    QCOMPARE(m.rowCount(), 1);
  }

  void shortSegmentNamesKeepTheDigitsThatMatter() {
    QCOMPARE(shortSegmentName("00000000000000001201.wal"), QStringLiteral("…1201.wal"));
    QCOMPARE(shortSegmentName("00000000000000000001.wal"), QStringLiteral("…1.wal"));
    QCOMPARE(shortSegmentName("x.wal"), QStringLiteral("x.wal"));
  }

  void kvMergesKeysInSortedOrder() {
    KvModel m;
    QAbstractItemModelTester tester(&m, kMode);
    m.update(1, {{"b", "1"}, {"d", "2"}});
    QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    m.update(1, {{"a", "0"}, {"b", "1"}, {"c", "9"}, {"d", "3"}});
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(m.rowCount(), 4);
    QCOMPARE(m.data(m.index(2, KvModel::kKey)).toString(), QStringLiteral("c"));
    QCOMPARE(m.data(m.index(3, KvModel::kValue)).toString(), QStringLiteral("3"));
    m.update(1, {{"c", "9"}});
    QCOMPARE(removed.count(), 3);
    QCOMPARE(m.rowCount(), 1);
    m.update(1, {});
    QCOMPARE(m.rowCount(), 0);
  }

  void logLinesAppendIncrementallyAndCap() {
    LogLineModel m(5);
    QAbstractItemModelTester tester(&m, kMode);
    m.append({line(1, 1, 2, "a"), line(2, 2, 3, "b"), line(3, 0, 4, "c")});
    QCOMPARE(m.rowCount(), 3);
    m.append({line(2, 2, 3, "b"), line(3, 0, 4, "c"), line(4, 1, 2, "d")});  // overlap skipped
    QCOMPARE(m.rowCount(), 4);
    m.append({line(5, 1, 2, "e"), line(6, 1, 2, "f"), line(7, 3, 1, "g")});
    QCOMPARE(m.rowCount(), 5);
    QCOMPARE(m.data(m.index(0, LogLineModel::kText)).toString(), QStringLiteral("c"));
    QCOMPARE(m.data(m.index(0, LogLineModel::kNode)).toString(), QStringLiteral("cluster"));
    QCOMPARE(m.lastSeq(), 7ull);
    std::vector<cluster::LogLine> many;
    for (std::uint64_t s = 8; s < 30; ++s) many.push_back(line(s, 1, 2, "x"));
    m.append(many);  // more than the capacity at once
    QCOMPARE(m.rowCount(), 5);
    QCOMPARE(m.lastSeq(), 29ull);
  }

  void logFilterByNodeAndLevel() {
    LogLineModel m;
    LogFilterProxy p;
    p.setSourceModel(&m);
    QAbstractItemModelTester tester(&p, kMode);
    m.append({line(1, 1, 2, "a"), line(2, 2, 3, "b"), line(3, 0, 4, "c"), line(4, 2, 1, "d")});
    QCOMPARE(p.rowCount(), 4);
    p.setNode(2);
    QCOMPARE(p.rowCount(), 2);
    p.setMinLevel(3);
    QCOMPARE(p.rowCount(), 1);
    QCOMPARE(p.data(p.index(0, LogLineModel::kText)).toString(), QStringLiteral("b"));
    p.setNode(0);
    QCOMPARE(p.rowCount(), 1);
    QCOMPARE(p.data(p.index(0, LogLineModel::kText)).toString(), QStringLiteral("c"));
    p.setNode(-1);
    p.setMinLevel(0);
    m.append({line(5, 2, 4, "e")});
    QCOMPARE(p.rowCount(), 5);
  }

  void findingsCountViolationsAndLosses() {
    FindingsModel m;
    QAbstractItemModelTester tester(&m, kMode);
    m.append({{100, false, "lost c1/4"}, {200, true, "two leaders in generation 3"}});
    m.append({{300, false, "lost c2/9"}});
    QCOMPARE(m.rowCount(), 3);
    QCOMPARE(m.violations(), 1);
    QCOMPARE(m.expected(), 2);
    QCOMPARE(m.data(m.index(1, FindingsModel::kKind)).toString(), QStringLiteral("VIOLATION"));
    QVERIFY(m.data(m.index(1, 0), FindingsModel::kViolationRole).toBool());
    QCOMPARE(m.latest()->text, std::string("lost c2/9"));
    m.clear();
    QCOMPARE(m.rowCount(), 0);
    QCOMPARE(m.violations(), 0);
  }
};

QTEST_GUILESS_MAIN(TestUiModels)
#include "tst_ui_models.moc"
