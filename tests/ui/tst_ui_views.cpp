// The explorer's custom views and panels over synthetic snapshots (FakeSource): the log
// lanes' cache (visible-window fetching, ghosts of cut and killed entries), hit testing and
// painting; the cluster ring (clicks, context menu); the controls sending commands; the
// timeline (pairing and folding, heartbeat bands, kind chips, bundles, a request followed
// end to end, markers at any zoom and load); the record view and the dump dialog reading real
// segment files written by core/wal.
#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPushButton>
#include <QSignalSpy>
#include <QHeaderView>
#include <QLineSeries>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtTest>

#include "core/kv/command.h"
#include "core/replication/message.h"
#include "core/wal/segmented_log.h"
#include "fake_source.h"
#include "ui/model/dump_model.h"
#include "ui/model/lane_cache.h"
#include "ui/source/cluster_poller.h"
#include "ui/source/frame_stats.h"
#include "ui/view/charts_panel.h"
#include "ui/view/cluster_actions.h"
#include "ui/view/cluster_view.h"
#include "ui/view/column_fitter.h"
#include "ui/view/controls_panel.h"
#include "ui/view/lanes_painter.h"
#include "ui/view/log_lanes_view.h"
#include "ui/view/partition_editor.h"
#include "ui/view/record_view.h"
#include "ui/view/steady_label.h"
#include "ui/view/steady_scroll_bar.h"
#include "ui/view/timeline_painter.h"
#include "ui/view/timeline_view.h"
#include "ui/window/dump_dialog.h"

using namespace qlab;
using namespace qlab::ui;
using qlab::ui::test::FakeSource;
using qlab::ui::test::makeView;

namespace {
ClusterFrame pollOnce(ClusterPoller& poller) {
  ClusterFrame got;
  auto c = QObject::connect(&poller, &ClusterPoller::frameReady, [&](const ClusterFrame& f) { got = f; });
  poller.pollNow();
  QObject::disconnect(c);
  return got;
}

node::NodeEvent msg(NodeId from, NodeId to, replication::MessageType t, std::int64_t ms, bool send, Index a = 0) {
  node::NodeEvent e;
  e.kind = send ? node::EventKind::kSend : node::EventKind::kRecv;
  e.node = send ? from : to;
  e.peer = send ? to : from;
  e.msgType = static_cast<std::uint8_t>(t);
  e.tMs = ms;
  e.a = a;
  e.b = a;
  return e;
}

// A message sent at `ms` and received `flight` ms later.
void sendRecv(std::vector<cluster::RecordedEvent>& ev, NodeId from, NodeId to, replication::MessageType t,
              std::int64_t ms, std::int64_t flight, Index a = 0) {
  ev.push_back({ev.size() + 1, msg(from, to, t, ms, true, a)});
  ev.push_back({ev.size() + 1, msg(from, to, t, ms + flight, false, a)});
}

node::NodeEvent nodeEvent(NodeId node, node::EventKind k, std::int64_t ms, Index a = 0) {
  node::NodeEvent e;
  e.node = node;
  e.kind = k;
  e.tMs = ms;
  e.a = a;
  return e;
}

TimelineScene sceneOf(const std::vector<cluster::RecordedEvent>& ev, std::int64_t toMs = 2000) {
  TimelineScene s;
  s.events = &ev;
  s.nodes = 3;
  s.fromMs = 0;
  s.toMs = toMs;
  s.rect = QRectF(0, 0, 600, 500);
  s.arrowBudget = 500;
  return s;
}

bool showTimeline(TimelineView& view) {
  view.resize(700, 560);
  view.show();
  return QTest::qWaitForWindowExposed(&view);
}

// Gives a TimelineView `ev` (everything in one frame at `nowMs`).
void feed(TimelineView& view, const std::vector<cluster::RecordedEvent>& ev, std::int64_t nowMs) {
  ClusterFrame f;
  f.number = 1;
  f.size = 3;
  f.nowMs = nowMs;
  f.events = ev;
  view.updateFrame(f);
}

// Writes entries 1..n to a real log under dir/wal and returns its segments as the node shows them.
std::vector<node::SegmentView> writeLog(const QString& dir, Index n, std::uint64_t segmentBytes = 1024) {
  wal::LogOptions o;
  o.segmentBytes = segmentBytes;
  auto log = wal::SegmentedLog::open(wal::posixFileSystem(), (dir + "/wal").toStdString(), o);
  if (!log.isOk()) qFatal("open log: %s", log.status().toString().c_str());
  for (Index i = 1; i <= n; ++i) {
    Entry e;
    e.index = i;
    e.generation = 2;
    e.timestampMs = 1000 + static_cast<std::int64_t>(i);
    e.payload = kv::encodeCommand({7, i, "key" + std::to_string(i), "value" + std::to_string(i)});
    if (!log.value()->append(e).isOk()) qFatal("append");
  }
  if (!log.value()->flush().isOk()) qFatal("flush");
  std::vector<node::SegmentView> segs;
  for (const auto& s : log.value()->segments())
    segs.push_back({s.fileName, s.firstIndex, s.lastIndex, s.bytes, s.durableBytes, s.sealed});
  return segs;
}
}  // namespace

// A controls panel and its actions on a fake 3-node source, updated by a poller.
struct PanelRig {
  FakeSource src{3};
  QWidget window;
  ClusterActions actions{&window};
  ControlsPanel panel{&actions, &window};
  ClusterPoller poller;
  PanelRig() {
    actions.setControl(&src);
    panel.setControl(&src);
    poller.setSource(&src);
    QObject::connect(&poller, &ClusterPoller::frameReady, &actions, &ClusterActions::updateFrame);
    QObject::connect(&poller, &ClusterPoller::frameReady, &panel, &ControlsPanel::updateFrame);
  }
};

class TestUiViews : public QObject {
  Q_OBJECT
 private slots:
  void steadyScrollBarRepaintsOnlyWhenItsLookChanges() {
    QWidget top;
    top.resize(320, 80);
    auto* bar = new SteadyScrollBar(Qt::Horizontal, &top);
    auto* plain = new QScrollBar(Qt::Horizontal, &top);
    for (QScrollBar* b : {static_cast<QScrollBar*>(bar), plain}) {
      b->setRange(1, 100000);
      b->setPageStep(15);
      b->setValue(100000);
    }
    bar->setGeometry(10, 10, 300, bar->sizeHint().height());  // away from the pointer at 0,0
    plain->setGeometry(10, 40, 300, bar->sizeHint().height());
    top.show();
    QVERIFY(QTest::qWaitForWindowExposed(&top));
    QCoreApplication::processEvents();
    // Following a growing log: the handle stays at the end, a pixel is 300 indices wide.
    for (int hi = 100001; hi <= 100030; ++hi) {
      bar->setRange(1, hi);
      bar->setValue(hi);
    }
    QVERIFY(bar->skippedRepaints() > 0);
    // Range, steps and value set together are judged once, with the value already at the end.
    const int before = bar->skippedRepaints();
    for (int hi = 100031; hi <= 100060; ++hi) bar->setState(1, hi, 15, 0, hi);
    QCOMPARE(bar->skippedRepaints(), before + 30);
    QCOMPARE(bar->value(), 100060);
    bar->setState(1, 100030, 15, 0, 100030);
    QCOMPARE(bar->maximum(), 100030);
    // A change that moves the handle repaints, and it looks as a plain scroll bar does.
    const int skipped = bar->skippedRepaints();
    bar->setValue(50000);
    QCOMPARE(bar->skippedRepaints(), skipped);
    plain->setRange(1, 100030);
    plain->setValue(50000);
    QCoreApplication::processEvents();
    QCOMPARE(bar->grab().toImage(), plain->grab().toImage());
  }

