#pragma once
// LogLanesView: one lane per node, entries aligned by index, HWM line across the lanes,
// per-lane LWM / durable end / log end markers, segment boundaries with their file names,
// and ghosts of entries that were cut or lost. Only the visible index window is fetched and
// drawn, so a log of millions of entries scrolls as smoothly as a short one. Follows the
// tail until the user scrolls back ("Follow tail" toggles it).
#include <QAbstractScrollArea>
#include <QTimer>

#include "ui/model/lane_cache.h"
#include "ui/view/highlight.h"
#include "ui/view/lanes_painter.h"

class QToolButton;

namespace qlab::ui {

class SteadyScrollBar;

class LogLanesView : public QAbstractScrollArea {
  Q_OBJECT
 public:
  explicit LogLanesView(QWidget* parent = nullptr);

  void setSource(const ClusterSource* source);
  void updateFrame(const ClusterFrame& frame);
  void setLostWrites(std::vector<cluster::LostWrite> lost);
  void setSelectedNode(NodeId id);
  // A lesson's "what to watch" in the lanes, pulsing until set back to none.
  void setHighlight(const LanesHighlight& h);
  const LanesHighlight& highlight() const { return m_highlight; }

  bool following() const { return m_follow; }
  void setFollowing(bool on);
  Index firstVisible() const { return m_geo.first; }
  Index lastVisible() const { return m_geo.last(); }
  void scrollToIndex(Index first);  // stops following
  int cellWidth() const { return m_geo.cellW; }
  void setCellWidth(int px);        // zoom: 6..96
  const LaneCache& cache() const { return m_cache; }
  const LanesGeometry& geometry() const { return m_geo; }
  // What hovering at `p` (content coordinates) explains, in words ("" = nothing there).
  QString tooltipAt(QPoint p) const;
  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;
  // The lanes as they are drawn now, on a fresh image (export).
  QImage render() const;

 signals:
  void entryActivated(qlab::NodeId node, qlab::Index index);
  void nodeActivated(qlab::NodeId node);
  void followingChanged(bool on);

 protected:
  void paintEvent(QPaintEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;
  void wheelEvent(QWheelEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  bool viewportEvent(QEvent* e) override;
  void scrollContentsBy(int dx, int dy) override;

 private:
  void syncScrollBar();
  void fetchVisible();
  LanesScene scene() const;
  QString quorumSentence(const node::EntryView& e) const;
  Index rangeFirst() const;
  Index rangeLast() const;

  const ClusterSource* m_source = nullptr;
  LaneCache m_cache;
  ClusterFrame m_frame;  // the latest pictures (streams cleared)
  LanesGeometry m_geo;
  bool m_follow = true;
  bool m_syncing = false;
  NodeId m_selected = kNoNode;
  QToolButton* m_followButton = nullptr;
  SteadyScrollBar* m_hbar = nullptr;  // both follow the log on every frame
  SteadyScrollBar* m_vbar = nullptr;
  LanesHighlight m_highlight;
  QTimer m_pulse;  // repaints while a highlight is shown
};

}  // namespace qlab::ui
