#include "ui/view/log_lanes_view.h"

#include <algorithm>

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QToolButton>
#include <QToolTip>
#include <QWheelEvent>

#include "ui/model/node_log_model.h"
#include "ui/source/frame_stats.h"
#include "ui/view/steady_scroll_bar.h"

namespace qlab::ui {

LogLanesView::LogLanesView(QWidget* parent) : QAbstractScrollArea(parent) {
  setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
  viewport()->setMouseTracking(true);
  viewport()->setAttribute(Qt::WA_OpaquePaintEvent);
  m_hbar = new SteadyScrollBar(Qt::Horizontal, this);
  m_vbar = new SteadyScrollBar(Qt::Vertical, this);
  setHorizontalScrollBar(m_hbar);
  setVerticalScrollBar(m_vbar);
  horizontalScrollBar()->setSingleStep(1);
  m_followButton = new QToolButton(this);
  m_followButton->setText(tr("Follow tail"));
  m_followButton->setCheckable(true);
  m_followButton->setChecked(true);
  m_followButton->setToolTip(tr("Keep the newest entries in view (End). Scrolling back turns this off "
                                "so you can study older entries while the cluster keeps running."));
  addScrollBarWidget(m_followButton, Qt::AlignRight);
  connect(m_followButton, &QToolButton::toggled, this, &LogLanesView::setFollowing);
  connect(horizontalScrollBar(), &QScrollBar::actionTriggered, this, [this](int) {
    if (!m_syncing) setFollowing(false);
  });
  setToolTip(QString());
  m_pulse.setInterval(kHighlightRepaintMs);
  connect(&m_pulse, &QTimer::timeout, viewport(), qOverload<>(&QWidget::update));
}

void LogLanesView::setHighlight(const LanesHighlight& h) {
  m_highlight = h;
  // The lost-writes row is the last one: bring it into view when the lanes are taller.
  if (h.kind == LanesHighlight::Kind::kLost) verticalScrollBar()->setValue(verticalScrollBar()->maximum());
  if (h.active()) m_pulse.start();
  else m_pulse.stop();
  viewport()->update();
}

QSize LogLanesView::sizeHint() const { return {900, m_geo.contentHeight() + 24}; }
QSize LogLanesView::minimumSizeHint() const { return {400, 160}; }

void LogLanesView::setSource(const ClusterSource* source) {
  m_source = source;
  m_cache.setSource(source);
  m_frame = {};
  m_geo.first = 1;
  viewport()->update();
}

void LogLanesView::setSelectedNode(NodeId id) {
  m_selected = id;
  viewport()->update();
}

void LogLanesView::setFollowing(bool on) {
  if (on == m_follow) return;
  m_follow = on;
  m_followButton->setChecked(on);
  if (on) syncScrollBar();
  emit followingChanged(on);
  viewport()->update();
}

void LogLanesView::setCellWidth(int px) {
  m_geo.cellW = std::clamp(px, 6, 96);
  syncScrollBar();
  fetchVisible();
  viewport()->update();
}

void LogLanesView::scrollToIndex(Index first) {
  setFollowing(false);
  m_geo.first = std::clamp(first, rangeFirst(), std::max(rangeFirst(), rangeLast()));
  syncScrollBar();
  fetchVisible();
  viewport()->update();
}

Index LogLanesView::rangeFirst() const {
  Index lo = 0;
  for (const auto& v : m_frame.views)
    if (v && v->lastIndex >= v->firstIndex) lo = lo == 0 ? v->firstIndex : std::min(lo, v->firstIndex);
  return std::max<Index>(lo, 1);
}

Index LogLanesView::rangeLast() const {
  Index hi = m_frame.hwm;
  for (const auto& v : m_frame.views)
    if (v) hi = std::max(hi, v->lastIndex);
  for (const auto& l : m_cache.lostWrites()) hi = std::max(hi, l.index);
  // Leave the next slot visible at the end.
  const Index cells = static_cast<Index>(m_geo.visibleCells());
  return hi + 2 > cells ? hi + 2 - cells : 1;
}

void LogLanesView::syncScrollBar() {
  m_geo.width = viewport()->width();
  m_syncing = true;
  const Index lo = rangeFirst(), hi = std::max(rangeFirst(), rangeLast());
  if (m_follow) m_geo.first = hi;
  m_geo.first = std::clamp(m_geo.first, lo, hi);
  // Indices beyond int range would need scaling; 2^31 entries is far past what a lesson makes.
  // Quietly: the range grows on every frame, and QAbstractScrollArea answers each rangeChanged
  // by laying out and repainting both scroll bars and their corner (this bar is always shown,
  // and scrollContentsBy would only repaint the viewport, which updateFrame does anyway).
  const QSignalBlocker quiet(m_hbar);
  m_hbar->setState(static_cast<int>(std::min<Index>(lo, INT32_MAX)), static_cast<int>(std::min<Index>(hi, INT32_MAX)),
                   m_geo.visibleCells(), 0, static_cast<int>(std::min<Index>(m_geo.first, INT32_MAX)));
  m_syncing = false;
  const int overflow = m_geo.contentHeight() - viewport()->height();
  m_vbar->setState(0, std::max(0, overflow), viewport()->height(), 0, m_vbar->value());
}

void LogLanesView::scrollContentsBy(int, int) {
  if (!m_syncing) {
    const int v = horizontalScrollBar()->value();
    m_geo.first = static_cast<Index>(std::max(v, 1));
    fetchVisible();
  }
  viewport()->update();
}

void LogLanesView::fetchVisible() {
  if (m_frame.size > 0) m_cache.ensure(m_geo.first, m_geo.last());
}

void LogLanesView::updateFrame(const ClusterFrame& frame) {
  if (frame.sourceChanged) m_geo.first = 1;
  m_cache.update(frame);
  m_frame = frame.pictures();
  if (m_geo.nodes != frame.size) {
    m_geo.nodes = frame.size;
    updateGeometry();
  }
  syncScrollBar();
  fetchVisible();
  viewport()->update();
}

void LogLanesView::setLostWrites(std::vector<cluster::LostWrite> lost) {
  m_cache.setLostWrites(std::move(lost));
  viewport()->update();
}

LanesScene LogLanesView::scene() const {
  LanesScene s;
  s.frame = &m_frame;
  s.cache = &m_cache;
  s.theme = Theme::forPalette(palette());
  s.geo = m_geo;
  s.selected = m_selected;
  return s;
}

void LogLanesView::resizeEvent(QResizeEvent* e) {
  QAbstractScrollArea::resizeEvent(e);
  m_geo.width = viewport()->width();
  syncScrollBar();
  fetchVisible();
}

void LogLanesView::paintEvent(QPaintEvent*) {
  PaintTimer timer("paint.lanes");
  QPainter p(viewport());
  p.fillRect(viewport()->rect(), palette().color(QPalette::Base));
  if (m_frame.size == 0) return;
  p.translate(0, -verticalScrollBar()->value());
  const LanesScene s = scene();
  paintLanes(p, s);
  paintLanesHighlight(p, s, m_highlight);
}

QImage LogLanesView::render() const {
  LanesScene s = scene();
  QImage img(QSize(s.geo.width, s.geo.contentHeight()), QImage::Format_ARGB32_Premultiplied);
  img.fill(palette().color(QPalette::Base));
  QPainter p(&img);
  if (m_frame.size > 0) paintLanes(p, s);
  return img;
}

void LogLanesView::wheelEvent(QWheelEvent* e) {
  const int steps = e->angleDelta().y() / 120 + e->angleDelta().x() / 120;
  if (steps == 0) return;
  if (e->modifiers() & Qt::ControlModifier) {
    setCellWidth(m_geo.cellW + steps * 4);
    return;
  }
  const Index first = m_geo.first;
  const Index delta = static_cast<Index>(std::abs(steps) * 3);
  scrollToIndex(steps > 0 ? (first > delta ? first - delta : 1) : first + delta);
}

void LogLanesView::mousePressEvent(QMouseEvent* e) {
  QPoint pt = e->position().toPoint() + QPoint(0, verticalScrollBar()->value());
  LanesHit h = hitTestLanes(m_geo, pt);
  if (h.kind == LanesHit::Kind::kHeader) emit nodeActivated(h.node);
  if (h.kind == LanesHit::Kind::kCell && m_cache.entry(h.node, h.index)) emit entryActivated(h.node, h.index);
}

bool LogLanesView::viewportEvent(QEvent* e) {
  if (e->type() == QEvent::ToolTip) {
    auto* he = static_cast<QHelpEvent*>(e);
    QString text = tooltipAt(he->pos() + QPoint(0, verticalScrollBar()->value()));
    if (text.isEmpty()) QToolTip::hideText();
    else QToolTip::showText(he->globalPos(), text, viewport());
    return true;
  }
  return QAbstractScrollArea::viewportEvent(e);
}

// "On disk on 2 of 3 nodes; W = 2 reached: committed." for one entry, from every node's view
// (an entry counts on a node when that node holds the same index in the same generation up
// to its durable end).
QString LogLanesView::quorumSentence(const node::EntryView& e) const {
  int onDisk = 0;
  for (const auto& view : m_frame.views) {
    if (view->durableEnd < e.index) continue;
    const node::EntryView* mine = m_cache.entry(view->id, e.index);
    if (mine && mine->generation == e.generation) ++onDisk;
  }
  const int w = m_frame.effectiveWriteQuorum();
  if (e.index <= m_frame.hwm)
    return tr("Index %1: on disk on %2 of %3 nodes; the write quorum W = %4 was reached, so it is committed.")
        .arg(e.index).arg(onDisk).arg(m_frame.size).arg(w);
  return tr("Index %1: on disk on %2 of %3 nodes; W = %4 %5, so it is not committed yet.")
      .arg(e.index).arg(onDisk).arg(m_frame.size).arg(w)
      .arg(onDisk >= w ? tr("nodes hold it, but the leader has not counted them yet")
                       : tr("must hold it before the HWM may pass it"));
}

QString LogLanesView::tooltipAt(QPoint pt) const {
  LanesHit h = hitTestLanes(m_geo, pt);
  const node::NodeView* v = m_frame.view(h.node);
  switch (h.kind) {
    case LanesHit::Kind::kHeader:
      if (!v) return {};
      return tr("Node %1: %2, generation %3. LWM %4, durable end %5, log end %6, HWM %7. Click to inspect.")
          .arg(v->id).arg(roleOrStatusName(*v)).arg(v->generation).arg(v->lwm).arg(v->durableEnd)
          .arg(v->lastIndex).arg(v->hwm);
    case LanesHit::Kind::kRuler:
      return tr("The HWM line: every entry left of it is on at least W of the N nodes' disks (the write "
                "quorum), so it survives any failure of fewer nodes and is never taken back.");
    case LanesHit::Kind::kCell: {
      const node::EntryView* e = m_cache.entry(h.node, h.index);
      if (!v || !e) return {};
      QString state = NodeLogModel::stateName(*e, *v);
      QString what = e->type == EntryType::kData
                         ? tr("client %1, request %2: %3 = %4").arg(e->client).arg(e->seq)
                               .arg(QString::fromStdString(e->key), QString::fromStdString(e->value))
                         : QString::fromLatin1(entryTypeName(e->type));
      QString why = state.startsWith(QLatin1String("buffered"))
                        ? tr("\nBuffered: in memory only; a kill now loses it.")
                        : state.startsWith(QLatin1String("durable"))
                              ? tr("\nDurable on this node, but not yet on W nodes: not committed.")
                              : QString();
      if (e->duplicate || m_cache.isDuplicate(h.node, h.index))
        why += tr("\nDuplicate: a client retry of a request already applied; the state machine ignored it.");
      return tr("Node %1, index %2, generation %3\n%4\n%5%6\n%7  (click for the record's bytes)")
          .arg(h.node).arg(e->index).arg(e->generation).arg(what, state, why, quorumSentence(*e));
    }
    case LanesHit::Kind::kSegment: {
      if (!v) return {};
      for (const auto& s : v->segments) {
        if (h.index < s.firstIndex || h.index > s.lastIndex) continue;
        return tr("Segment %1 of node %2: indexes %3 to %4, %5 bytes (%6 durable). %7")
            .arg(QString::fromStdString(s.file)).arg(h.node).arg(s.firstIndex).arg(s.lastIndex).arg(s.bytes)
            .arg(s.durableBytes)
            .arg(s.sealed ? tr("Sealed: nothing is appended to it any more; it is deleted once the LWM (%1) "
                               "passes its last index.").arg(v->lwm)
                          : tr("The active segment: new entries are appended here until it reaches the "
                               "segment size, then a new one starts."));
      }
      return {};
    }
    case LanesHit::Kind::kMarker: {
      if (!v) return {};
      QStringList parts;
      if (h.index == v->durableEnd || h.index + 1 == v->durableEnd)
        parts << tr("Durable end %1: node %2 has fdatasync'ed its log up to here; a power loss keeps "
                    "everything up to it and loses what lies beyond.").arg(v->durableEnd).arg(h.node);
      if (h.index == v->lastIndex || h.index + 1 == v->lastIndex)
        parts << tr("Log end %1: the last entry node %2 appended, buffered or not.").arg(v->lastIndex).arg(h.node);
      if (h.index == v->lwm || h.index + 1 == v->lwm)
        parts << tr("LWM %1: the first index node %2 still needs; whole segments below it may be deleted "
                    "(a snapshot holds their effect).").arg(v->lwm).arg(h.node);
      if (parts.isEmpty())
        parts << tr("Node %1's markers: LWM %2, durable end %3, log end %4.").arg(h.node).arg(v->lwm)
                     .arg(v->durableEnd).arg(v->lastIndex);
      return parts.join(QLatin1Char('\n'));
    }
    case LanesHit::Kind::kGhost:
    case LanesHit::Kind::kLost: {
      if (h.kind == LanesHit::Kind::kLost) {
        for (const auto& l : m_cache.lostWrites())
          if (l.index == h.index)
            return tr("Acknowledged, then lost: client %1 request %2 (%3 = %4) was answered ok at index %5, "
                      "but that entry is not in the committed log any more.")
                .arg(l.client).arg(l.seq).arg(QString::fromStdString(l.key), QString::fromStdString(l.value))
                .arg(l.index);
        return {};
      }
      for (const auto& g : m_cache.ghosts(h.node, h.index, h.index))
        return g.why == GhostEntry::Why::kKilledBuffer
                   ? tr("Index %1 (generation %2, key %3) was only buffered when node %4 was killed: it "
                        "never reached the disk and is gone.")
                         .arg(h.index).arg(g.entry.generation).arg(QString::fromStdString(g.entry.key)).arg(h.node)
                   : tr("Index %1 (generation %2, key %3) was cut from node %4: it conflicted with the "
                        "leader's log and was not committed.")
                         .arg(h.index).arg(g.entry.generation).arg(QString::fromStdString(g.entry.key)).arg(h.node);
      return {};
    }
    default:
      return {};
  }
}

}  // namespace qlab::ui
