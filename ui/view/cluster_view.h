#pragma once
// ClusterView: the nodes in a ring, coloured and badged by role and status, with their
// generation and log positions; the links between them (cut ones dashed red, slow or lossy
// ones annotated); and the replication messages flying along them, animated from the
// recorder's send events with a slow-motion control. Click a node to inspect it, right-click
// for its actions (the window supplies the menu).
#include <vector>

#include <QElapsedTimer>
#include <QPixmap>
#include <QTimer>
#include <QWidget>

#include "ui/source/cluster_frame.h"
#include "ui/view/highlight.h"
#include "ui/view/message_animator.h"

namespace qlab::ui {

class ClusterView : public QWidget {
  Q_OBJECT
 public:
  explicit ClusterView(QWidget* parent = nullptr);

  void updateFrame(const ClusterFrame& frame);
  void setSelectedNode(NodeId id);
  NodeId selectedNode() const { return m_selected; }
  // A lesson's "what to watch": these nodes (or, with kAll, the whole ring) get a pulsing
  // outline until it is set back to none.
  void setHighlight(const NodeHighlight& h);
  const NodeHighlight& highlight() const { return m_highlight; }
  void setTimeScale(double scale);  // slow motion: 1 = real pace, 10 = ten times slower
  double timeScale() const { return m_animator.timeScale(); }
  const MessageAnimator& animator() const { return m_animator; }
  // With at least kBusySends sends in flight (merged dots counted by their sends; five idle
  // nodes' heartbeats are ~40) and a frame less than kFramesArrivingMs ago, the frames alone
  // repaint (30 Hz); otherwise the animation also repaints in between (60 Hz).
  static constexpr std::size_t kBusySends = 128;
  static constexpr double kFramesArrivingMs = 50;
  int animationRepaints() const { return m_animationRepaints; }  // in-between repaints asked (tests)
  // Centre of node `id` in widget coordinates (tests click there).
  QPointF nodeCenter(NodeId id) const;
  NodeId nodeAt(QPointF p) const;
  QSize sizeHint() const override { return {460, 420}; }
  QSize minimumSizeHint() const override { return {260, 240}; }

 signals:
  void nodeClicked(qlab::NodeId id);
  void nodeContextMenuRequested(qlab::NodeId id, const QPoint& globalPos);

 protected:
  void paintEvent(QPaintEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void contextMenuEvent(QContextMenuEvent* e) override;
  bool event(QEvent* e) override;

 private:
  struct Flash {
    NodeId node;
    QString text;
    QColor color;
    double startMs;
  };
  double nodeRadius() const;
  void paintLinks(QPainter& p, bool labels) const;
  void paintMessages(QPainter& p, double nowMs) const;
  void paintNodes(QPainter& p, double nowMs) const;
  void paintLegend(QPainter& p) const;
  void paintHighlight(QPainter& p) const;
  QString tooltipFor(NodeId id) const;
  // The disc, number and badge of a node: what they look like, and the pixmap they were drawn into.
  struct Sprite {
    QPointF center;
    double radius = 0;
    QRgb fill = 0, edge = 0, text = 0, badgeFill = 0, badgeEdge = 0;
    double edgeWidth = 0, badgeEdgeWidth = 0;
    qreal dpr = 1;
    QString bigFont, smallFont, id, badge;
    bool operator==(const Sprite&) const = default;
  };
  static void paintDisc(QPainter& p, const Sprite& s, const QFont& big, const QFont& small);
  void paintDiscCached(QPainter& p, NodeId id, const Sprite& s, const QFont& big, const QFont& small) const;

  ClusterFrame m_frame;  // pictures only
  NodeId m_selected = kNoNode;
  MessageAnimator m_animator;
  std::vector<Flash> m_flashes;
  QElapsedTimer m_clock;
  QTimer m_animation;  // repaints between frames while something moves
  double m_lastFrameMs = -1e9;  // m_clock time of the last updateFrame
  int m_animationRepaints = 0;
  NodeHighlight m_highlight;
  QTimer m_pulse;      // repaints while a highlight is shown
  // A node's disc, number and badge change only with its role or status (or the widget's size),
  // yet the view repaints at 60 Hz while messages fly: each is drawn once into a pixmap and
  // copied after (the antialiased discs and their texts were 7% of the GUI thread at full load).
  struct CachedSprite {
    Sprite key;
    QPixmap pixmap;
    QPoint origin;
  };
  mutable std::vector<CachedSprite> m_sprites;  // [id - 1]
};

}  // namespace qlab::ui
