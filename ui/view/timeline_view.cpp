#include "ui/view/timeline_view.h"

#include <algorithm>

#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QPixmap>
#include <QPainter>
#include <QScrollBar>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>

#include "ui/source/frame_stats.h"
#include "ui/view/steady_scroll_bar.h"

namespace qlab::ui {

namespace {
// The drawing surface: paints whatever the owning view says.
class Canvas : public QWidget {
 public:
  explicit Canvas(TimelineView* owner) : QWidget(owner), m_owner(owner) {
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMinimumHeight(120);
    setFocusPolicy(Qt::ClickFocus);
    setToolTip(QObject::tr("Click an append, an ack or a client write (square) to follow that request from "
                           "the leader to the followers' fsyncs and acks and the reply. Esc lets go."));
  }

 protected:
  void paintEvent(QPaintEvent*) override {
    PaintTimer timer("paint.timeline");
    QPainter p(this);
    m_owner->paintCanvas(p);
  }
  void mousePressEvent(QMouseEvent* e) override {
    if (e->button() == Qt::LeftButton) m_owner->clickCanvas(e->position());
  }
  void keyPressEvent(QKeyEvent* e) override {
    if (e->key() == Qt::Key_Escape && m_owner->highlight() > 0) m_owner->setHighlight(0);
    else e->ignore();
  }
  void wheelEvent(QWheelEvent* e) override { e->ignore(); }  // the view handles it

 private:
  TimelineView* m_owner;
};
}  // namespace

TimelineView::TimelineView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  auto* bar = new QHBoxLayout;
  bar->setContentsMargins(4, 2, 4, 0);
  m_pauseButton = new QToolButton(this);
  m_pauseButton->setText(tr("Pause"));
  m_pauseButton->setCheckable(true);
  m_pauseButton->setShortcut(QKeySequence(Qt::Key_T));
  m_pauseButton->setToolTip(tr("Freeze the timeline to study it (T). The cluster keeps running; resume "
                               "to follow the present again."));
  connect(m_pauseButton, &QToolButton::toggled, this, &TimelineView::setPaused);
  auto* help = new QLabel(tr("wheel scrolls back · Ctrl+wheel zooms · click follows a request"), this);
  help->setMinimumWidth(0);
  help->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  help->setForegroundRole(QPalette::PlaceholderText);
  bar->addWidget(m_pauseButton);
  // Kind chips: a colour swatch and the kind's name; unchecked = not drawn.
  const Theme theme = Theme::forPalette(palette());
  for (int k = 0; k < kTimelineKinds; ++k) {
    const auto kind = static_cast<TimelineKind>(k);
    auto* b = new QToolButton(this);
    b->setText(timelineKindName(kind));
    QPixmap swatch(10, 10);
    swatch.fill(theme.messageColor(timelineKindMessageType(kind)));
    b->setIcon(QIcon(swatch));
    b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    b->setCheckable(true);
    b->setChecked(true);
    b->setAutoRaise(true);
    b->setToolTip(tr("Show %1 messages (and their replies) in the timeline.").arg(timelineKindName(kind)));
    connect(b, &QToolButton::toggled, this, [this, kind](bool on) {
      setKinds(on ? m_kinds | timelineKindBit(kind) : m_kinds & ~timelineKindBit(kind));
    });
    m_kindButtons[static_cast<std::size_t>(k)] = b;
    bar->addWidget(b);
  }
  m_bandButton = new QToolButton(this);
  m_bandButton->setText(tr("as band"));
  m_bandButton->setCheckable(true);
  m_bandButton->setChecked(true);
  m_bandButton->setAutoRaise(true);
  m_bandButton->setToolTip(tr("Heartbeats as a thin band per pair of nodes (a tick per heartbeat, a gap where "
                              "none arrived) instead of arrows."));
  connect(m_bandButton, &QToolButton::toggled, this, &TimelineView::setHeartbeatBands);
  bar->addWidget(m_bandButton);
  bar->addWidget(help, 1);
  layout->addLayout(bar);
  auto* row = new QHBoxLayout;
  m_canvas = new Canvas(this);
  m_scroll = new SteadyScrollBar(Qt::Vertical, this);
  m_scroll->setToolTip(tr("Scroll back over the recorded history."));
  row->addWidget(m_canvas, 1);
  row->addWidget(m_scroll);
  layout->addLayout(row, 1);
  connect(m_scroll, &QScrollBar::valueChanged, this, [this](int v) {
    if (m_syncing) return;
    // The bar counts in 10 ms steps: int range covers 248 days.
    scrollToEnd(static_cast<std::int64_t>(v) * 10 + m_spanMs);
  });
}

void TimelineView::setKinds(std::uint32_t kinds) {
  kinds &= kAllTimelineKinds;
  if (kinds == m_kinds) return;
  m_kinds = kinds;
  syncChips();
  emit kindsChanged();
  m_canvas->update();
}

