#include "ui/view/lanes_painter.h"

#include <algorithm>
#include <cmath>

#include <QFontMetrics>
#include <QPainter>
#include <QCoreApplication>
#include <QPainterPath>

#include "ui/model/segment_model.h"

namespace qlab::ui {

CellState cellState(const node::NodeView& v, Index index) {
  // Not on this node's disk is drawn as buffered even when a quorum acknowledged it (delayed
  // flush): a power loss here loses it, and that is what the flush-delay lesson shows.
  if (index > v.durableEnd) return CellState::kBuffered;
  if (index <= v.hwm) return CellState::kCommitted;
  return CellState::kDurable;
}

LanesHit hitTestLanes(const LanesGeometry& g, QPoint p) {
  LanesHit h;
  if (p.y() < g.laneTop(0)) {
    h.kind = p.y() >= g.rulerTop() ? LanesHit::Kind::kRuler : LanesHit::Kind::kNone;
    return h;
  }
  auto indexAt = [&](int px) -> Index {
    double cells = std::floor(static_cast<double>(px - g.headerW) / g.cellW);
    double i = static_cast<double>(g.first) + cells;
    return i < 1 ? 0 : static_cast<Index>(i);
  };
  const int lane = (p.y() - g.laneTop(0)) / g.laneH();
  if (lane < g.nodes) {
    h.node = static_cast<NodeId>(lane + 1);
    if (p.x() < g.headerW) {
      h.kind = LanesHit::Kind::kHeader;
      return h;
    }
    const int y = p.y() - g.laneTop(lane);
    h.index = indexAt(p.x());
    if (y < g.segH) h.kind = LanesHit::Kind::kSegment;
    else if (y < g.segH + g.cellH) h.kind = LanesHit::Kind::kCell;
    else if (y < g.segH + g.cellH + g.ghostH) h.kind = LanesHit::Kind::kGhost;
    else if (y < g.segH + g.cellH + g.ghostH + g.markH) h.kind = LanesHit::Kind::kMarker;
    return h;
  }
  if (p.y() >= g.lostTop() && p.y() < g.lostTop() + g.lostH && p.x() >= g.headerW) {
    h.kind = LanesHit::Kind::kLost;
    h.index = indexAt(p.x());
  }
  return h;
}

namespace {

QString tr(const char* s) { return QCoreApplication::translate("LogLanes", s); }

struct Painter {
  QPainter& p;
  const LanesScene& s;
  const Theme& t;
  const LanesGeometry& g;
  QFont small;
  QFont tiny;
  QFont bold;

  Painter(QPainter& painter, const LanesScene& scene)
      : p(painter), s(scene), t(scene.theme), g(scene.geo), small(painter.font()), tiny(painter.font()),
        bold(painter.font()) {
    small.setPointSizeF(std::max(6.5, painter.font().pointSizeF() * 0.85));
    tiny.setPointSizeF(std::max(6.0, painter.font().pointSizeF() * 0.72));
    bold.setBold(true);
  }

  QRectF cellRect(Index i, int top, int h) const {
    return QRectF(g.x(i) + 1, top, g.cellW - 2, h);
  }

  void ruler() {
    p.setFont(tiny);
    p.setPen(t.mutedText);
    const QFontMetrics fm(tiny);
    const int labelW = fm.horizontalAdvance(QStringLiteral("0000000")) + 8;
    const Index step = static_cast<Index>(std::max(1, (labelW + g.cellW - 1) / g.cellW));
    const Index start = (g.first + step - 1) / step * step;
    for (Index i = std::max<Index>(start, 1); i <= g.last(); i += step) {
      const double x = g.x(i) + g.cellW / 2.0;
      const double top = g.rulerTop();
      p.drawText(QRectF(x - labelW / 2.0, top + 1, labelW, 13), Qt::AlignCenter, QString::number(i));
      p.drawLine(QPointF(x, top + 14), QPointF(x, top + 17));
    }
  }

  void header(int lane, const node::NodeView& v) {
    const int top = g.laneTop(lane);
    const QRectF r(4, top + 2, g.headerW - 10, g.laneH() - g.laneGap - 4);
    if (v.id == s.selected) {
      p.setPen(Qt::NoPen);
      p.setBrush(t.grid);
      p.drawRoundedRect(r, 4, 4);
    }
    p.setBrush(t.roleColor(v));
    p.setPen(Qt::NoPen);
    p.drawEllipse(QRectF(r.left() + 4, r.top() + 6, 10, 10));
    p.setPen(t.text);
    p.setFont(bold);
    p.drawText(QRectF(r.left() + 20, r.top() + 1, r.width() - 20, 18), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("node %1").arg(v.id));
    p.setFont(small);
    p.setPen(t.mutedText);
    p.drawText(QRectF(r.left() + 4, r.top() + 20, r.width() - 4, 16), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("%1 · gen %2").arg(roleOrStatusName(v)).arg(v.generation));
    QString policy = QString::fromLatin1(wal::flushModeName(v.flush.mode));
    if (v.flush.mode == wal::FlushMode::kDelayed) policy += QStringLiteral(" %1 ms").arg(v.flush.delayMs);
    p.drawText(QRectF(r.left() + 4, r.top() + 36, r.width() - 4, 16), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("flush: %1").arg(policy));
  }

