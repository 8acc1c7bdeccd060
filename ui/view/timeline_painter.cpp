#include "ui/view/timeline_painter.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <unordered_map>

#include <QFontMetrics>
#include <QPainter>
#include <QPainterPath>

#include "core/replication/message.h"
#include "ui/model/column_model.h"

namespace qlab::ui {

namespace {
bool isHeartbeat(std::uint8_t t) {
  return t == static_cast<std::uint8_t>(replication::MessageType::kHeartbeat) ||
         t == static_cast<std::uint8_t>(replication::MessageType::kHeartbeatResponse);
}
// What pairs a send with its receive: both ends, the type and the two numbers it carries.
struct MessageKey {
  NodeId from, to;
  std::uint8_t type;
  Index a, b;
  bool operator==(const MessageKey&) const = default;
};
}  // namespace

PairedMessages pairMessages(const std::vector<cluster::RecordedEvent>& events, std::size_t budget) {
  PairedMessages out;
  // Unmatched sends by (from, to, type, a, b), oldest first: a FIFO per key threaded through
  // `nextSame`, so pairing a window of thousands of events allocates only two flat tables.
  struct KeyHash {
    std::size_t operator()(const MessageKey& k) const {
      std::uint64_t h = (static_cast<std::uint64_t>(k.from) << 40) ^ (static_cast<std::uint64_t>(k.to) << 32) ^
                        (static_cast<std::uint64_t>(k.type) << 24);
      h ^= k.a * 0x9e3779b97f4a7c15ull;
      h ^= (k.b + 0x632be59bd9b4e019ull) * 0xc2b2ae3d27d4eb4full;
      return static_cast<std::size_t>(h ^ (h >> 29));
    }
  };
  struct Fifo {
    std::size_t head, tail;
  };
  constexpr std::size_t kNone = SIZE_MAX;
  std::unordered_map<MessageKey, Fifo, KeyHash> open;
  open.reserve(events.size());
  std::vector<MessageArrow> all;
  std::vector<std::size_t> nextSame;
  all.reserve(events.size());
  nextSame.reserve(events.size());
  for (const auto& re : events) {
    const node::NodeEvent& e = re.event;
    if (e.kind == node::EventKind::kSend) {
      const std::size_t at = all.size();
      all.push_back({e.node, e.peer, e.msgType, e.tMs, -1, e.a, e.b});
      nextSame.push_back(kNone);
      auto [it, fresh] = open.try_emplace(MessageKey{e.node, e.peer, e.msgType, e.a, e.b}, Fifo{at, at});
      if (!fresh) {
        if (it->second.head == kNone) {
          it->second = {at, at};
        } else {
          nextSame[it->second.tail] = at;
          it->second.tail = at;
        }
      }
    } else if (e.kind == node::EventKind::kRecv) {
      auto it = open.find(MessageKey{e.peer, e.node, e.msgType, e.a, e.b});
      if (it != open.end() && it->second.head != kNone) {
        all[it->second.head].recvMs = e.tMs;
        it->second.head = nextSame[it->second.head];
      } else {
        // Sent before the window began: draw it arriving from the top edge.
        all.push_back({e.peer, e.node, e.msgType, INT64_MIN, e.tMs, e.a, e.b});
        nextSame.push_back(kNone);
      }
    }
  }
  out.total = all.size();
  if (all.size() > budget) {
    std::erase_if(all, [&](const MessageArrow& m) {
      if (!isHeartbeat(m.type)) return false;
      ++out.heartbeats;
      return true;
    });
  }
  if (all.size() > budget) {
    out.sampleEvery = (all.size() + budget - 1) / std::max<std::size_t>(budget, 1);
    std::vector<MessageArrow> kept;
    for (std::size_t i = 0; i < all.size(); i += out.sampleEvery) kept.push_back(all[i]);
    all.swap(kept);
  }
  out.arrows = std::move(all);
  return out;
}

namespace {

struct Marker {
  QString text;
  QColor color;
  enum Shape { kDot, kCross, kStar, kTriangle, kBar, kScissors } shape;
};

bool markerFor(const node::NodeEvent& e, const Theme& t, Marker& m) {
  using K = node::EventKind;
  switch (e.kind) {
    case K::kKill: m = {QObject::tr("killed"), t.failed, Marker::kCross}; return true;
    case K::kRestart: m = {QObject::tr("restart"), t.follower, Marker::kTriangle}; return true;
    case K::kElected: m = {QObject::tr("leader g%1").arg(e.generation), t.leader, Marker::kStar}; return true;
    case K::kElectionStarted: m = {QObject::tr("candidate g%1").arg(e.generation), t.candidate, Marker::kDot}; return true;
    case K::kStepDown: m = {QObject::tr("steps down"), t.candidate, Marker::kDot}; return true;
    case K::kTruncate: m = {QObject::tr("cut %1..%2").arg(e.a + 1).arg(e.b), t.truncated, Marker::kScissors}; return true;
    case K::kSegmentRoll: m = {QObject::tr("new segment"), t.segmentMark, Marker::kBar}; return true;
    case K::kSegmentDelete: m = {QObject::tr("segment deleted"), t.lwm, Marker::kBar}; return true;
    case K::kSnapshot: m = {QObject::tr("snapshot %1").arg(e.a), t.msgSnapshot, Marker::kDot}; return true;
    case K::kSnapshotInstall: m = {QObject::tr("installed snapshot %1").arg(e.a), t.msgSnapshot, Marker::kDot}; return true;
    case K::kPause: m = {QObject::tr("paused"), t.paused, Marker::kBar}; return true;
    case K::kResume: m = {QObject::tr("resumed"), t.paused, Marker::kBar}; return true;
    case K::kFailed: m = {QObject::tr("failed"), t.failed, Marker::kCross}; return true;
    case K::kDiverged: m = {QObject::tr("diverged"), t.violation, Marker::kCross}; return true;
    case K::kFlushPolicy: m = {QObject::tr("flush: %1").arg(QString::fromStdString(e.detail)), t.durableMark, Marker::kDot}; return true;
    case K::kLostWrite: m = {QObject::tr("lost write %1").arg(e.a), t.lost, Marker::kCross}; return true;
    case K::kViolation: m = {QObject::tr("VIOLATION"), t.violation, Marker::kCross}; return true;
    default: return false;
  }
}

void drawShape(QPainter& p, QPointF c, Marker::Shape s, const QColor& col) {
  p.setPen(QPen(col, 2));
  p.setBrush(col);
  switch (s) {
    case Marker::kDot: p.drawEllipse(c, 3.5, 3.5); break;
    case Marker::kCross:
      p.drawLine(c + QPointF(-5, -5), c + QPointF(5, 5));
      p.drawLine(c + QPointF(-5, 5), c + QPointF(5, -5));
      break;
    case Marker::kStar: {
      QPainterPath path;
      for (int i = 0; i < 10; ++i) {
        const double r = i % 2 ? 3.0 : 7.0, a = -std::numbers::pi / 2 + i * std::numbers::pi / 5;
        const QPointF pt = c + QPointF(std::cos(a) * r, std::sin(a) * r);
        if (i == 0) path.moveTo(pt);
        else path.lineTo(pt);
      }
      path.closeSubpath();
      p.drawPath(path);
      break;
    }
    case Marker::kTriangle: {
      QPainterPath path;
      path.moveTo(c + QPointF(-4, -5));
      path.lineTo(c + QPointF(6, 0));
      path.lineTo(c + QPointF(-4, 5));
      path.closeSubpath();
      p.drawPath(path);
      break;
    }
    case Marker::kBar: p.drawLine(c + QPointF(-7, 0), c + QPointF(7, 0)); break;
    case Marker::kScissors:
      p.drawLine(c + QPointF(-6, -4), c + QPointF(6, 4));
      p.drawLine(c + QPointF(-6, 4), c + QPointF(6, -4));
      p.drawEllipse(c + QPointF(-6, -4), 2, 2);
      p.drawEllipse(c + QPointF(-6, 4), 2, 2);
      break;
  }
}

}  // namespace

void paintTimeline(QPainter& p, const TimelineScene& s) {
  const Theme& t = s.theme;
  const QRectF r = s.rect;
  p.fillRect(r, t.background);
  if (s.nodes <= 0 || !s.events) return;
  const double axisW = 62, headerH = 22;
  const double colW = (r.width() - axisW) / s.nodes;
  const double top = r.top() + headerH, bottom = r.bottom() - 4;
  const double span = static_cast<double>(std::max<std::int64_t>(s.toMs - s.fromMs, 1));
  auto xOf = [&](NodeId n) { return r.left() + axisW + (static_cast<double>(n) - 0.5) * colW; };
  auto yOf = [&](std::int64_t ms) {
    return top + (static_cast<double>(ms - s.fromMs) / span) * (bottom - top);
  };
  QFont small = p.font();
  small.setPointSizeF(std::max(6.5, small.pointSizeF() * 0.8));
  p.setFont(small);
  const QFontMetrics fm(small);

  // Time axis: a label every "nice" step.
  const double targetSteps = std::max(2.0, (bottom - top) / 60);
  const double raw = span / targetSteps;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / mag < 2 ? 2 * mag : raw / mag < 5 ? 5 * mag : 10 * mag;
  p.setPen(t.mutedText);
  for (double ms = std::ceil(static_cast<double>(s.fromMs) / step) * step; ms <= static_cast<double>(s.toMs); ms += step) {
    const double y = yOf(static_cast<std::int64_t>(ms));
    p.setPen(QPen(t.grid, 1, Qt::DotLine));
    p.drawLine(QPointF(r.left() + axisW - 4, y), QPointF(r.right(), y));
    p.setPen(t.mutedText);
    p.drawText(QRectF(r.left(), y - 8, axisW - 8, 16), Qt::AlignRight | Qt::AlignVCenter,
               formatClusterTime(static_cast<std::int64_t>(ms)));
  }
  // Lifelines and headers.
  for (int n = 1; n <= s.nodes; ++n) {
    const double x = xOf(static_cast<NodeId>(n));
    p.setPen(QPen(t.segmentMark, 1.5));
    p.drawLine(QPointF(x, top), QPointF(x, bottom));
    p.setPen(t.text);
    p.drawText(QRectF(x - colW / 2, r.top() + 2, colW, headerH - 4), Qt::AlignCenter, QObject::tr("node %1").arg(n));
  }
  p.save();
  p.setClipRect(QRectF(r.left() + axisW - 8, top, r.width() - axisW + 8, bottom - top + 2));
  p.setRenderHint(QPainter::Antialiasing);

  // Messages.
  const PairedMessages pm = pairMessages(*s.events, s.arrowBudget);
  for (const auto& m : pm.arrows) {
    if (m.from < 1 || m.to < 1 || static_cast<int>(m.from) > s.nodes || static_cast<int>(m.to) > s.nodes) continue;
    const double x1 = xOf(m.from), x2 = xOf(m.to);
    const double y1 = m.sendMs == INT64_MIN ? top : yOf(m.sendMs);
    QColor c = t.messageColor(m.type);
    if (isHeartbeat(m.type)) c.setAlphaF(0.55f);
    p.setPen(QPen(c, m.type == static_cast<std::uint8_t>(replication::MessageType::kAppend) ? 1.6 : 1.0));
    if (m.recvMs < 0) {
      // Not received (yet): a stub that ends in a cross when it is old enough to be lost.
      const QPointF end(x1 + (x2 - x1) * 0.4, y1 + 6);
      p.drawLine(QPointF(x1, y1), end);
      if (s.toMs - m.sendMs > 1000) {
        p.setPen(QPen(t.cut, 1.5));
        p.drawLine(end + QPointF(-3, -3), end + QPointF(3, 3));
        p.drawLine(end + QPointF(-3, 3), end + QPointF(3, -3));
      }
      continue;
    }
    const QPointF a(x1, y1), b(x2, std::max(yOf(m.recvMs), y1 + 7));  // a visible slope, even for 0 ms
    p.drawLine(a, b);
    const QPointF d = b - a;
    const double len = std::hypot(d.x(), d.y());
    if (len > 12) {
      const QPointF u = d / len, nrm(-u.y(), u.x());
      p.drawLine(b, b - u * 7 + nrm * 3);
      p.drawLine(b, b - u * 7 - nrm * 3);
    }
  }

  // Markers (labels only where they fit) and dense flushes as ticks.
  std::vector<double> lastLabelY(static_cast<std::size_t>(s.nodes) + 1, -1e9);
  std::vector<double> lastFlushY(static_cast<std::size_t>(s.nodes) + 1, -1e9);
  for (const auto& re : *s.events) {
    const node::NodeEvent& e = re.event;
    const double y = yOf(e.tMs);
    if (e.kind == node::EventKind::kPartition || e.kind == node::EventKind::kHeal ||
        e.kind == node::EventKind::kQuorumChange || (e.node == kNoNode && e.kind == node::EventKind::kLinkFault)) {
      p.setPen(QPen(e.kind == node::EventKind::kHeal ? t.leader : t.cut, 1.5, Qt::DashLine));
      p.drawLine(QPointF(r.left() + axisW - 4, y), QPointF(r.right(), y));
      p.drawText(QRectF(r.left() + axisW, y - 14, r.width() - axisW, 13), Qt::AlignRight | Qt::AlignVCenter,
                 QString::fromLatin1(node::eventKindName(e.kind)) + QStringLiteral(" ") + QString::fromStdString(e.detail));
      continue;
    }
    if (e.node < 1 || static_cast<int>(e.node) > s.nodes) continue;
    const double x = xOf(e.node);
    if (e.kind == node::EventKind::kFlush) {
      if (y - lastFlushY[e.node] < 2) continue;
      lastFlushY[e.node] = y;
      p.setPen(QPen(t.durableMark, 1));
      p.drawLine(QPointF(x - 3, y), QPointF(x + 3, y));
      continue;
    }
    Marker m;
    if (!markerFor(e, t, m)) continue;
    drawShape(p, QPointF(x, y), m.shape, m.color);
    if (y - lastLabelY[e.node] >= 13) {
      lastLabelY[e.node] = y;
      p.setPen(m.color);
      p.drawText(QRectF(x + 9, y - 7, colW / 2 - 10, 14), Qt::AlignLeft | Qt::AlignVCenter,
                 fm.elidedText(m.text, Qt::ElideRight, static_cast<int>(colW / 2 - 10)));
    }
  }
  p.restore();
  // What was folded, said plainly.
  QStringList notes;
  if (pm.heartbeats > 0) notes << QObject::tr("%1 heartbeats not drawn").arg(pm.heartbeats);
  if (pm.sampleEvery > 1) notes << QObject::tr("1 in %1 messages drawn").arg(pm.sampleEvery);
  if (s.paused) notes << QObject::tr("paused");
  if (!notes.isEmpty()) {
    p.setPen(t.mutedText);
    p.drawText(QRectF(r.left() + axisW, bottom - 16, r.width() - axisW - 6, 14), Qt::AlignRight | Qt::AlignVCenter,
               notes.join(QStringLiteral(" · ")));
  }
}

}  // namespace qlab::ui
