#pragma once
// Painting of the log lanes (one lane per node, entries aligned by index) from plain values:
// the frame's snapshots and the LaneCache. Used by LogLanesView and by image export; holds no
// state and takes no lock.
#include <QPoint>

#include "ui/model/lane_cache.h"
#include "ui/view/theme.h"

class QPainter;

namespace qlab::ui {

struct LanesGeometry {
  int headerW = 150;
  int rulerH = 36;
  int segH = 14;
  int cellH = 32;
  int ghostH = 11;
  int markH = 14;
  int laneGap = 4;
  int lostH = 30;
  int legendH = 20;
  int cellW = 46;
  int width = 0;
  int nodes = 0;
  Index first = 1;  // index of the leftmost cell

  int laneH() const { return segH + cellH + ghostH + markH + laneGap; }
  // Rows, top to bottom: legend, ruler (indices, HWM label), one lane per node, lost writes.
  int rulerTop() const { return legendH; }
  int laneTop(int lane) const { return legendH + rulerH + lane * laneH(); }
  int cellsTop(int lane) const { return laneTop(lane) + segH; }
  int lostTop() const { return laneTop(nodes); }
  int contentHeight() const { return lostTop() + lostH + 4; }
  int visibleCells() const { return std::max(1, (width - headerW) / std::max(cellW, 1)); }
  Index last() const { return first + static_cast<Index>(visibleCells()); }
  double x(Index i) const {
    return headerW + (static_cast<double>(i) - static_cast<double>(first)) * cellW;
  }
};

struct LanesHit {
  enum class Kind { kNone, kCell, kGhost, kLost, kHeader, kRuler, kSegment, kMarker };
  Kind kind = Kind::kNone;
  NodeId node = kNoNode;
  Index index = 0;
};
LanesHit hitTestLanes(const LanesGeometry& g, QPoint p);

struct LanesScene {
  const ClusterFrame* frame = nullptr;
  const LaneCache* cache = nullptr;
  Theme theme;
  LanesGeometry geo;
  NodeId selected = kNoNode;
};

void paintLanes(QPainter& p, const LanesScene& s);

// The entry's look in one lane, as the legend names it.
enum class CellState { kCommitted, kDurable, kBuffered };
CellState cellState(const node::NodeView& v, Index index);

}  // namespace qlab::ui
