#pragma once
// TimelineView: the sequence diagram of recent messages and events (timeline_painter.h),
// following the present until paused or scrolled back; scrolling back past what it keeps
// asks the recorder for that window (Recorder::eventsBetween). Ctrl+wheel zooms time.
#include <deque>

#include <QWidget>

#include "ui/source/cluster_frame.h"

class QScrollBar;
class QToolButton;

namespace qlab::ui {

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

  static constexpr std::int64_t kKeepMs = 60000;
  static constexpr std::size_t kKeepEvents = 60000;

 signals:
  void pausedChanged(bool on);

 protected:
  void wheelEvent(QWheelEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;

 private:
  void rebuildWindow();
  void syncScrollBar();

  const ClusterSource* m_source = nullptr;
  std::deque<cluster::RecordedEvent> m_kept;   // the recent past, from the frames
  std::vector<cluster::RecordedEvent> m_window;
  std::int64_t m_nowMs = 0;
  std::int64_t m_endMs = 0;
  std::int64_t m_spanMs = 2000;
  std::int64_t m_fetchedFrom = 0, m_fetchedTo = -1;  // the recorder window held in m_window
  int m_nodes = 0;
  bool m_paused = false;
  bool m_syncing = false;
  QScrollBar* m_scroll;
  QToolButton* m_pauseButton;
  QWidget* m_canvas;
};

}  // namespace qlab::ui