  void steadyLabelRelaysOutOnlyWhenItsSizeChanges() {
    // A label whose text changes every frame: in a plain layout each setText re-lays out the
    // whole window; in a SteadyLabelBox only a change of size does.
    QWidget top;
    auto* layout = new QVBoxLayout(&top);
    auto* label = new QLabel(QStringLiteral("HWM 1111"));
    auto* box = new SteadyLabelBox(label);
    layout->addWidget(box);
    layout->addWidget(new QLabel(QStringLiteral("a neighbour")));
    top.show();
    QVERIFY(QTest::qWaitForWindowExposed(&top));
    QCoreApplication::processEvents();
    struct Counter : QObject {
      int requests = 0;
      bool eventFilter(QObject*, QEvent* e) override {
        if (e->type() == QEvent::LayoutRequest) ++requests;
        return false;
      }
    } counter;
    top.installEventFilter(&counter);
    QCOMPARE(box->sizeHint(), label->sizeHint());
    const QSize before = label->sizeHint();
    label->setText(QStringLiteral("HWM 1112"));
    QCoreApplication::processEvents();
    QCoreApplication::processEvents();
    QCOMPARE(label->text(), QStringLiteral("HWM 1112"));
    QCOMPARE(label->sizeHint(), before);  // digits are all as wide (DejaVu Sans)
    QCOMPARE(counter.requests, 0);        // same size: nothing re-laid out
    QCOMPARE(label->geometry(), box->rect());
    // Longer text: the box grows, its window's layout hears of it, and the label fills it.
    label->setText(QStringLiteral("HWM 1112 · a much longer line than before"));
    QCoreApplication::processEvents();
    QCoreApplication::processEvents();
    QCOMPARE(box->sizeHint(), label->sizeHint());
    QVERIFY(counter.requests > 0);
    QVERIFY(box->width() >= label->sizeHint().width());
    QCOMPARE(label->geometry(), box->rect());
    // The same with a plain label in a layout: every text change asks the window to re-lay out.
    auto* plain = new QLabel(QStringLiteral("HWM 1111"));
    layout->addWidget(plain);
    QCoreApplication::processEvents();
    QCoreApplication::processEvents();
    counter.requests = 0;
    plain->setText(QStringLiteral("HWM 1112"));
    QCoreApplication::processEvents();
    QVERIFY(counter.requests > 0);
  }

  void pollerHandsOutStreamsOnce() {
    FakeSource src(3);
    src.addEvent(msg(1, 2, replication::MessageType::kAppend, 5, true, 1));
    src.addLog(1, 2, "hello");
    ClusterPoller poller;
    poller.setSource(&src);
    ClusterFrame f1 = pollOnce(poller);
    QVERIFY(f1.sourceChanged);
    QCOMPARE(f1.size, 3);
    QCOMPARE(f1.events.size(), std::size_t(1));
    QCOMPARE(f1.logLines.size(), std::size_t(1));
    ClusterFrame f2 = pollOnce(poller);
    QVERIFY(!f2.sourceChanged);
    QVERIFY(f2.events.empty());
    QVERIFY(f2.logLines.empty());
    src.addEvent(msg(2, 1, replication::MessageType::kAppendResponse, 6, true, 1));
    QCOMPARE(pollOnce(poller).events.size(), std::size_t(1));
  }

