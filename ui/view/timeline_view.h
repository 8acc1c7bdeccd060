#pragma once
// TimelineView: the sequence diagram of recent messages and events (timeline_painter.h),
// following the present until paused or scrolled back; scrolling back past what it keeps
// asks the recorder for that window (Recorder::eventsBetween). Ctrl+wheel zooms time.
// The header's chips switch message kinds on and off and heartbeats between bands and
// arrows; clicking an append, an ack or a client write follows that request end to end (Esc
// or a click on empty space lets go). timeline_painter.h has the drawing rules. Markers are
// also kept apart from the window, so a window cut short by the fetch limit still shows them.
#include <array>
#include <deque>

#include <QWidget>

#include "ui/source/cluster_frame.h"
#include "ui/view/timeline_painter.h"

class QScrollBar;
class QToolButton;

namespace qlab::ui {

class SteadyScrollBar;

class TimelineView : public QWidget {
  Q_OBJECT
 public:
  explicit TimelineView(QWidget* parent = nullptr);

  void setSource(const ClusterSource* source);
  void updateFrame(const ClusterFrame& frame);
  bool paused() const { return m_paused; }
  void setPaused(bool on);
  std::int64_t spanMs() const { return m_spanMs; }
  void setSpanMs(std::int64_t ms);
  std::int64_t windowEndMs() const { return m_endMs; }
  void scrollToEnd(std::int64_t endMs);  // pauses following
  // The events of the window shown now (for tests and export).
  const std::vector<cluster::RecordedEvent>& windowEvents() const { return m_window; }
  // Renders the visible window to any paint device (SVG, PNG) at that size.
  void renderTo(QPainter& p, const QRectF& rect) const;
  QSize sizeHint() const override { return {520, 420}; }

  std::uint32_t kinds() const { return m_kinds; }  // timelineKindBit()s shown
  void setKinds(std::uint32_t kinds);
  bool heartbeatBands() const { return m_heartbeatBands; }
  void setHeartbeatBands(bool on);
  Index highlight() const { return m_highlight; }
  void setHighlight(Index index);  // 0 = none
  void setTimeScale(double scale);  // > 1: arrows grow over their stretched flight time
  // What the canvas shows now (laid out afresh for its size), and the canvas itself.
  TimelineLayout layout() const;
  QWidget* canvas() const { return m_canvas; }
  QToolButton* kindButton(TimelineKind k) const { return m_kindButtons[static_cast<std::size_t>(k)]; }
  QToolButton* bandButton() const { return m_bandButton; }
  // The canvas's paint and click (not for other callers).
  void paintCanvas(QPainter& p);
  void clickCanvas(QPointF pos);

  static constexpr std::int64_t kKeepMs = 60000;
  static constexpr std::size_t kKeepEvents = 60000;
  static constexpr std::size_t kKeepMarkers = 20000;

 signals:
  void pausedChanged(bool on);
  void kindsChanged();  // kinds or heartbeat bands

 protected:
  void wheelEvent(QWheelEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;

 private:
  void rebuildWindow();
  bool slideWindow(std::deque<cluster::RecordedEvent>::const_iterator lo,
                   std::deque<cluster::RecordedEvent>::const_iterator hi);
  void syncScrollBar();
  TimelineScene scene(const QRectF& rect) const;
  void syncChips();

  const ClusterSource* m_source = nullptr;
  std::deque<cluster::RecordedEvent> m_kept;   // the recent past, from the frames
  std::vector<cluster::RecordedEvent> m_window;
  bool m_windowFromKept = false;  // m_window is a range of m_kept (not fetched from the recorder)
  std::deque<cluster::RecordedEvent> m_markers;  // faults and milestones, kept longer
  std::vector<cluster::RecordedEvent> m_windowMarkers;
  TimelineLayout m_layout;  // the canvas's, reused between paints
  std::uint32_t m_kinds = kAllTimelineKinds;
  bool m_heartbeatBands = true;
  Index m_highlight = 0;
  double m_timeScale = 1.0;
  std::int64_t m_nowMs = 0;
  std::int64_t m_endMs = 0;
  std::int64_t m_spanMs = 2000;
  std::int64_t m_fetchedFrom = 0, m_fetchedTo = -1;  // the recorder window held in m_window
  int m_nodes = 0;
  bool m_paused = false;
  bool m_syncing = false;
  SteadyScrollBar* m_scroll;  // moves on every frame
  QToolButton* m_pauseButton;
  std::array<QToolButton*, kTimelineKinds> m_kindButtons{};
  QToolButton* m_bandButton;
  QWidget* m_canvas;
};

}  // namespace qlab::ui