  void cell(const QRectF& r, const node::EntryView& e, CellState st, bool dup, bool down) {
    QColor fill = st == CellState::kCommitted ? t.committed : st == CellState::kDurable ? t.durable : t.buffered;
    if (e.type != EntryType::kData && st != CellState::kBuffered) fill = t.noop;
    if (down) fill.setAlphaF(0.45f);
    p.setBrush(fill);
    QPen border(st == CellState::kBuffered ? t.warning : fill.darker(t.dark ? 70 : 125));
    if (st == CellState::kBuffered) border.setStyle(Qt::DashLine);
    if (dup) border = QPen(t.duplicate, t.pen(2));
    p.setPen(g.cellW >= 10 ? border : QPen(Qt::NoPen));
    p.drawRect(r);
    if (st == CellState::kBuffered && g.cellW >= 10) {
      p.setBrush(QBrush(t.warning, Qt::BDiagPattern));
      p.setPen(Qt::NoPen);
      p.drawRect(r);
    }
    if (g.cellW < 28) return;
    p.setPen(Theme::textOn(fill));
    p.setFont(tiny);
    const QFontMetrics fm(tiny);
    QString top = QStringLiteral("g%1").arg(e.generation);
    if (dup) top += QStringLiteral(" dup");
    QString bottom = e.type == EntryType::kNoop ? QStringLiteral("no-op")
                     : e.type == EntryType::kConfig ? QString::fromStdString(e.value)
                                                    : QString::fromStdString(e.key);
    p.drawText(r.adjusted(2, 1, -2, -r.height() / 2), Qt::AlignCenter, fm.elidedText(top, Qt::ElideRight, int(r.width()) - 4));
    p.drawText(r.adjusted(2, r.height() / 2 - 1, -2, -1), Qt::AlignCenter,
               fm.elidedText(bottom, Qt::ElideRight, int(r.width()) - 4));
  }

  void ghost(const QRectF& r, const node::EntryView& e, QColor c, const QString& label) {
    QPen pen(c, 1, Qt::DashLine);
    p.setPen(pen);
    p.setBrush(Qt::NoBrush);
    p.drawRect(r);
    if (g.cellW >= 28 && r.height() >= 24) {
      p.setFont(tiny);
      const QFontMetrics fm(tiny);
      p.drawText(r.adjusted(2, 1, -2, -r.height() / 2), Qt::AlignCenter,
                 fm.elidedText(label, Qt::ElideRight, int(r.width()) - 4));
      p.drawText(r.adjusted(2, r.height() / 2 - 1, -2, -1), Qt::AlignCenter,
                 fm.elidedText(QStringLiteral("g%1 %2").arg(e.generation).arg(QString::fromStdString(e.key)),
                               Qt::ElideRight, int(r.width()) - 4));
    }
    p.setPen(QPen(c, t.pen(1.5)));
    p.drawLine(QPointF(r.left() + 2, r.center().y()), QPointF(r.right() - 2, r.center().y()));
  }

  void segments(int lane, const node::NodeView& v) {
    const int top = g.laneTop(lane);
    p.setFont(tiny);
    const QFontMetrics fm(tiny);
    for (std::size_t k = 0; k < v.segments.size(); ++k) {
      const auto& sg = v.segments[k];
      if (sg.firstIndex > g.last() || (sg.lastIndex >= sg.firstIndex && sg.lastIndex < g.first)) continue;
      const double x = std::max(g.x(sg.firstIndex), double(g.headerW));
      const double end = k + 1 < v.segments.size() ? g.x(v.segments[k + 1].firstIndex) : double(g.width);
      p.setPen(QPen(t.segmentMark, t.pen(1), Qt::SolidLine));
      if (sg.firstIndex >= g.first) p.drawLine(QPointF(x, top + 1), QPointF(x, top + g.segH + g.cellH));
      const QString name = shortSegmentName(sg.file);
      p.drawText(QRectF(x + 3, top, std::max(0.0, end - x - 6), g.segH), Qt::AlignLeft | Qt::AlignVCenter,
                 fm.elidedText(name, Qt::ElideRight, int(std::max(0.0, end - x - 6))));
    }
  }

  struct Mark {
    double x;
    QString name;
    QColor color;
  };

