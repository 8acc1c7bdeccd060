#include "ui/view/timeline_view.h"

#include <algorithm>

#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QScrollBar>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>

#include "ui/source/frame_stats.h"
#include "ui/view/timeline_painter.h"

namespace qlab::ui {

namespace {
// The drawing surface: paints whatever the owning view says.
class Canvas : public QWidget {
 public:
  explicit Canvas(TimelineView* owner) : QWidget(owner), m_owner(owner) {
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMinimumHeight(120);
  }

 protected:
  void paintEvent(QPaintEvent*) override {
    PaintTimer timer;
    QPainter p(this);
    m_owner->renderTo(p, rect());
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
  auto* help = new QLabel(tr("time flows down · wheel scrolls back · Ctrl+wheel zooms"), this);
  help->setForegroundRole(QPalette::PlaceholderText);
  bar->addWidget(m_pauseButton);
  bar->addWidget(help, 1);
  layout->addLayout(bar);
  auto* row = new QHBoxLayout;
  m_canvas = new Canvas(this);
  m_scroll = new QScrollBar(Qt::Vertical, this);
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

void TimelineView::setSource(const ClusterSource* source) {
  m_source = source;
  m_kept.clear();
  m_window.clear();
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
  m_scroll->setRange(0, maxV);
  m_scroll->setPageStep(static_cast<int>(m_spanMs / 10));
  m_scroll->setSingleStep(static_cast<int>(std::max<std::int64_t>(1, m_spanMs / 100)));
  m_scroll->setValue(static_cast<int>(std::max<std::int64_t>(0, m_endMs - m_spanMs) / 10));
  m_syncing = false;
}

void TimelineView::updateFrame(const ClusterFrame& f) {
  if (f.sourceChanged) {
    m_kept.clear();
    m_fetchedTo = -1;
  }
  m_nodes = f.size;
  m_nowMs = f.nowMs;
  m_kept.insert(m_kept.end(), f.events.begin(), f.events.end());
  while (!m_kept.empty() && (m_kept.size() > kKeepEvents || m_nowMs - m_kept.front().event.tMs > kKeepMs))
    m_kept.pop_front();
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
    m_window.clear();
    auto lo = std::lower_bound(m_kept.begin(), m_kept.end(), from,
                               [](const cluster::RecordedEvent& e, std::int64_t t) { return e.event.tMs < t; });
    for (auto it = lo; it != m_kept.end() && it->event.tMs <= to; ++it) m_window.push_back(*it);
    m_fetchedTo = -1;
    return;
  }
  // Older than what is kept: ask the recorder once per window.
  if (from == m_fetchedFrom && to == m_fetchedTo) return;
  m_window = m_source->eventsBetween(from, to, 50000);
  m_fetchedFrom = from;
  m_fetchedTo = to;
}

void TimelineView::renderTo(QPainter& p, const QRectF& rect) const {
  TimelineScene s;
  s.events = &m_window;
  s.nodes = m_nodes;
  s.fromMs = m_endMs - m_spanMs;
  s.toMs = m_endMs;
  s.rect = rect;
  s.theme = Theme::forPalette(palette());
  s.paused = m_paused;
  // About one arrow per pixel row: more would be a solid block.
  s.arrowBudget = static_cast<std::size_t>(std::max(60.0, rect.height()));
  paintTimeline(p, s);
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