void TimelineView::setHeartbeatBands(bool on) {
  if (on == m_heartbeatBands) return;
  m_heartbeatBands = on;
  syncChips();
  emit kindsChanged();
  m_canvas->update();
}

void TimelineView::syncChips() {
  for (int k = 0; k < kTimelineKinds; ++k) {
    QSignalBlocker block(m_kindButtons[static_cast<std::size_t>(k)]);
    m_kindButtons[static_cast<std::size_t>(k)]->setChecked(m_kinds & timelineKindBit(static_cast<TimelineKind>(k)));
  }
  QSignalBlocker block(m_bandButton);
  m_bandButton->setChecked(m_heartbeatBands);
  m_bandButton->setEnabled(m_kinds & timelineKindBit(TimelineKind::kHeartbeat));
}

void TimelineView::setHighlight(Index index) {
  if (index == m_highlight) return;
  m_highlight = index;
  m_canvas->update();
}

void TimelineView::setTimeScale(double scale) { m_timeScale = std::max(1.0, scale); }

void TimelineView::clickCanvas(QPointF pos) {
  const TimelineLayout l = layout();
  setHighlight(l.requestAt(pos));  // empty space: 0, lets go
}

void TimelineView::keyPressEvent(QKeyEvent* e) {
  if (e->key() == Qt::Key_Escape && m_highlight > 0) setHighlight(0);
  else QWidget::keyPressEvent(e);
}

void TimelineView::setSource(const ClusterSource* source) {
  m_source = source;
  m_kept.clear();
  m_markers.clear();
  m_window.clear();
  m_windowMarkers.clear();
  m_windowFromKept = false;
  m_fetchedTo = -1;
  m_endMs = 0;
  m_nowMs = 0;
  m_canvas->update();
}

void TimelineView::setPaused(bool on) {
  if (on == m_paused) return;
  m_paused = on;
  m_pauseButton->setChecked(on);
  if (!on) {
    m_endMs = m_nowMs;
    rebuildWindow();
  }
  emit pausedChanged(on);
  m_canvas->update();
}

void TimelineView::setSpanMs(std::int64_t ms) {
  m_spanMs = std::clamp<std::int64_t>(ms, 200, 120000);
  rebuildWindow();
  syncScrollBar();
  m_canvas->update();
}

void TimelineView::scrollToEnd(std::int64_t endMs) {
  m_endMs = std::clamp<std::int64_t>(endMs, std::min(m_spanMs, m_nowMs), std::max<std::int64_t>(m_nowMs, 0));
  if (m_endMs < m_nowMs && !m_paused) setPaused(true);
  rebuildWindow();
  syncScrollBar();
  m_canvas->update();
}

void TimelineView::syncScrollBar() {
  m_syncing = true;
  const int maxV = static_cast<int>(std::max<std::int64_t>(0, m_nowMs - m_spanMs) / 10);
  m_scroll->setState(0, maxV, static_cast<int>(m_spanMs / 10), static_cast<int>(std::max<std::int64_t>(1, m_spanMs / 100)),
                     static_cast<int>(std::max<std::int64_t>(0, m_endMs - m_spanMs) / 10));
  m_syncing = false;
}

void TimelineView::updateFrame(const ClusterFrame& f) {
  if (f.sourceChanged) {
    m_kept.clear();
    m_markers.clear();
    m_windowFromKept = false;
    m_fetchedTo = -1;
  }
  m_nodes = f.size;
  m_nowMs = f.nowMs;
  m_kept.insert(m_kept.end(), f.events.begin(), f.events.end());
  while (!m_kept.empty() && (m_kept.size() > kKeepEvents || m_nowMs - m_kept.front().event.tMs > kKeepMs))
    m_kept.pop_front();
  for (const auto& e : f.events)
    if (isTimelineMarker(e.event)) m_markers.push_back(e);
  while (m_markers.size() > kKeepMarkers) m_markers.pop_front();
  if (!m_paused) {
    m_endMs = m_nowMs;
    rebuildWindow();
  }
  syncScrollBar();
  if (!m_paused || f.sourceChanged) m_canvas->update();
}