  void markers(int lane, const node::NodeView& v) {
    const double y = g.cellsTop(lane) + g.cellH + g.ghostH;
    std::vector<Mark> marks = {
        {g.x(v.lwm), QStringLiteral("LWM"), t.lwm},
        {g.x(v.durableEnd + 1), QStringLiteral("durable"), t.durableMark},
        {g.x(v.lastIndex + 1), QStringLiteral("end"), t.endMark},
    };
    std::stable_sort(marks.begin(), marks.end(), [](const Mark& a, const Mark& b) { return a.x < b.x; });
    // Marks at the same place share one label ("durable = end").
    std::vector<Mark> merged;
    for (const auto& m : marks) {
      if (!merged.empty() && std::abs(merged.back().x - m.x) < 0.5) merged.back().name += QStringLiteral(" = ") + m.name;
      else merged.push_back(m);
    }
    p.setFont(tiny);
    const QFontMetrics fm(tiny);
    double labelEnd = g.headerW;
    for (const auto& m : merged) {
      if (m.x < g.headerW - 1 || m.x > g.width) continue;
      QPainterPath tri;
      tri.moveTo(m.x, y + 1);
      tri.lineTo(m.x - 4, y + 7);
      tri.lineTo(m.x + 4, y + 7);
      tri.closeSubpath();
      p.setPen(Qt::NoPen);
      p.setBrush(m.color);
      p.drawPath(tri);
      p.setPen(QPen(m.color, t.pen(1), Qt::DotLine));
      p.drawLine(QPointF(m.x, g.cellsTop(lane)), QPointF(m.x, y));
      const int w = fm.horizontalAdvance(m.name);
      // Right of the mark when it fits, else left of it (the tail mark sits at the edge).
      double lx = m.x + 6;
      if (lx + w > g.width - 2) lx = m.x - 6 - w;
      if (lx > labelEnd) {
        p.setPen(m.color);
        p.drawText(QRectF(lx, y, w + 2, g.markH), Qt::AlignLeft | Qt::AlignVCenter, m.name);
        labelEnd = lx + w + 2;
      }
    }
  }

  void lane(int laneNo, const node::NodeView& v) {
    header(laneNo, v);
    const int top = g.cellsTop(laneNo);
    const bool down = v.status == node::NodeStatus::kDead || v.status == node::NodeStatus::kFailed;
    // What the node compacted away (below its first index) is drawn as one band.
    if (v.firstIndex > g.first) {
      const double x2 = std::min(g.x(v.firstIndex), double(g.width));
      p.setPen(Qt::NoPen);
      p.setBrush(QBrush(t.grid, Qt::Dense6Pattern));
      p.drawRect(QRectF(g.headerW, top, x2 - g.headerW, g.cellH));
      if (x2 - g.headerW > 90) {
        p.setPen(t.mutedText);
        p.setFont(tiny);
        p.drawText(QRectF(g.headerW, top, x2 - g.headerW - 4, g.cellH), Qt::AlignRight | Qt::AlignVCenter,
                   QStringLiteral("deleted (in snapshot %1)").arg(v.snapshot.index));
      }
    }
    // A log that ends before the window (a dead or lagging node) says where it is.
    if (v.lastIndex < g.first && g.width - g.headerW > 200) {
      p.setPen(t.mutedText);
      p.setFont(small);
      const QString why = down ? tr("%1: its log ends at %2 (durable %3), left of this window")
                                     .arg(roleOrStatusName(v)).arg(v.lastIndex).arg(v.durableEnd)
                               : tr("its log ends at %1, left of this window: catching up").arg(v.lastIndex);
      p.drawText(QRectF(g.headerW + 6, top, g.width - g.headerW - 12, g.cellH), Qt::AlignLeft | Qt::AlignVCenter,
                 QStringLiteral("← ") + why);
    }
    std::vector<GhostEntry> ghosts = s.cache->ghosts(v.id, g.first, g.last());
    for (Index i = std::max(g.first, v.firstIndex); i <= std::min(g.last(), v.lastIndex); ++i) {
      const QRectF r = cellRect(i, top, g.cellH);
      if (const node::EntryView* e = s.cache->entry(v.id, i))
        cell(r, *e, cellState(v, i), e->duplicate || s.cache->isDuplicate(v.id, i), down);
      else {
        p.setPen(QPen(t.grid, t.pen(1), Qt::DotLine));
        p.setBrush(Qt::NoBrush);
        p.drawRect(r);
      }
    }
    for (const auto& gh : ghosts) {
      const Index i = gh.entry.index;
      const QString label = gh.why == GhostEntry::Why::kKilledBuffer ? QStringLiteral("lost") : QStringLiteral("cut");
      const bool empty = i > v.lastIndex || i < v.firstIndex;
      QColor c = t.truncated;
      const double age = double(s.frame->nowMs - gh.atMs) / double(LaneCache::kGhostMs);
      c.setAlphaF(float(std::clamp(1.0 - age, 0.25, 1.0)));
      if (empty) ghost(cellRect(i, top, g.cellH), gh.entry, c, label);
      else ghost(cellRect(i, top + g.cellH + 1, g.ghostH - 2), gh.entry, c, label);
    }
    segments(laneNo, v);
    markers(laneNo, v);
  }

