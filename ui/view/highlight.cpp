// Lesson highlights: the accent, the pulse, and the outlines drawn over the log lanes.
#include "ui/view/highlight.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <QElapsedTimer>
#include <QPainter>

#include "ui/view/lanes_painter.h"

namespace qlab::ui {

QColor highlightColor() { return QColor(0xe0, 0x22, 0xc8); }

double highlightPulse() {
  static QElapsedTimer clock;
  if (!clock.isValid()) clock.start();
  constexpr double kPeriodMs = 1300;
  return 0.5 + 0.5 * std::sin(2 * std::numbers::pi * static_cast<double>(clock.elapsed()) / kPeriodMs);
}

void paintHighlightRect(QPainter& p, const QRectF& r, double cornerRadius) {
  const double pulse = highlightPulse();
  QColor c = highlightColor();
  p.save();
  p.setRenderHint(QPainter::Antialiasing, true);
  p.setBrush(Qt::NoBrush);
  // A soft halo that breathes, and a solid line that stays put so the eye can find it.
  c.setAlphaF(static_cast<float>(0.15 + 0.35 * pulse));
  p.setPen(QPen(c, 4 + 4 * pulse));
  p.drawRoundedRect(r.adjusted(-2, -2, 2, 2), cornerRadius + 2, cornerRadius + 2);
  c.setAlphaF(1.0f);
  p.setPen(QPen(c, 2.5));
  p.drawRoundedRect(r, cornerRadius, cornerRadius);
  p.restore();
}

bool NodeHighlight::matches(const node::NodeView& v, NodeId leader) const {
  switch (mode) {
    case Mode::kNone: return false;
    case Mode::kAll: return true;
    case Mode::kNode: return v.id == node;
    case Mode::kLeader: return v.id == leader;
    case Mode::kDead: return v.status == node::NodeStatus::kDead || v.status == node::NodeStatus::kFailed;
  }
  return false;
}

namespace {

// Cells [from, to] of one lane, clipped to the visible window; empty when none is visible.
QRectF cellsRect(const LanesGeometry& g, int lane, Index from, Index to) {
  from = std::max(from, g.first);
  to = std::min(to, g.last());
  if (from > to) return {};
  const double x1 = std::max(g.x(from), double(g.headerW));
  const double x2 = std::min(g.x(to + 1), double(g.width));
  return QRectF(x1 + 1, g.cellsTop(lane) - 1, x2 - x1 - 2, g.cellH + 2);
}

// A ring around a marker (LWM, durable end) under one lane.
void markerRing(QPainter& p, const LanesGeometry& g, int lane, Index at) {
  const double x = g.x(at);
  if (x < g.headerW - 1 || x > g.width) return;
  const double y = g.cellsTop(lane) + g.cellH + g.ghostH;
  paintHighlightRect(p, QRectF(x - 8, y - 2, 104, g.markH + 2));  // the marker and its label
}

void laneParts(QPainter& p, const LanesScene& s, const LanesHighlight& h, int lane, const node::NodeView& v) {
  const LanesGeometry& g = s.geo;
  using K = LanesHighlight::Kind;
  switch (h.kind) {
    case K::kDurable: {
      // The buffered tail (in memory only) and the marker where durability ends.
      if (QRectF r = cellsRect(g, lane, v.durableEnd + 1, v.lastIndex); !r.isEmpty()) paintHighlightRect(p, r);
      markerRing(p, g, lane, v.durableEnd + 1);
      break;
    }
    case K::kUncommitted:
      if (QRectF r = cellsRect(g, lane, std::max(v.hwm, s.frame->hwm) + 1, v.lastIndex); !r.isEmpty())
        paintHighlightRect(p, r);
      break;
    case K::kLwm:
      if (v.firstIndex > g.first) {
        const double x2 = std::min(g.x(v.firstIndex), double(g.width));
        paintHighlightRect(p, QRectF(g.headerW + 1, g.cellsTop(lane) - 1, x2 - g.headerW - 2, g.cellH + 2));
      }
      markerRing(p, g, lane, v.lwm);
      break;
    case K::kDuplicate:
      for (Index i = std::max(g.first, v.firstIndex); i <= std::min(g.last(), v.lastIndex); ++i) {
        const node::EntryView* e = s.cache->entry(v.id, i);
        if (e && (e->duplicate || s.cache->isDuplicate(v.id, i))) paintHighlightRect(p, cellsRect(g, lane, i, i));
      }
      break;
    case K::kNodes:
      if (h.nodes.matches(v, s.frame->leader))
        paintHighlightRect(p, QRectF(2, g.laneTop(lane) + 1, g.width - 4, g.laneH() - g.laneGap - 1));
      break;
    default:
      break;
  }
}

}  // namespace

void paintLanesHighlight(QPainter& p, const LanesScene& s, const LanesHighlight& h) {
  if (!h.active() || !s.frame || s.frame->size == 0) return;
  const LanesGeometry& g = s.geo;
  using K = LanesHighlight::Kind;
  const double lanesBottom = g.lostTop();
  switch (h.kind) {
    case K::kAll:
      paintHighlightRect(p, QRectF(3, g.laneTop(0) - 2, g.width - 6, lanesBottom - g.laneTop(0)));
      return;
    case K::kHwm: {
      const double x = g.x(s.frame->hwm + 1);
      if (x >= g.headerW && x <= g.width) paintHighlightRect(p, QRectF(x - 7, g.laneTop(0) - 20, 14, lanesBottom + g.lostH - g.laneTop(0) + 20));
      else paintHighlightRect(p, QRectF(g.headerW, g.laneTop(0) - 20, g.width - g.headerW - 2, 20));  // its label
      return;
    }
    case K::kSegments:
      for (int lane = 0; lane < g.nodes; ++lane)
        paintHighlightRect(p, QRectF(g.headerW + 1, g.laneTop(lane), g.width - g.headerW - 3, g.segH));
      return;
    case K::kLost:
      paintHighlightRect(p, QRectF(3, g.lostTop() + 1, g.width - 6, g.lostH - 2));
      return;
    default:
      break;
  }
  for (int lane = 0; lane < g.nodes && lane < static_cast<int>(s.frame->views.size()); ++lane)
    if (const auto& v = s.frame->views[static_cast<std::size_t>(lane)]) laneParts(p, s, h, lane, *v);
}

}  // namespace qlab::ui