void TimelineView::rebuildWindow() {
  const std::int64_t from = m_endMs - m_spanMs, to = m_endMs;
  const bool keptCovers = !m_kept.empty() && m_kept.front().event.tMs <= from;
  if (keptCovers || !m_source || (m_kept.empty() && m_nowMs < m_spanMs)) {
    auto lo = std::lower_bound(m_kept.begin(), m_kept.end(), from,
                               [](const cluster::RecordedEvent& e, std::int64_t t) { return e.event.tMs < t; });
    auto hi = std::upper_bound(lo, m_kept.end(), to,
                               [](std::int64_t t, const cluster::RecordedEvent& e) { return t < e.event.tMs; });
    if (!slideWindow(lo, hi)) m_window.assign(lo, hi);
    m_windowFromKept = true;
    m_fetchedTo = -1;
  } else if (from != m_fetchedFrom || to != m_fetchedTo) {
    // Older than what is kept: ask the recorder once per window.
    m_window = m_source->eventsBetween(from, to, 50000);
    m_windowFromKept = false;
    m_fetchedFrom = from;
    m_fetchedTo = to;
  } else {
    return;
  }
  // The window's markers: its own and those kept apart (the fetch limit may have cut the
  // window short of some), once each, in recording order. A window taken from m_kept has no
  // markers of its own that m_markers lacks (every frame's markers go to both) unless
  // m_markers has dropped some of the window's: then, and for a fetched window, the window is
  // scanned; otherwise m_markers alone, found by time (both are in time order).
  m_windowMarkers.clear();
  const bool markersCover = m_windowFromKept && !m_window.empty() &&
                            (m_markers.size() < kKeepMarkers || m_markers.front().seq <= m_window.front().seq);
  if (!markersCover) {
    for (const auto& e : m_window)
      if (isTimelineMarker(e.event)) m_windowMarkers.push_back(e);
  }
  const std::size_t own = m_windowMarkers.size();
  auto mlo = std::lower_bound(m_markers.begin(), m_markers.end(), from,
                              [](const cluster::RecordedEvent& e, std::int64_t t) { return e.event.tMs < t; });
  for (auto it = mlo; it != m_markers.end() && it->event.tMs <= to; ++it) m_windowMarkers.push_back(*it);
  if (m_windowMarkers.size() > own) {
    auto bySeq = [](const cluster::RecordedEvent& x, const cluster::RecordedEvent& y) { return x.seq < y.seq; };
    std::sort(m_windowMarkers.begin(), m_windowMarkers.end(), bySeq);
    m_windowMarkers.erase(std::unique(m_windowMarkers.begin(), m_windowMarkers.end(),
                                      [](const auto& x, const auto& y) { return x.seq == y.seq; }),
                          m_windowMarkers.end());
  }
}

bool TimelineView::slideWindow(std::deque<cluster::RecordedEvent>::const_iterator lo,
                               std::deque<cluster::RecordedEvent>::const_iterator hi) {
  // Following the present, the window is a range of m_kept that slides forward a little each
  // frame: drop what fell out at the front and append what is new, instead of copying it all
  // again (that copy was 5% of the GUI thread at full load). Seqs rise along m_kept, so the
  // window's first and last seqs say where it was.
  if (!m_windowFromKept || m_window.empty() || lo == hi) return false;
  const std::uint64_t first = lo->seq, oldLast = m_window.back().seq;
  if (first < m_window.front().seq || first > oldLast) return false;
  auto bySeq = [](const cluster::RecordedEvent& e, std::uint64_t seq) { return e.seq < seq; };
  const auto keep = std::lower_bound(lo, hi, oldLast, bySeq);
  if (keep == hi || keep->seq != oldLast) return false;  // the window's end moved back
  m_window.erase(m_window.begin(), std::lower_bound(m_window.begin(), m_window.end(), first, bySeq));
  m_window.insert(m_window.end(), std::next(keep), hi);
  return true;
}

TimelineScene TimelineView::scene(const QRectF& rect) const {
  TimelineScene s;
  s.events = &m_window;
  s.markerEvents = &m_windowMarkers;
  s.nodes = m_nodes;
  s.fromMs = m_endMs - m_spanMs;
  s.toMs = m_endMs;
  s.rect = rect;
  s.theme = Theme::forPalette(palette());
  s.paused = m_paused;
  // About one arrow per pixel row: more would be a solid block.
  s.arrowBudget = static_cast<std::size_t>(std::max(60.0, rect.height()));
  s.kinds = m_kinds;
  s.heartbeatBands = m_heartbeatBands;
  s.highlight = m_highlight;
  if (!m_paused) {
    s.animNowMs = m_nowMs;
    s.timeScale = m_timeScale;
  }
  return s;
}

void TimelineView::renderTo(QPainter& p, const QRectF& rect) const { paintTimeline(p, scene(rect)); }

void TimelineView::paintCanvas(QPainter& p) {
  const TimelineScene s = scene(m_canvas->rect());
  layoutTimeline(s, m_layout);
  paintTimeline(p, s, m_layout);
}

TimelineLayout TimelineView::layout() const {
  TimelineLayout l;
  layoutTimeline(scene(m_canvas->rect()), l);
  return l;
}

void TimelineView::resizeEvent(QResizeEvent* e) {
  QWidget::resizeEvent(e);
  m_canvas->update();
}

void TimelineView::wheelEvent(QWheelEvent* e) {
  const int steps = e->angleDelta().y() / 120;
  if (steps == 0) return;
  if (e->modifiers() & Qt::ControlModifier) {
    setSpanMs(steps > 0 ? m_spanMs * 4 / 5 : m_spanMs * 5 / 4);
    return;
  }
  scrollToEnd(m_endMs - steps * m_spanMs / 8);
}

}  // namespace qlab::ui