  void lostLane() {
    const int top = g.lostTop();
    p.setPen(t.lost);
    p.setFont(small);
    p.drawText(QRectF(8, top, g.headerW - 12, g.lostH), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("lost writes (%1)").arg(s.cache->lostWrites().size()));
    p.setPen(QPen(t.grid, t.pen(1), Qt::DotLine));
    p.drawLine(QPointF(g.headerW, top + g.lostH / 2.0), QPointF(g.width, top + g.lostH / 2.0));
    for (const auto& l : s.cache->lostWrites()) {
      if (l.index < g.first || l.index > g.last()) continue;
      node::EntryView e;
      e.index = l.index;
      e.key = l.key;
      ghost(QRectF(g.x(l.index) + 1, top + 1, g.cellW - 2, g.lostH - 2), e, t.lost,
            QStringLiteral("c%1/%2").arg(l.client).arg(l.seq));
    }
  }

  void hwmLine() {
    const ClusterFrame& f = *s.frame;
    const double x = g.x(f.hwm + 1);
    const QString label = QStringLiteral("HWM %1 · W=%2 of %3").arg(f.hwm).arg(f.effectiveWriteQuorum()).arg(f.size);
    p.setFont(small);
    const QFontMetrics fm(small);
    const int w = fm.horizontalAdvance(label) + 10;
    if (x >= g.headerW && x <= g.width) {
      p.setPen(QPen(t.hwm, t.pen(2)));
      p.drawLine(QPointF(x, g.laneTop(0) - 4), QPointF(x, g.lostTop() + g.lostH));
    }
    const double lx = std::clamp(x - w, double(g.headerW), double(g.width - w));
    p.setPen(Qt::NoPen);
    p.setBrush(t.hwm);
    const double ly = g.laneTop(0) - 16;
    p.drawRoundedRect(QRectF(lx, ly, w, 15), 3, 3);
    p.setPen(Theme::textOn(t.hwm));
    p.drawText(QRectF(lx, ly, w, 15), Qt::AlignCenter, label);
  }

  void legend() {
    const int top = 0;
    p.setFont(tiny);
    const QFontMetrics fm(tiny);
    struct Item { QString name; QColor fill; QColor border; Qt::PenStyle style; };
    const std::vector<Item> items = {
        {QStringLiteral("committed (≤ HWM)"), t.committed, t.committed.darker(125), Qt::SolidLine},
        {QStringLiteral("durable, not committed"), t.durable, t.durable.darker(125), Qt::SolidLine},
        {QStringLiteral("buffered, not durable"), t.buffered, t.warning, Qt::DashLine},
        {QStringLiteral("duplicate (ignored)"), t.committed, t.duplicate, Qt::SolidLine},
        {QStringLiteral("cut / lost in a kill"), Qt::transparent, t.truncated, Qt::DashLine},
        {QStringLiteral("acknowledged, then lost"), Qt::transparent, t.lost, Qt::DashLine},
    };
    double x = 8;
    for (const auto& it : items) {
      p.setBrush(it.fill);
      p.setPen(QPen(it.border, it.name.startsWith(QLatin1String("duplicate")) ? 2 : 1, it.style));
      p.drawRect(QRectF(x, top + 4, 14, 12));
      p.setPen(t.mutedText);
      const int w = fm.horizontalAdvance(it.name);
      p.drawText(QRectF(x + 18, top, w + 4, g.legendH), Qt::AlignLeft | Qt::AlignVCenter, it.name);
      x += 18 + w + 16;
    }
  }
};

}  // namespace

void paintLanes(QPainter& painter, const LanesScene& s) {
  Painter p(painter, s);
  painter.setRenderHint(QPainter::Antialiasing, false);
  p.ruler();
  for (int lane = 0; lane < s.geo.nodes && lane < static_cast<int>(s.frame->views.size()); ++lane) {
    painter.save();
    painter.setClipRect(QRect(0, s.geo.laneTop(lane), s.geo.width, s.geo.laneH()));
    p.lane(lane, *s.frame->views[static_cast<std::size_t>(lane)]);
    painter.restore();
  }
  p.lostLane();
  p.hwmLine();
  p.legend();
}

}  // namespace qlab::ui