  void laneCacheFetchesOnlyTheVisibleWindowOutsideRecent() {
    FakeSource src(2);
    src.setView(makeView(1, 1, 1'000'000, 1'000'000, 999'990));
    src.setView(makeView(2, 1, 1'000'000, 1'000'000, 999'990));
    ClusterPoller poller;
    poller.setSource(&src);
    LaneCache cache(&src);
    cache.update(pollOnce(poller));
    QVERIFY(cache.entry(1, 1'000'000));            // from the snapshot's recent window
    QCOMPARE(cache.ensure(999'950, 1'000'000), 0);  // nothing missing: no read
    QCOMPARE(src.entriesCalls, 0);
    QVERIFY(!cache.entry(1, 500'000));
    QCOMPARE(cache.ensure(500'000, 500'040), 2);    // scrolled back: one read per node
    QVERIFY(cache.entry(2, 500'020));
    QVERIFY(cache.heldEntries(1) < 200);            // never the whole log
    QCOMPARE(cache.ensure(500'000, 500'040), 0);
  }

  void chartsShowEachSecondsLatencyPercentilesAsFromScratch() {
    // Each completed second's p50 and p99 are worked out once and kept; what the chart shows
    // must be what sorting that second's latencies now gives, also after a late operation
    // joins a second already shown.
    ChartsPanel panel;
    panel.resize(900, 240);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    std::map<std::int64_t, std::vector<double>> bySecond;
    std::uint64_t seq = 0;
    auto op = [&](std::int64_t completeUs, std::int64_t latencyUs) {
      cluster::Operation o;
      o.seq = ++seq;
      o.kind = cluster::OpKind::kWrite;
      o.result = cluster::OpResult::kOk;
      o.invokeUs = completeUs - latencyUs;
      o.completeUs = completeUs;
      bySecond[completeUs / 1000000].push_back(static_cast<double>(latencyUs) / 1000.0);
      return o;
    };
    auto check = [&](std::int64_t nowMs) {
      const QList<QPointF> p50 = panel.p50Series()->points(), p99 = panel.p99Series()->points();
      int shown = 0;
      for (const auto& [sec, lat] : bySecond) {
        if (sec >= nowMs / 1000) continue;
        const Percentiles want = FrameStats::percentiles(lat);
        QVERIFY(shown < p50.size());
        QCOMPARE(p50[shown].x(), static_cast<double>(sec) + 0.5);
        QCOMPARE(p50[shown].y(), want.p50);
        QCOMPARE(p99[shown].y(), want.p99);
        ++shown;
      }
      QCOMPARE(p50.size(), shown);
    };
    ClusterFrame f;
    f.size = 1;
    f.views = {std::make_shared<node::NodeView>(makeView(1, 1, 1, 1, 1))};
    for (int frame = 1; frame <= 120; ++frame) {
      f.number = static_cast<std::uint64_t>(frame);
      f.nowMs = frame * 50;
      f.operations.clear();
      for (int i = 0; i < 7; ++i)
        f.operations.push_back(op(f.nowMs * 1000 - i * 3000, 1000 + (frame * 7919 + i * 104729) % 20000));
      if (frame == 90) f.operations.push_back(op(1'500'000, 99'000));  // late, for second 1
      int before[ChartsPanel::kCharts];
      for (int c = 0; c < ChartsPanel::kCharts; ++c) before[c] = panel.redraws(ChartsPanel::Chart(c));
      panel.updateFrame(f);
      int redrawn = 0;
      for (int c = 0; c < ChartsPanel::kCharts; ++c) redrawn += panel.redraws(ChartsPanel::Chart(c)) - before[c];
      QVERIFY(redrawn <= 1);  // one chart per frame at the most
      if (panel.redraws(ChartsPanel::kLatencyChart) != before[ChartsPanel::kLatencyChart])
        check(f.nowMs);  // the latency chart as just redrawn
    }
    // Each chart twice a second over the 6 s.
    for (int c = 0; c < ChartsPanel::kCharts; ++c) QVERIFY(panel.redraws(ChartsPanel::Chart(c)) >= 11);
  }

  void laneCacheTakesWhatChangedInHeldEntries() {
    // Entries already held are not copied again each frame, but what changes in them (an
    // entry later applied as a duplicate) is taken, and the unchanged stay where they are.
    FakeSource src(1);
    src.setView(makeView(1, 1, 20, 20, 10));
    ClusterPoller poller;
    poller.setSource(&src);
    LaneCache cache(&src);
    cache.update(pollOnce(poller));
    const node::EntryView* held = cache.entry(1, 15);
    QVERIFY(held && !held->duplicate);
    node::NodeView v = makeView(1, 1, 20, 20, 12);
    for (auto& e : v.recent)
      if (e.index == 15) e.duplicate = true;
    v.version = 2;
    src.setView(v);
    cache.update(pollOnce(poller));
    QVERIFY(cache.entry(1, 15)->duplicate);
    QCOMPARE(cache.entry(1, 15), held);  // updated in place
    for (const auto& e : v.recent) QVERIFY(*cache.entry(1, e.index) == e);
    QCOMPARE(cache.ghosts(1, 1, 100).size(), std::size_t(0));
  }

  void laneCacheStaysWithinItsBoundAFrameAtATime() {
    // Following a growing log, the cache holds at most kMaxEntriesPerNode entries per node,
    // drops the oldest first (a frame's worth at a time, not half of it at once), and keeps the
    // window in view and the tail.
    FakeSource src(1);
    ClusterPoller poller;
    poller.setSource(&src);
    LaneCache cache(&src);
    const std::size_t bound = LaneCache::kMaxEntriesPerNode;
    Index last = 0;
    std::size_t before = 0, largestDrop = 0;
    for (int frame = 0; frame < 450; ++frame) {
      last += 96;
      src.setView(makeView(1, 1, last, last, last - 10));
      cache.update(pollOnce(poller));
      cache.ensure(last - 80, last);  // in view: the tail
      const std::size_t held = cache.heldEntries(1);
      QVERIFY(held <= bound + 96);  // ensure() may add up to the next update
      if (before > held) largestDrop = std::max(largestDrop, before - held);
      before = held;
    }
    QVERIFY(last > 2 * bound);
    QVERIFY(cache.heldEntries(1) >= bound - 96);
    QVERIFY(largestDrop <= 96);
    QVERIFY(cache.entry(1, last));
    QVERIFY(cache.entry(1, last - 250));
    QVERIFY(!cache.entry(1, last - bound - 200));  // the oldest went first
  }

  void laneCacheKeepsGhostsOfCutAndKilledEntries() {
    FakeSource src(1);
    src.setView(makeView(1, 1, 20, 20, 10));
    ClusterPoller poller;
    poller.setSource(&src);
    LaneCache cache(&src);
    src.setNow(1000);
    cache.update(pollOnce(poller));
    // A new leader's entries replace 16..20 (generation 2): the old ones become ghosts.
    node::NodeView v = makeView(1, 1, 18, 18, 10);
    for (auto& e : v.recent)
      if (e.index >= 16) e.generation = 2;
    src.setView(v);
    src.setNow(2000);
    cache.update(pollOnce(poller));
    auto ghosts = cache.ghosts(1, 1, 100);
    QCOMPARE(ghosts.size(), std::size_t(5));
    QCOMPARE(ghosts.front().entry.index, Index(16));
    QCOMPARE(ghosts.front().entry.generation, Generation(1));
    QVERIFY(ghosts.front().why == GhostEntry::Why::kTruncated);
    QCOMPARE(cache.entry(1, 16)->generation, Generation(2));
    // Killed with 19..25 buffered; it comes back with 18: those are lost.
    src.setView(makeView(1, 1, 25, 18, 10));
    cache.update(pollOnce(poller));
    src.mutableView(1).status = node::NodeStatus::kDead;
    cache.update(pollOnce(poller));
    src.setView(makeView(1, 1, 18, 18, 10));
    src.mutableView(1).version = 1;
    cache.update(pollOnce(poller));
    int killed = 0;
    for (const auto& g : cache.ghosts(1, 19, 25)) killed += g.why == GhostEntry::Why::kKilledBuffer;
    QCOMPARE(killed, 7);
    // Ghosts fade away.
    src.setNow(2000 + LaneCache::kGhostMs + 1);
    cache.update(pollOnce(poller));
    QVERIFY(cache.ghosts(1, 1, 100).empty());
  }

  void lanesHitTestFindsCellsAndHeaders() {
    LanesGeometry g;
    g.width = 1000;
    g.nodes = 3;
    g.first = 100;
    LanesHit h = hitTestLanes(g, QPoint(g.headerW + 2 * g.cellW + 3, g.cellsTop(1) + 5));
    QCOMPARE(h.kind, LanesHit::Kind::kCell);
    QCOMPARE(h.node, NodeId(2));
    QCOMPARE(h.index, Index(102));
    QCOMPARE(hitTestLanes(g, QPoint(10, g.cellsTop(2) + 5)).kind, LanesHit::Kind::kHeader);
    QCOMPARE(hitTestLanes(g, QPoint(g.headerW + 5, g.lostTop() + 3)).kind, LanesHit::Kind::kLost);
  }

  void lanesViewFollowsTheTailUntilScrolledBack() {
    FakeSource src(3);
    for (NodeId n = 1; n <= 3; ++n) src.setView(makeView(n, 1, 500, 498, 495));
    src.setHwm(495);
    ClusterPoller poller;
    poller.setSource(&src);
    LogLanesView lanes;
    lanes.resize(900, 400);
    lanes.show();
    QVERIFY(QTest::qWaitForWindowExposed(&lanes));
    lanes.setSource(&src);
    QObject::connect(&poller, &ClusterPoller::frameReady, &lanes, &LogLanesView::updateFrame);
    poller.pollNow();
    QVERIFY(lanes.following());
    QVERIFY(lanes.lastVisible() >= 500);
    QSignalSpy follow(&lanes, &LogLanesView::followingChanged);
    lanes.scrollToIndex(100);
    QVERIFY(!lanes.following());
    QCOMPARE(follow.count(), 1);
    QCOMPARE(lanes.firstVisible(), Index(100));
    for (NodeId n = 1; n <= 3; ++n) src.setView(makeView(n, 1, 600, 600, 590));
    poller.pollNow();
    QCOMPARE(lanes.firstVisible(), Index(100));  // stays where the user looks
    QVERIFY(lanes.cache().entry(1, 110));        // and that window was fetched
    lanes.setFollowing(true);
    QVERIFY(lanes.lastVisible() >= 600);
    // It paints something for every lane (not a blank widget).
    QImage img = lanes.render();
    QVERIFY(!img.isNull());
    const QColor bg = lanes.palette().color(QPalette::Base);
    int painted = 0;
    for (int x = 160; x < img.width(); x += 7)
      painted += img.pixelColor(x, lanes.geometry().cellsTop(2) + 10) != bg;
    QVERIFY2(painted > 20, qPrintable(QString::number(painted)));
  }

  // Hovering explains in words: an entry (how many nodes hold it on disk, W, committed or
  // not), a segment (its range, sealed or active) and a marker (durable end).
  void hoveringExplainsEntriesSegmentsAndMarkers() {
    FakeSource src(3);
    src.setView(makeView(1, 1, 20, 20, 18));
    src.setView(makeView(2, 1, 20, 20, 18));
    src.setView(makeView(3, 1, 20, 15, 15));
    src.mutableView(1).segments = {node::SegmentView{"00000000000000000001.wal", 1, 20, 2048, 2048, false}};
    src.setLeader(1);
    src.setHwm(18);
    ClusterPoller poller;
    poller.setSource(&src);
    LogLanesView lanes;
    lanes.resize(1400, 400);
    lanes.show();
    QVERIFY(QTest::qWaitForWindowExposed(&lanes));
    lanes.setSource(&src);
    QObject::connect(&poller, &ClusterPoller::frameReady, &lanes, &LogLanesView::updateFrame);
    poller.pollNow();
    lanes.scrollToIndex(1);
    poller.pollNow();
    const LanesGeometry& g = lanes.geometry();
    auto at = [&](Index i, int y) { return QPoint(static_cast<int>(g.x(i)) + 3, y); };
    QString tip = lanes.tooltipAt(at(17, g.cellsTop(0) + 3));
    QVERIFY2(tip.contains("Index 17: on disk on 2 of 3 nodes; the write quorum W = 2 was reached, so it is committed"), qPrintable(tip));
    tip = lanes.tooltipAt(at(19, g.cellsTop(0) + 3));
    QVERIFY2(tip.contains("Index 19: on disk on 2 of 3 nodes") && tip.contains("not committed yet"), qPrintable(tip));
    tip = lanes.tooltipAt(at(10, g.cellsTop(0) + 3));
    QVERIFY2(tip.contains("on disk on 3 of 3 nodes"), qPrintable(tip));
    tip = lanes.tooltipAt(at(5, g.laneTop(0) + 3));
    QVERIFY2(tip.contains("Segment 00000000000000000001.wal of node 1: indexes 1 to 20") && tip.contains("active segment"), qPrintable(tip));
    tip = lanes.tooltipAt(at(15, g.laneTop(2) + g.segH + g.cellH + g.ghostH + 3));
    QVERIFY2(tip.contains("Durable end 15: node 3 has fdatasync'ed its log up to here"), qPrintable(tip));
  }

  void clusterViewSelectsAndOffersActions() {
    FakeSource src(3);
    src.setLeader(2);
    src.mutableView(2).role = replication::Role::kLeader;
    ClusterPoller poller;
    poller.setSource(&src);
    ClusterView view;
    view.resize(500, 420);
    QObject::connect(&poller, &ClusterPoller::frameReady, &view, &ClusterView::updateFrame);
    poller.pollNow();
    QSignalSpy clicked(&view, &ClusterView::nodeClicked);
    QSignalSpy menu(&view, &ClusterView::nodeContextMenuRequested);
    QTest::mouseClick(&view, Qt::LeftButton, {}, view.nodeCenter(3).toPoint());
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.at(0).at(0).value<NodeId>(), NodeId(3));
    QCOMPARE(view.selectedNode(), NodeId(3));
    QContextMenuEvent ev(QContextMenuEvent::Mouse, view.nodeCenter(1).toPoint(), view.mapToGlobal(view.nodeCenter(1).toPoint()));
    QApplication::sendEvent(&view, &ev);
    QCOMPARE(menu.count(), 1);
    QCOMPARE(view.nodeAt(QPointF(2, 2)), NodeId(kNoNode));
    // Sends become flying messages; a cut link drops them half-way.
    src.addEvent(msg(2, 1, replication::MessageType::kAppend, 10, true, 5));
    src.apply(cluster::Fault::setLink({2}, {3}, {true, 0, 0}, true));
    src.addEvent(msg(2, 3, replication::MessageType::kAppend, 10, true, 5));
    poller.pollNow();
    QCOMPARE(view.animator().messages().size(), std::size_t(2));
    QVERIFY(view.animator().messages().back().dropped);
    QImage img(view.size(), QImage::Format_ARGB32);
    view.render(&img);
    QVERIFY(img.pixelColor(view.nodeCenter(2).toPoint()) != view.palette().color(QPalette::Base));
  }

  void clusterViewLeavesInBetweenRepaintsToFramesWhenBusy() {
    FakeSource src(3);
    ClusterPoller poller;
    poller.setSource(&src);
    ClusterView view;
    view.resize(500, 420);
    QObject::connect(&poller, &ClusterPoller::frameReady, &view, &ClusterView::updateFrame);
    // A few dots: the animation repaints between frames (60 Hz).
    for (int i = 0; i < 3; ++i) src.addEvent(msg(1, 2, replication::MessageType::kVoteRequest, 10, true, 0));
    poller.pollNow();
    QVERIFY(!view.animator().messages().empty());
    QVERIFY(view.animator().sendsInFlight() < ClusterView::kBusySends);
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 200) {
      poller.pollNow();
      QTest::qWait(33);
    }
    QVERIFY(view.animationRepaints() > 0);
    // Busy, frames arriving: no in-between repaints (each frame repaints).
    for (int i = 0; i < 200; ++i)
      src.addEvent(msg(1 + i % 3, 1 + (i + 1) % 3, replication::MessageType::kVoteRequest, 10, true, 0));
    poller.pollNow();
    QVERIFY(view.animator().sendsInFlight() >= ClusterView::kBusySends);
    const int before = view.animationRepaints();
    clock.restart();
    while (clock.elapsed() < 300) {
      poller.pollNow();
      QTest::qWait(20);
    }
    // (~18 ticks of the 16 ms animation timer in 300 ms; a loaded machine may stall a poll
    // past kFramesArrivingMs now and then, so a couple are allowed.)
    QVERIFY2(view.animationRepaints() - before <= 2, qPrintable(QString::number(view.animationRepaints() - before)));
    // Frames stop coming (poller stopped): the animation repaints again.
    QTRY_VERIFY(view.animationRepaints() > before);
  }

  // Every control shows the selected node's actual state, whichever path changed it (here the
  // source itself, as a scenario or a lesson would), except while the user is editing it.
  void controlsShowTheActualStateOfTheSelectedNodeAndLinks() {
    PanelRig rig;
    FakeSource& src = rig.src;
    ClusterActions& actions = rig.actions;
    ControlsPanel& panel = rig.panel;
    ClusterPoller& poller = rig.poller;
    auto shownMode = [&] { return static_cast<wal::FlushMode>(panel.policyBox()->currentData().toInt()); };
    src.mutableView(1).flush = {wal::FlushMode::kDelayed, 5000};
    actions.setTarget(1);
    poller.pollNow();
    QCOMPARE(shownMode(), wal::FlushMode::kDelayed);
    QCOMPARE(panel.delayBox()->value(), 5000);
    QVERIFY(panel.delayBox()->isEnabled());
    QVERIFY2(panel.policyNowLabel()->text().contains("delayed, every 5000 ms"), qPrintable(panel.policyNowLabel()->text()));
    actions.setTarget(2);
    poller.pollNow();
    QCOMPARE(shownMode(), wal::FlushMode::kAlways);
    QVERIFY(!panel.delayBox()->isEnabled());
    src.mutableView(2).flush = {wal::FlushMode::kGroup, 0};  // a scenario step changed it
    poller.pollNow();
    QCOMPARE(shownMode(), wal::FlushMode::kGroup);
    // The user picks manual: frames do not undo the pick, and the label says what is true now.
    panel.policyBox()->setCurrentIndex(panel.policyBox()->findData(static_cast<int>(wal::FlushMode::kManual)));
    poller.pollNow();
    QCOMPARE(shownMode(), wal::FlushMode::kManual);
    QVERIFY2(panel.policyNowLabel()->text().contains("group now"), qPrintable(panel.policyNowLabel()->text()));
    panel.setPolicyButton()->click();
    QCOMPARE(src.commands.back(), std::string("flush 2 manual 0"));
    poller.pollNow();
    QCOMPARE(shownMode(), wal::FlushMode::kManual);
    QVERIFY2(panel.policyNowLabel()->text().contains("flushes: manual"), qPrintable(panel.policyNowLabel()->text()));

    // A load started elsewhere shows its clients and rate.
    src.startLoad({.clients = 5, .rate = 70});
    poller.pollNow();
    QCOMPARE(panel.rateBox()->value(), 70);
    QCOMPARE(actions.loadOptions().clients, 5);

    // Links: a scenario slows 1->2 and cuts node 3 off; the link fields and the groups follow.
    PartitionEditor* net = panel.partitionEditor();
    src.apply(cluster::Fault::setLink({1}, {2}, net::LinkFault{false, 300, 0}, true));
    src.apply(cluster::Fault::setLink({1}, {3}, net::LinkFault{true, 0, 0}, false));
    src.apply(cluster::Fault::setLink({2}, {3}, net::LinkFault{true, 0, 0}, false));
    poller.pollNow();
    QCOMPARE(net->fromBox()->currentData().toInt(), 1);
    QCOMPARE(net->toBox()->currentData().toInt(), 2);
    QCOMPARE(net->linkDelayBox()->value(), 300);
    QVERIFY(!net->cutBox()->isChecked());
    QCOMPARE(net->groupBox(1)->currentIndex(), net->groupBox(2)->currentIndex());
    QVERIFY(net->groupBox(3)->currentIndex() != net->groupBox(1)->currentIndex());
    // Choosing another pair shows that pair's state.
    net->toBox()->setCurrentIndex(net->toBox()->findData(3));
    emit net->toBox()->activated(net->toBox()->currentIndex());
    QVERIFY(net->cutBox()->isChecked());
    QCOMPARE(net->linkDelayBox()->value(), 0);
  }

  void controlsSendCommandsToTheSelectedNode() {
    PanelRig rig;
    FakeSource& src = rig.src;
    ClusterActions& actions = rig.actions;
    ControlsPanel& panel = rig.panel;
    ClusterPoller& poller = rig.poller;
    actions.setTarget(2);
    poller.pollNow();
    actions.kill()->trigger();
    QCOMPARE(src.commands.back(), std::string("kill 2"));
    poller.pollNow();
    QVERIFY(!actions.kill()->isEnabled());  // dead: only restart makes sense
    QVERIFY(actions.restart()->isEnabled());
    actions.restart()->trigger();
    QCOMPARE(src.commands.back(), std::string("restart 2"));
    poller.pollNow();
    panel.policyBox()->setCurrentIndex(panel.policyBox()->findData(static_cast<int>(wal::FlushMode::kDelayed)));
    panel.delayBox()->setValue(750);
    panel.setPolicyButton()->click();
    QCOMPARE(src.commands.back(), std::string("flush 2 delayed 750"));
    actions.setTarget(3);
    actions.killTorn()->trigger();
    QCOMPARE(src.commands.back(), std::string("kill 3 torn"));
    panel.partitionEditor()->setGroup(1, 1);
    panel.partitionEditor()->applyPartition();
    QCOMPARE(src.commands.back(), std::string("partition [23] [1]"));
    panel.writeKey()->setText(QStringLiteral("color"));
    panel.writeValue()->setText(QStringLiteral("blue"));
    panel.writeButton()->click();
    QCOMPARE(src.commands.back(), std::string("write color=blue"));
    QVERIFY(panel.writeResult()->text().contains(QStringLiteral("index 42")));
    panel.quorumBox()->setCurrentIndex(panel.quorumBox()->findData(1));
    emit panel.quorumBox()->activated(panel.quorumBox()->currentIndex());
    poller.pollNow();  // a frame does not undo the user's pick before Apply
    QCOMPARE(panel.quorumBox()->currentData().toInt(), 1);
    for (QPushButton* b : panel.findChildren<QPushButton*>())
      if (b->text() == QStringLiteral("Apply")) b->click();
    QCOMPARE(src.commands.back(), std::string("quorum 1"));
    poller.pollNow();
    QVERIFY(panel.quorumWarning()->text().contains(QStringLiteral("W=1")));
    QSignalSpy reset(&panel, &ControlsPanel::resetRequested);
    panel.setClusterSize(5);
    panel.setElectionTimeoutMs(800);
    panel.resetButton()->click();
    QCOMPARE(reset.count(), 1);
    QCOMPARE(reset.at(0).at(0).toInt(), 5);
    QCOMPARE(reset.at(0).at(2).toInt(), 800);
  }

  void timelinePairsSendsWithReceiptsAndFoldsHeartbeats() {
    std::vector<cluster::RecordedEvent> ev;
    std::uint64_t seq = 0;
    auto add = [&](node::NodeEvent e) { ev.push_back({++seq, e}); };
    add(msg(1, 2, replication::MessageType::kAppend, 10, true, 7));
    add(msg(1, 3, replication::MessageType::kAppend, 10, true, 7));
    add(msg(1, 2, replication::MessageType::kAppend, 12, false, 7));
    add(msg(2, 1, replication::MessageType::kAppendResponse, 13, true, 7));
    add(msg(2, 1, replication::MessageType::kAppendResponse, 15, false, 7));
    for (int i = 0; i < 20; ++i) {
      add(msg(1, 2, replication::MessageType::kHeartbeat, 20 + i, true));
      add(msg(1, 2, replication::MessageType::kHeartbeat, 21 + i, false));
    }
    PairedMessages all = pairMessages(ev, 1000);
    QCOMPARE(all.arrows.size(), std::size_t(23));
    QCOMPARE(all.arrows[0].recvMs, std::int64_t(12));
    QCOMPARE(all.arrows[1].recvMs, std::int64_t(-1));  // 1 -> 3 never arrived
    QCOMPARE(all.arrows[2].recvMs, std::int64_t(15));
    PairedMessages folded = pairMessages(ev, 10);
    QCOMPARE(folded.heartbeats, std::size_t(20));
    QCOMPARE(folded.arrows.size(), std::size_t(3));
    QCOMPARE(folded.sampleEvery, std::size_t(1));
    PairedMessages sampled = pairMessages(ev, 2);
    QVERIFY(sampled.arrows.size() <= 2);
    QCOMPARE(sampled.sampleEvery, std::size_t(2));

    // Identical messages (a retransmitted heartbeat) pair oldest first; once all are received
    // a new one starts a fresh queue.
    std::vector<cluster::RecordedEvent> same;
    auto hb = [&](std::int64_t ms, bool send) {
      same.push_back({++seq, msg(1, 2, replication::MessageType::kHeartbeat, ms, send, 5)});
    };
    hb(100, true);
    hb(101, true);
    hb(105, false);
    hb(106, false);
    hb(110, true);
    hb(112, false);
    hb(120, true);
    PairedMessages fifo = pairMessages(same, 1000);
    QCOMPARE(fifo.arrows.size(), std::size_t(4));
    QCOMPARE(fifo.arrows[0].recvMs, std::int64_t(105));
    QCOMPARE(fifo.arrows[1].recvMs, std::int64_t(106));
    QCOMPARE(fifo.arrows[2].recvMs, std::int64_t(112));
    QCOMPARE(fifo.arrows[3].recvMs, std::int64_t(-1));
  }

  void timelinePairingForgetsThePreviousWindow() {
    // Pairing reuses its table between calls: sends left open by one call are not there for
    // the next, and a large window followed by a small one pairs the small one afresh.
    std::uint64_t seq = 0;
    std::vector<cluster::RecordedEvent> sends, recvs;
    for (int i = 0; i < 3000; ++i)
      sends.push_back({++seq, msg(1, 2, replication::MessageType::kAppend, i, true, static_cast<Index>(i))});
    for (int i = 0; i < 5; ++i)
      recvs.push_back({++seq, msg(1, 2, replication::MessageType::kAppend, 4000 + i, false, static_cast<Index>(i))});
    QCOMPARE(pairMessages(sends, SIZE_MAX).arrows.size(), std::size_t(3000));
    const PairedMessages late = pairMessages(recvs, SIZE_MAX);
    QCOMPARE(late.arrows.size(), std::size_t(5));
    for (const auto& a : late.arrows) QCOMPARE(a.sendMs, INT64_MIN);  // from before the window
    std::vector<cluster::RecordedEvent> both = sends;
    both.insert(both.end(), recvs.begin(), recvs.end());
    const PairedMessages paired = pairMessages(both, SIZE_MAX);
    QCOMPARE(paired.arrows.size(), std::size_t(3000));
    for (int i = 0; i < 5; ++i) QCOMPARE(paired.arrows[static_cast<std::size_t>(i)].recvMs, std::int64_t(4000 + i));
    QCOMPARE(paired.arrows[5].recvMs, std::int64_t(-1));
  }

  void timelineCollapsesHeartbeatsIntoABandByDefault() {
    std::vector<cluster::RecordedEvent> ev;
    for (int i = 0; i < 15; ++i) {
      sendRecv(ev, 1, 2, replication::MessageType::kHeartbeat, 100 * i, 2);
      sendRecv(ev, 2, 1, replication::MessageType::kHeartbeatResponse, 100 * i + 3, 2);
      sendRecv(ev, 1, 3, replication::MessageType::kHeartbeat, 100 * i, 2);
    }
    sendRecv(ev, 1, 2, replication::MessageType::kAppend, 500, 3, 7);
    sendRecv(ev, 1, 3, replication::MessageType::kAppend, 900, 3, 8);
    TimelineScene s = sceneOf(ev);
    QVERIFY(s.heartbeatBands);  // the default
    TimelineLayout l;
    layoutTimeline(s, l);
    QCOMPARE(l.arrowCount(TimelineKind::kHeartbeat), 0);
    QCOMPARE(l.arrowCount(TimelineKind::kAppend), 2);
    QCOMPARE(l.bands.size(), std::size_t(2));  // pairs 1-2 and 1-3
    QCOMPARE(l.heartbeatsBanded, std::size_t(45));
    QCOMPARE(l.hidden, std::size_t(0));
    for (const auto& b : l.bands) QCOMPARE(b.lo, NodeId(1));
    // One steady stretch per band (no gap of kBandGapMs), and ticks.
    int stretches = 0, ticks = 0;
    for (const auto& m : l.bandMarks) (m.tick ? ticks : stretches)++;
    QCOMPARE(stretches, 2);
    QVERIFY(ticks > 20);
    // A stretch is drawn in the band's colour at 45% over the background, opaque.
    {
      QImage img(s.rect.size().toSize(), QImage::Format_RGB32);
      QPainter p(&img);
      paintTimeline(p, s, l);
      p.end();
      const BandMark* stretch = nullptr;
      for (const auto& m : l.bandMarks)
        if (!m.tick && m.y2 - m.y1 > 40) stretch = &m;
      QVERIFY(stretch);
      const QRect box = bandStretchRect(l.bands[stretch->band].x, stretch->y1, stretch->y2);
      QCOMPARE(box.width(), 3);
      QVERIFY(std::abs(box.top() - stretch->y1) <= 0.5 && std::abs(box.bottom() + 1 - stretch->y2) <= 0.5);
      const QColor want = blendOver(s.theme.msgHeartbeat, static_cast<float>(s.theme.msgHeartbeat.alphaF()) * 0.45f,
                                    s.theme.background);
      // Away from the ticks (drawn over it): somewhere along the middle column.
      int matches = 0;
      for (int y = box.top() + 1; y < box.bottom(); ++y)
        if (img.pixelColor(box.center().x(), y).rgb() == want.rgb()) ++matches;
      QVERIFY2(matches > 0, qPrintable(want.name()));
      QCOMPARE(blendOver(QColor(200, 0, 0), 0.5f, QColor(0, 0, 100)), QColor::fromRgbF(100 / 255.0f, 0, 50 / 255.0f));
    }
    // Un-collapsed they are arrows again; the view starts collapsed.
    s.heartbeatBands = false;
    layoutTimeline(s, l);
    QCOMPARE(l.arrowCount(TimelineKind::kHeartbeat), 45);
    QVERIFY(l.bands.empty());
    TimelineView view;
    QVERIFY(view.heartbeatBands());
    QVERIFY(view.bandButton()->isChecked());
  }

  void timelineWindowSlidesWithThePresent() {
    // Frame by frame, the live window (slid forward, not rebuilt) holds exactly the events of
    // the last span, in order, as a window built at once would.
    std::vector<cluster::RecordedEvent> all;
    for (std::int64_t ms = 0; ms < 6000; ms += 7)
      sendRecv(all, static_cast<NodeId>(1 + ms % 3), static_cast<NodeId>(1 + (ms + 1) % 3),
               replication::MessageType::kAppend, ms, 2 + ms % 5, Index(ms + 1));
    for (std::int64_t ms = 5; ms < 6000; ms += 250) {  // markers too: the window's are found by time
      node::NodeEvent e;
      e.kind = node::EventKind::kElected;
      e.node = static_cast<NodeId>(1 + ms % 3);
      e.tMs = ms;
      all.push_back({0, e});
    }
    std::stable_sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.event.tMs < y.event.tMs; });
    for (std::size_t i = 0; i < all.size(); ++i) all[i].seq = i + 1;
    TimelineView view;
    std::size_t next = 0;
    int checked = 0;
    for (std::int64_t now = 33; now < 6200; now += 33) {
      std::vector<cluster::RecordedEvent> frame;
      while (next < all.size() && all[next].event.tMs <= now) frame.push_back(all[next++]);
      ClusterFrame f;
      f.number = static_cast<std::uint64_t>(now / 33);
      f.size = 3;
      f.nowMs = now;
      f.events = frame;
      view.updateFrame(f);
      std::vector<std::uint64_t> want, got;
      for (const auto& e : all)
        if (e.event.tMs >= now - view.spanMs() && e.event.tMs <= now) want.push_back(e.seq);
      for (const auto& e : view.windowEvents()) got.push_back(e.seq);
      QCOMPARE(got, want);
      std::vector<std::int64_t> wantMarks;
      for (const auto& e : all)
        if (isTimelineMarker(e.event) && e.event.tMs >= now - view.spanMs() && e.event.tMs <= now)
          wantMarks.push_back(e.event.tMs);
      const TimelineLayout l = view.layout();
      QCOMPARE(l.markers.size(), wantMarks.size());
      ++checked;
    }
    QVERIFY(checked > 150);
  }

  void timelineKindChipsRemoveTheirArrows() {
    std::vector<cluster::RecordedEvent> ev;
    for (int i = 0; i < 5; ++i) {
      sendRecv(ev, 1, 2, replication::MessageType::kAppend, 100 + 200 * i, 3, Index(i + 1));
      sendRecv(ev, 2, 1, replication::MessageType::kAppendResponse, 110 + 200 * i, 3, Index(i + 1));
    }
    sendRecv(ev, 3, 1, replication::MessageType::kVoteRequest, 50, 2);
    TimelineView view;
    QVERIFY(showTimeline(view));
    feed(view, ev, 2000);
    TimelineLayout l = view.layout();
    QCOMPARE(l.arrowCount(TimelineKind::kAppend), 5);
    QCOMPARE(l.arrowCount(TimelineKind::kAck), 5);
    QCOMPARE(l.arrowCount(TimelineKind::kVote), 1);
    QSignalSpy changed(&view, &TimelineView::kindsChanged);
    view.kindButton(TimelineKind::kAppend)->click();
    QCOMPARE(changed.count(), 1);
    QVERIFY(!(view.kinds() & timelineKindBit(TimelineKind::kAppend)));
    l = view.layout();
    QCOMPARE(l.arrowCount(TimelineKind::kAppend), 0);
    QCOMPARE(l.arrowCount(TimelineKind::kAck), 5);
    QCOMPARE(l.hidden, std::size_t(5));
    view.kindButton(TimelineKind::kVote)->click();
    QCOMPARE(view.layout().arrowCount(TimelineKind::kVote), 0);
    view.setKinds(kAllTimelineKinds);  // from the settings: the chips follow
    QVERIFY(view.kindButton(TimelineKind::kAppend)->isChecked());
    QCOMPARE(view.layout().arrowCount(TimelineKind::kAppend), 5);
  }

  void timelineBundlesABurstWithItsCount() {
    std::vector<cluster::RecordedEvent> ev;
    // 7 appends on 1 -> 2 a millisecond apart (0.24 px at 2 s over 478 px), one much later,
    // and one on another link in the middle of the burst.
    for (int i = 0; i < 7; ++i) sendRecv(ev, 1, 2, replication::MessageType::kAppend, 300 + i, 4, Index(10 + i));
    sendRecv(ev, 1, 3, replication::MessageType::kAppend, 303, 4, 12);
    sendRecv(ev, 1, 2, replication::MessageType::kAppend, 1200, 4, 30);
    TimelineScene s = sceneOf(ev);
    TimelineLayout l;
    layoutTimeline(s, l);
    QCOMPARE(l.arrowCount(TimelineKind::kAppend), 3);
    QCOMPARE(l.bundles, 1);
    const TimelineArrow* burst = nullptr;
    for (const auto& a : l.arrows)
      if (a.count > 1) burst = &a;
    QVERIFY(burst);
    QCOMPARE(burst->count, 7);
    QCOMPARE(burst->m.to, NodeId(2));
    QCOMPARE(burst->m.a, Index(10));
    QCOMPARE(burst->m.b, Index(16));
    {
      // The count is drawn (from the text cache) where drawText would put it, and so are the
      // node headers.
      s.theme = Theme::forPalette(QApplication::palette());
      QImage img(s.rect.size().toSize(), QImage::Format_RGB32), ref(img.size(), QImage::Format_RGB32);
      QPainter p(&img);
      paintTimeline(p, s, l);
      p.end();
      ref.fill(s.theme.background);
      QPainter q(&ref);
      QFont small = q.font();
      small.setPointSizeF(std::max(6.5, small.pointSizeF() * 0.8));
      q.setFont(small);
      q.setPen(s.theme.text);
      const QPointF mid = (burst->p1 + burst->p2) / 2;
      q.drawText(QRectF(mid.x() - 20, mid.y() - 13, 40, 12), Qt::AlignCenter, QStringLiteral("\u00d77"));
      const double x1 = l.axisW + 0.5 * l.colW;
      q.drawText(QRectF(x1 - l.colW / 2, 2, l.colW, l.headerH - 4), Qt::AlignCenter, QStringLiteral("node 1"));
      q.end();
      // Inside the header box (nothing else is drawn there), ink where the reference has ink
      // and nowhere else.
      const QRect header = QRectF(x1 - l.colW / 2, 0, l.colW, l.headerH - 2).toRect();
      int inked = 0, same = 0;
      for (int y = header.top(); y <= header.bottom(); ++y)
        for (int x = header.left(); x <= header.right(); ++x) {
          const bool want = ref.pixelColor(x, y) != s.theme.background;
          const bool got = img.pixelColor(x, y) != s.theme.background;
          inked += want || got;
          same += want && got;
        }
      QVERIFY(inked > 20);
      QVERIFY2(same * 10 >= inked * 8, qPrintable(QStringLiteral("%1 of %2").arg(same).arg(inked)));
      // The count: ink where the reference has it (an arrow may pass behind).
      int countInk = 0, countSame = 0;
      for (int y = 0; y < ref.height(); ++y)
        for (int x = 0; x < ref.width(); ++x)
          if (!header.contains(x, y) && ref.pixelColor(x, y) != s.theme.background) {
            ++countInk;
            countSame += img.pixelColor(x, y) != s.theme.background;
          }
      QVERIFY(countInk > 5);
      QVERIFY2(countSame * 10 >= countInk * 8, qPrintable(QStringLiteral("%1 of %2").arg(countSame).arg(countInk)));
    }
    // Spread over a taller time window, the same messages are apart: no bundle.
    s.fromMs = 290;
    s.toMs = 330;
    layoutTimeline(s, l);
    QCOMPARE(l.bundles, 0);
    QCOMPARE(l.arrowCount(TimelineKind::kAppend), 9);  // all it is given (the view cuts the window)
  }

  void timelineClickFollowsOneRequestEndToEnd() {
    std::vector<cluster::RecordedEvent> ev;
    auto add = [&](node::NodeEvent e) { ev.push_back({ev.size() + 1, e}); };
    using MT = replication::MessageType;
    // Request 10 and, later, request 11: leader 1 appends, followers receive, flush, ack; the
    // leader flushes and replies.
    for (Index idx : {Index(10), Index(11)}) {
      const std::int64_t t0 = idx == 10 ? 200 : 1000;
      sendRecv(ev, 1, 2, MT::kAppend, t0, 30, idx);
      sendRecv(ev, 1, 3, MT::kAppend, t0, 40, idx);
      add(nodeEvent(1, node::EventKind::kFlush, t0 + 5, idx));
      add(nodeEvent(2, node::EventKind::kFlush, t0 + 60, idx));
      add(nodeEvent(3, node::EventKind::kFlush, t0 + 70, idx));
      sendRecv(ev, 2, 1, MT::kAppendResponse, t0 + 80, 30, idx);
      sendRecv(ev, 3, 1, MT::kAppendResponse, t0 + 90, 30, idx);
      add(nodeEvent(1, node::EventKind::kClientWrite, t0 + 130, idx));
    }
    std::sort(ev.begin(), ev.end(), [](const auto& x, const auto& y) { return x.event.tMs < y.event.tMs; });
    for (std::size_t i = 0; i < ev.size(); ++i) ev[i].seq = i + 1;
    TimelineView view;
    QVERIFY(showTimeline(view));
    feed(view, ev, 2000);
    TimelineLayout l = view.layout();
    QCOMPARE(l.highlight, Index(0));
    const TimelineArrow* append = nullptr;
    for (const auto& a : l.arrows)
      if (a.m.type == static_cast<std::uint8_t>(MT::kAppend) && a.m.b == 10 && a.m.to == 3) append = &a;
    QVERIFY(append);
    QTest::mouseClick(view.canvas(), Qt::LeftButton, {}, ((append->p1 + append->p2) / 2).toPoint());
    QCOMPARE(view.highlight(), Index(10));
    l = view.layout();
    QCOMPARE(l.chainArrows, 4);   // two appends, two acks
    QCOMPARE(l.chainFlushes, 3);  // the leader's and both followers'
    QCOMPARE(l.chainWrites, 1);   // the reply
    for (const auto& a : l.arrows) {
      const bool mine = a.m.a <= 10 && 10 <= a.m.b && a.m.sendMs < 1000;
      QVERIFY2(a.m.chain == mine, qPrintable(QStringLiteral("arrow %1->%2 at %3").arg(a.m.from).arg(a.m.to).arg(a.m.sendMs)));
    }
    for (const auto& k : l.ticks) QCOMPARE(k.chain, k.a == 10);
    // The rest dims: a pixel on request 11's append is fainter than before.
    auto pixelAt = [&](QPointF p) {
      QImage img(view.canvas()->size(), QImage::Format_ARGB32);
      view.canvas()->render(&img);
      return img.pixelColor(p.toPoint());
    };
    const TimelineArrow* other = nullptr;
    for (const auto& a : l.arrows)
      if (a.m.b == 11 && a.m.type == static_cast<std::uint8_t>(MT::kAppend) && a.m.to == 3) other = &a;
    QVERIFY(other);
    const QPointF otherMid = other->p1 + (other->p2 - other->p1) * 0.25;  // off node 2's lifeline
    const QColor bg = Theme::forPalette(view.palette()).background;
    auto contrast = [&](QColor c) {
      return std::abs(c.red() - bg.red()) + std::abs(c.green() - bg.green()) + std::abs(c.blue() - bg.blue());
    };
    const int dimmed = contrast(pixelAt(otherMid));
    // Esc lets go.
    view.canvas()->setFocus();
    QTest::keyClick(view.canvas(), Qt::Key_Escape);
    QCOMPARE(view.highlight(), Index(0));
    QVERIFY(view.layout().chainArrows == 0);
    const int bright = contrast(pixelAt(otherMid));
    QVERIFY2(bright > dimmed, qPrintable(QStringLiteral("%1 vs %2").arg(bright).arg(dimmed)));
    // An ack selects what it acknowledges; a click on empty space lets go.
    QTest::mouseClick(view.canvas(), Qt::LeftButton, {}, ((append->p1 + append->p2) / 2).toPoint());
    QCOMPARE(view.highlight(), Index(10));
    QTest::mouseClick(view.canvas(), Qt::LeftButton, {}, QPoint(view.canvas()->width() - 3, view.canvas()->height() / 2));
    QCOMPARE(view.highlight(), Index(0));
  }

  void timelineMarkersSurviveAnyZoomAndLoad() {
    // 70 000 events over 110 s: more than the view keeps (kKeepEvents) and than one fetch
    // from the recorder returns (50 000, oldest first); a kill and an election at the end.
    FakeSource src;
    std::vector<cluster::RecordedEvent> ev;
    ev.reserve(70010);
    for (int i = 0; ev.size() < 70000; ++i)
      sendRecv(ev, 1, NodeId(2 + i % 2), replication::MessageType::kAppend, std::int64_t(i) * 3, 2, Index(i + 1));
    const std::int64_t now = 3 * 35000 + 5000;
    ev.push_back({ev.size() + 1, nodeEvent(2, node::EventKind::kKill, now - 150)});
    node::NodeEvent elected = nodeEvent(3, node::EventKind::kElected, now - 60);
    elected.generation = 4;
    ev.push_back({ev.size() + 1, elected});
    for (const auto& e : ev) src.addEvent(e.event);
    TimelineView view;
    QVERIFY(showTimeline(view));
    view.setSource(&src);
    feed(view, ev, now);
    auto has = [](const TimelineLayout& l, node::EventKind k) {
      return std::any_of(l.markers.begin(), l.markers.end(), [&](const TimelineMark& m) { return m.kind == k; });
    };
    for (std::int64_t span : {std::int64_t(1), std::int64_t(1000000)}) {
      view.setSpanMs(span);  // clamped to the smallest and largest zoom
      const TimelineLayout l = view.layout();
      QVERIFY2(has(l, node::EventKind::kKill), qPrintable(QString::number(view.spanMs())));
      QVERIFY2(has(l, node::EventKind::kElected), qPrintable(QString::number(view.spanMs())));
      QVERIFY(l.markers.size() == 2);
    }
    QCOMPARE(view.spanMs(), std::int64_t(120000));
    QVERIFY(view.windowEvents().size() <= 50000);  // the fetch was cut short
  }

  void tableColumnsFitOnlyWhileShown() {
    // A table on a hidden tab is not measured (that reads every row); shown, it fits its
    // columns to the visible rows.
    QTabWidget tabs;
    auto* other = new QLabel(QStringLiteral("other"));
    auto* table = new QTableWidget(2000, 2);
    tabs.addTab(other, QStringLiteral("a"));
    tabs.addTab(table, QStringLiteral("b"));
    auto* fitter = new ColumnFitter(table, 10);
    tabs.resize(400, 300);
    tabs.show();
    QVERIFY(QTest::qWaitForWindowExposed(&tabs));
    QVERIFY(!table->isVisible());
    for (int r = 0; r < 2000; ++r) table->setItem(r, 0, new QTableWidgetItem(QStringLiteral("x")));
    QTest::qWait(50);
    QCOMPARE(fitter->fits(), 0);  // hidden: not measured...
    QVERIFY(fitter->pending());   // ...but remembered
    const QString wide(60, QLatin1Char('w'));
    table->setItem(0, 0, new QTableWidgetItem(wide));
    tabs.setCurrentWidget(table);
    QTRY_COMPARE(fitter->fits(), 1);
    QVERIFY(!fitter->pending());
    QCOMPARE(table->horizontalHeader()->resizeContentsPrecision(), 0);
    QVERIFY(table->columnWidth(0) >= table->fontMetrics().horizontalAdvance(wide));
    // Shown: a change is measured once more, after the interval.
    table->setItem(1, 1, new QTableWidgetItem(wide));
    QTRY_COMPARE(fitter->fits(), 2);
    QVERIFY(table->columnWidth(1) >= table->fontMetrics().horizontalAdvance(wide));
  }

  void recordViewShowsBytesWithTheChecksumVerified() {
    QTemporaryDir dir;
    std::vector<node::SegmentView> segs = writeLog(dir.path(), 40);
    QVERIFY(segs.size() > 1);  // small segments: several files
    node::NodeView v = makeView(1, 1, 40, 40, 40);
    v.segments = segs;
    RecordView view;
    view.showRecord(v, dir.path().toStdString(), 33);
    QVERIFY2(view.verdict().contains(QStringLiteral("verified")), qPrintable(view.verdict()));
    QVERIFY2(view.fieldsText().contains(QStringLiteral("key33")), qPrintable(view.fieldsText()));
    QVERIFY(view.hexText().startsWith(QStringLiteral("000")));  // offsets, then the bytes
    // Flip one payload byte on disk: the view says so.
    const node::SegmentView* seg = nullptr;
    for (const auto& s : segs)
      if (s.firstIndex <= 33 && 33 <= s.lastIndex) seg = &s;
    QFile f(dir.path() + "/wal/" + QString::fromStdString(seg->file));
    QVERIFY(f.open(QIODevice::ReadWrite));
    QByteArray bytes = f.readAll();
    const qsizetype at = bytes.indexOf("key33");
    QVERIFY(at > 0);
    bytes[at] = 'K';
    f.seek(0);
    f.write(bytes);
    f.close();
    view.showRecord(v, dir.path().toStdString(), 33);
    QVERIFY2(view.verdict().contains(QStringLiteral("MISMATCH")), qPrintable(view.verdict()));
    // Buffered entries are explained, not read.
    v.lastIndex = 45;
    v.segments.back().lastIndex = 45;
    view.showRecord(v, dir.path().toStdString(), 44);
    QVERIFY2(view.verdict().contains(QStringLiteral("buffered")), qPrintable(view.verdict()));
  }

  void dumpDialogReadsADataDirectoryWithoutChangingIt() {
    QTemporaryDir dir;
    QDir(dir.path()).mkpath(QStringLiteral("node-1"));
    QDir(dir.path()).mkpath(QStringLiteral("node-2"));
    writeLog(dir.path() + "/node-1", 25);
    writeLog(dir.path() + "/node-2", 12);
    auto before = [&] {
      QStringList out;
      for (const QString& n : {QStringLiteral("node-1/wal"), QStringLiteral("node-2/wal")})
        for (const QFileInfo& fi : QDir(dir.path() + "/" + n).entryInfoList(QDir::Files))
          out << fi.fileName() + QString::number(fi.size()) + fi.lastModified().toString(Qt::ISODateWithMs);
      return out;
    };
    const QStringList snapshot = before();
    auto logs = DumpDialog::findLogs(dir.path());
    QCOMPARE(logs.size(), 2);
    DumpDialog d(dir.path());
    QAbstractItemModelTester tester(d.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(d.model()->rowCount(), 25);
    QCOMPARE(d.model()->data(d.model()->index(4, DumpModel::kKey)).toString(), QStringLiteral("key5"));
    QVERIFY(d.segments()->rowCount() > 1);
    QVERIFY(d.summary().contains(QStringLiteral("25 records")));
    d.load(logs[1].second);
    QCOMPARE(d.model()->rowCount(), 12);
    QCOMPARE(before(), snapshot);
  }
};

QTEST_MAIN(TestUiViews)
#include "tst_ui_views.moc"
