#include "ui/view/timeline_painter.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <QFontMetrics>
#include <QPainter>
#include <QHash>
#include <QPainterPath>
#include <QStaticText>

#include "core/replication/message.h"
#include "ui/model/column_model.h"

namespace qlab::ui {

namespace {
bool isHeartbeat(std::uint8_t t) { return timelineKindOf(t) == TimelineKind::kHeartbeat; }
// What pairs a send with its receive: both ends, the type and the two numbers it carries.
struct MessageKey {
  NodeId from, to;
  std::uint8_t type;
  Index a, b;
  bool operator==(const MessageKey&) const = default;
};

// The budget: heartbeat arrows folded first, then every `sampleEvery`th kept (and every
// arrow of the highlighted chain).
template <typename T, typename Msg>
void applyBudget(std::vector<T>& all, std::size_t budget, Msg msgOf, std::size_t& heartbeats,
                 std::size_t& sampleEvery) {
  if (all.size() > budget) {
    std::erase_if(all, [&](const T& x) {
      if (!isHeartbeat(msgOf(x).type) || msgOf(x).chain) return false;
      ++heartbeats;
      return true;
    });
  }
  if (all.size() > budget) {
    sampleEvery = (all.size() + budget - 1) / std::max<std::size_t>(budget, 1);
    std::size_t i = 0;
    std::erase_if(all, [&](const T& x) { return (i++ % sampleEvery) != 0 && !msgOf(x).chain; });
  }
}
}  // namespace

TimelineKind timelineKindOf(std::uint8_t msgType) {
  using replication::MessageType;
  switch (static_cast<MessageType>(msgType)) {
    case MessageType::kAppend: return TimelineKind::kAppend;
    case MessageType::kAppendResponse: return TimelineKind::kAck;
    case MessageType::kVoteRequest:
    case MessageType::kVoteResponse: return TimelineKind::kVote;
    case MessageType::kSnapshotChunk:
    case MessageType::kSnapshotResponse: return TimelineKind::kSnapshot;
    case MessageType::kHeartbeat:
    case MessageType::kHeartbeatResponse: break;
  }
  return TimelineKind::kHeartbeat;
}

std::uint8_t timelineKindMessageType(TimelineKind k) {
  using replication::MessageType;
  constexpr MessageType types[] = {MessageType::kAppend, MessageType::kAppendResponse, MessageType::kVoteRequest,
                                   MessageType::kHeartbeat, MessageType::kSnapshotChunk};
  return static_cast<std::uint8_t>(types[static_cast<std::size_t>(k)]);
}

QString timelineKindName(TimelineKind k) {
  return k == TimelineKind::kVote ? QStringLiteral("vote") : messageKindName(timelineKindMessageType(k));
}

PairedMessages pairMessages(const std::vector<cluster::RecordedEvent>& events, std::size_t budget) {
  PairOptions o;
  o.budget = budget;
  return pairMessages(events, o);
}

PairedMessages pairMessages(const std::vector<cluster::RecordedEvent>& events, const PairOptions& o) {
  PairedMessages out;
  // Unmatched sends by (from, to, type, a, b), oldest first: a FIFO per key threaded through
  // `nextSame`, kept in a flat open-addressing table reused between calls (a node-based map
  // allocated per send and was half of the timeline's layout time at full load). A slot is
  // in use when its stamp is this call's.
  struct Slot {
    MessageKey key;
    std::size_t head, tail;
    std::uint64_t stamp;
  };
  thread_local std::vector<Slot> table;
  thread_local std::uint64_t stamp = 0;
  thread_local std::vector<std::size_t> nextSame;
  constexpr std::size_t kNone = SIZE_MAX;
  std::size_t cap = 64;
  while (cap < events.size() * 2) cap *= 2;
  if (table.size() < cap) {
    table.assign(cap, Slot{});
    stamp = 0;
  }
  cap = table.size();
  ++stamp;
  auto slotOf = [&](const MessageKey& k) -> Slot& {
    std::uint64_t h = (static_cast<std::uint64_t>(k.from) << 40) ^ (static_cast<std::uint64_t>(k.to) << 32) ^
                      (static_cast<std::uint64_t>(k.type) << 24);
    h ^= k.a * 0x9e3779b97f4a7c15ull;
    h ^= (k.b + 0x632be59bd9b4e019ull) * 0xc2b2ae3d27d4eb4full;
    h ^= h >> 29;
    for (std::size_t i = static_cast<std::size_t>(h) & (cap - 1);; i = (i + 1) & (cap - 1)) {
      Slot& sl = table[i];
      if (sl.stamp != stamp) {
        sl = Slot{k, kNone, kNone, 0};  // free: the caller claims it (stamp) or leaves it free
        return sl;
      }
      if (sl.key == k) return sl;
    }
  };
  std::vector<MessageArrow> all;
  all.reserve(events.size());
  nextSame.clear();
  nextSame.reserve(events.size());
  for (const auto& re : events) {
    const node::NodeEvent& e = re.event;
    if (e.kind != node::EventKind::kSend && e.kind != node::EventKind::kRecv) continue;
    if (!(o.kinds & timelineKindBit(timelineKindOf(e.msgType)))) {
      if (e.kind == node::EventKind::kSend) ++out.hidden;
      continue;
    }
    if (e.kind == node::EventKind::kSend) {
      const std::size_t at = all.size();
      all.push_back({e.node, e.peer, e.msgType, e.tMs, -1, e.a, e.b});
      nextSame.push_back(kNone);
      Slot& sl = slotOf(MessageKey{e.node, e.peer, e.msgType, e.a, e.b});
      sl.stamp = stamp;
      if (sl.head == kNone) {
        sl.head = sl.tail = at;
      } else {
        nextSame[sl.tail] = at;
        sl.tail = at;
      }
    } else {
      Slot& sl = slotOf(MessageKey{e.peer, e.node, e.msgType, e.a, e.b});
      if (sl.head != kNone) {  // a free slot's head is kNone: no send waiting
        all[sl.head].recvMs = e.tMs;
        sl.head = nextSame[sl.head];
      } else {
        // Sent before the window began: draw it arriving from the top edge.
        all.push_back({e.peer, e.node, e.msgType, INT64_MIN, e.tMs, e.a, e.b});
        nextSame.push_back(kNone);
      }
    }
  }
  if (o.highlight > 0) {
    // The request's chain: every append carrying the entry, and from each follower the first
    // ack that covers it (later acks cover it too, but say nothing new).
    std::vector<NodeId> acked;
    for (auto& m : all) {
      const auto k = timelineKindOf(m.type);
      if (k == TimelineKind::kAppend) {
        m.chain = m.a <= o.highlight && o.highlight <= m.b;
      } else if (k == TimelineKind::kAck && m.b >= o.highlight &&
                 std::find(acked.begin(), acked.end(), m.from) == acked.end()) {
        m.chain = true;
        acked.push_back(m.from);
      }
    }
  }
  out.total = all.size();
  applyBudget(all, o.budget, [](const MessageArrow& m) -> const MessageArrow& { return m; }, out.heartbeats,
              out.sampleEvery);
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

namespace {
bool isClusterWide(const node::NodeEvent& e) {
  return e.kind == node::EventKind::kPartition || e.kind == node::EventKind::kHeal ||
         e.kind == node::EventKind::kQuorumChange || (e.node == kNoNode && e.kind == node::EventKind::kLinkFault);
}
bool isMarker(const node::NodeEvent& e, const Theme& t) {
  Marker m;
  return isClusterWide(e) || markerFor(e, t, m);
}
}  // namespace

bool isTimelineMarker(const node::NodeEvent& e) {
  static const Theme kAnyTheme;
  return isMarker(e, kAnyTheme);
}

namespace {
double distanceToSegment(QPointF p, QPointF a, QPointF b) {
  const QPointF d = b - a;
  const double len2 = QPointF::dotProduct(d, d);
  const double u = len2 <= 0 ? 0 : std::clamp(QPointF::dotProduct(p - a, d) / len2, 0.0, 1.0);
  const QPointF q = a + d * u - p;
  return std::hypot(q.x(), q.y());
}
}  // namespace

const TimelineArrow* TimelineLayout::arrowAt(QPointF p, double tolerance) const {
  const TimelineArrow* best = nullptr;
  double bestD = tolerance;
  for (const auto& a : arrows) {
    const double d = distanceToSegment(p, a.p1, a.p2);
    if (d <= bestD) {
      bestD = d;
      best = &a;
    }
  }
  return best;
}

Index TimelineLayout::requestAt(QPointF p) const {
  for (const auto& t : ticks)
    if (t.kind == node::EventKind::kClientWrite && std::hypot(t.at.x() - p.x(), t.at.y() - p.y()) <= 6) return t.a;
  const TimelineArrow* a = arrowAt(p);
  if (!a) return 0;
  const auto k = timelineKindOf(a->m.type);
  // An append or an ack stands for the newest entry it carries or acknowledges.
  return k == TimelineKind::kAppend || k == TimelineKind::kAck ? a->m.b : 0;
}

void layoutTimeline(const TimelineScene& s, TimelineLayout& out) {
  out.arrows.clear();
  out.bands.clear();
  out.bandMarks.clear();
  out.ticks.clear();
  out.markers.clear();
  out.arrowsPerKind.fill(0);
  out.bundles = out.chainArrows = out.chainFlushes = out.chainWrites = 0;
  out.total = out.hidden = out.heartbeatsFolded = out.heartbeatsBanded = 0;
  out.sampleEvery = 1;
  out.highlight = s.highlight;
  const QRectF r = s.rect;
  out.top = r.top() + out.headerH;
  out.bottom = r.bottom() - 4;
  if (s.nodes <= 0 || !s.events) return;
  out.colW = (r.width() - out.axisW) / s.nodes;
  const double top = out.top, bottom = out.bottom, colW = out.colW;
  const double span = static_cast<double>(std::max<std::int64_t>(s.toMs - s.fromMs, 1));
  auto xOf = [&](NodeId n) { return r.left() + out.axisW + (static_cast<double>(n) - 0.5) * colW; };
  auto yOf = [&](std::int64_t ms) { return top + (static_cast<double>(ms - s.fromMs) / span) * (bottom - top); };
  auto known = [&](NodeId n) { return n >= 1 && static_cast<int>(n) <= s.nodes; };
  const std::size_t n1 = static_cast<std::size_t>(s.nodes) + 1;

  // Arrows: paired, then bundled, then held to the budget.
  const bool bands = s.heartbeatBands && (s.kinds & timelineKindBit(TimelineKind::kHeartbeat));
  PairOptions po;
  po.kinds = bands ? s.kinds & ~timelineKindBit(TimelineKind::kHeartbeat) : s.kinds;
  po.highlight = s.highlight;
  PairedMessages pm = pairMessages(*s.events, po);
  out.total = pm.total;
  out.hidden = pm.hidden;  // less the heartbeats drawn as bands (below)
  // The open bundle of each (from, to, kind), as index + 1 into out.arrows (0: none).
  auto& open = out.scratch;
  open.assign(n1 * n1 * kTimelineKinds, 0);
  for (const auto& m : pm.arrows) {
    if (!known(m.from) || !known(m.to)) continue;
    TimelineArrow a;
    a.m = m;
    const double x1 = xOf(m.from), x2 = xOf(m.to);
    const double y1 = m.sendMs == INT64_MIN ? top : yOf(m.sendMs);
    a.p1 = QPointF(x1, y1);
    if (m.recvMs < 0) {
      a.stub = true;
      a.p2 = QPointF(x1 + (x2 - x1) * 0.4, y1 + 6);
      a.lost = s.toMs - m.sendMs > 1000;
    } else {
      a.p2 = QPointF(x2, std::max(yOf(m.recvMs), y1 + 7));  // a visible slope, even for 0 ms
      if (s.animNowMs >= 0 && s.timeScale > 1 && m.sendMs != INT64_MIN) {
        // Slow motion: the arrow grows over its flight time stretched by the time scale.
        const double flight = static_cast<double>(std::max<std::int64_t>(m.recvMs - m.sendMs, 1)) * s.timeScale;
        const double f = static_cast<double>(s.animNowMs - m.sendMs) / flight;
        if (f < 1) a.p2 = a.p1 + (a.p2 - a.p1) * std::clamp(f, 0.05, 1.0);
      }
    }
    const auto kind = static_cast<std::size_t>(timelineKindOf(m.type));
    std::uint32_t& slot = open[(static_cast<std::size_t>(m.from) * n1 + m.to) * kTimelineKinds + kind];
    if (slot > 0 && !m.chain) {
      TimelineArrow& b = out.arrows[slot - 1];
      // Sent within kBundlePx of the bundle's newest member, with about the same flight.
      if (!b.m.chain && b.stub == a.stub && std::abs(a.p1.y() - b.lastY) <= kBundlePx &&
          std::abs((a.p2.y() - a.p1.y()) - (b.p2.y() - b.p1.y())) <= kBundlePx) {
        ++b.count;
        b.lastY = a.p1.y();
        b.m.a = std::min(b.m.a, m.a);
        b.m.b = std::max(b.m.b, m.b);
        continue;
      }
    }
    a.lastY = a.p1.y();
    out.arrows.push_back(a);
    slot = static_cast<std::uint32_t>(out.arrows.size());
  }
  applyBudget(out.arrows, s.arrowBudget, [](const TimelineArrow& a) -> const MessageArrow& { return a.m; },
              out.heartbeatsFolded, out.sampleEvery);
  for (const auto& a : out.arrows) {
    ++out.arrowsPerKind[static_cast<std::size_t>(timelineKindOf(a.m.type))];
    if (a.count > 1) ++out.bundles;
    if (a.m.chain) ++out.chainArrows;
  }

  // Heartbeat bands, flush and client-write ticks, and (unless they come from elsewhere) markers.
  auto& bandOf = open;  // reused: band index + 1 per (lo, hi)
  bandOf.assign(n1 * n1, 0);
  struct Open {
    std::int64_t firstMs, lastMs;
    double lastTickY;
  };
  std::vector<Open> bandOpen;
  std::vector<double> lastTickY(n1 * 2, -1e9);
  std::vector<bool> flushedChain(n1, false);
  auto closeBand = [&](std::uint32_t b) {
    const Open& o = bandOpen[b];
    if (o.lastMs > o.firstMs) out.bandMarks.push_back({b, yOf(o.firstMs), yOf(o.lastMs), false});
  };
  const bool ownMarkers = s.markerEvents == nullptr;
  for (std::size_t i = 0; i < s.events->size(); ++i) {
    const node::NodeEvent& e = (*s.events)[i].event;
    if (bands && e.kind == node::EventKind::kSend && isHeartbeat(e.msgType)) --out.hidden;
    if (bands && e.kind == node::EventKind::kRecv && isHeartbeat(e.msgType) && known(e.node) && known(e.peer)) {
      const NodeId lo = std::min(e.node, e.peer), hi = std::max(e.node, e.peer);
      std::uint32_t& b = bandOf[static_cast<std::size_t>(lo) * n1 + hi];
      if (b == 0) {
        out.bands.push_back({lo, hi, xOf(hi) - 4 - 4.0 * (hi - lo), 0});
        bandOpen.push_back({e.tMs, e.tMs, -1e9});
        b = static_cast<std::uint32_t>(out.bands.size());
      }
      const std::uint32_t bi = b - 1;
      Open& o = bandOpen[bi];
      if (e.tMs - o.lastMs > kBandGapMs) {
        closeBand(bi);
        o.firstMs = e.tMs;
      }
      o.lastMs = e.tMs;
      ++out.bands[bi].count;
      ++out.heartbeatsBanded;
      const double y = yOf(e.tMs);
      if (y - o.lastTickY >= 3) {
        o.lastTickY = y;
        out.bandMarks.push_back({bi, y, y, true});
      }
      continue;
    }
    if (e.kind == node::EventKind::kFlush || e.kind == node::EventKind::kClientWrite) {
      if (!known(e.node)) continue;
      const bool flush = e.kind == node::EventKind::kFlush;
      bool chain = false;
      if (s.highlight > 0 && flush && e.a >= s.highlight && !flushedChain[e.node]) {
        chain = true;  // the flush that made the entry durable on this node
        flushedChain[e.node] = true;
        ++out.chainFlushes;
      } else if (s.highlight > 0 && !flush && e.a == s.highlight) {
        chain = true;
        ++out.chainWrites;
      }
      const double y = yOf(e.tMs);
      double& last = lastTickY[e.node * 2 + (flush ? 0 : 1)];
      if (!chain && y - last < 2) continue;
      if (!chain) last = y;
      out.ticks.push_back({e.kind, e.node, QPointF(xOf(e.node), y), e.a, i, chain});
      continue;
    }
    if (ownMarkers && isMarker(e, s.theme))
      out.markers.push_back({e.kind, e.node, QPointF(known(e.node) ? xOf(e.node) : 0, yOf(e.tMs)), e.a, i, false});
  }
  for (std::uint32_t b = 0; b < bandOpen.size(); ++b) closeBand(b);
  if (!ownMarkers) {
    for (std::size_t i = 0; i < s.markerEvents->size(); ++i) {
      const node::NodeEvent& e = (*s.markerEvents)[i].event;
      if (e.tMs < s.fromMs || e.tMs > s.toMs || !isMarker(e, s.theme)) continue;
      out.markers.push_back({e.kind, e.node, QPointF(known(e.node) ? xOf(e.node) : 0, yOf(e.tMs)), e.a, i, false});
    }
  }
}

void paintTimeline(QPainter& p, const TimelineScene& s) {
  TimelineLayout l;
  layoutTimeline(s, l);
  paintTimeline(p, s, l);
}

namespace {
// The timeline's short texts (axis times, node headers, bundle counts, marker labels) recur
// from paint to paint: each is laid out once into a QStaticText and drawn from it after (text
// shaping was a quarter of the timeline's paint at full load). Bounded; one font at a time.
class TextCache {
 public:
  const QStaticText& get(const QString& text, const QFont& font) {
    const QString key = font.key();
    if (key != m_fontKey || m_texts.size() > 4000) {
      m_texts.clear();
      m_elided.clear();
      m_fontKey = key;
    }
    auto it = m_texts.find(text);
    if (it == m_texts.end()) {
      QStaticText st(text);
      st.setTextFormat(Qt::PlainText);
      st.prepare(QTransform(), font);
      it = m_texts.insert(text, st);
    }
    return *it;
  }
  QString elided(const QString& text, const QFontMetrics& fm, int width) {
    const QString key = QString::number(width) + QLatin1Char('\x1f') + text;
    auto it = m_elided.find(key);
    if (it == m_elided.end()) it = m_elided.insert(key, fm.elidedText(text, Qt::ElideRight, width));
    return *it;
  }

 private:
  QString m_fontKey;
  QHash<QString, QStaticText> m_texts;
  QHash<QString, QString> m_elided;
};

TextCache& textCache() {
  thread_local TextCache cache;
  return cache;
}

// drawText(box, align, text) for one line of plain text, from the cache. Painters without
// static text (SVG) draw it as text.
void drawLine(QPainter& p, const QRectF& box, int align, const QString& text) {
  const QStaticText& st = textCache().get(text, p.font());
  const QSizeF sz = st.size();
  double x = box.left(), y = box.top();
  if (align & Qt::AlignRight) x = box.right() - sz.width();
  else if (align & Qt::AlignHCenter) x = box.left() + (box.width() - sz.width()) / 2;
  if (align & Qt::AlignBottom) y = box.bottom() - sz.height();
  else if (align & Qt::AlignVCenter) y = box.top() + (box.height() - sz.height()) / 2;
  p.drawStaticText(QPointF(x, y), st);
}
}  // namespace

QColor blendOver(const QColor& c, float alpha, const QColor& background) {
  const float a = std::clamp(alpha, 0.0f, 1.0f);
  auto mix = [a](float fg, float bg) { return fg * a + bg * (1.0f - a); };
  return QColor::fromRgbF(mix(c.redF(), background.redF()), mix(c.greenF(), background.greenF()),
                          mix(c.blueF(), background.blueF()));
}

QRect bandStretchRect(double x, double y1, double y2) {
  const int top = static_cast<int>(std::lround(y1));
  const int bottom = std::max(top + 1, static_cast<int>(std::lround(y2)));
  return QRect(static_cast<int>(std::lround(x - 1.5)), top, 3, bottom - top);
}

void paintTimeline(QPainter& p, const TimelineScene& s, const TimelineLayout& l) {
  const Theme& t = s.theme;
  const QRectF r = s.rect;
  p.fillRect(r, t.background);
  if (s.nodes <= 0 || !s.events) return;
  const double axisW = l.axisW, headerH = l.headerH, colW = l.colW, top = l.top, bottom = l.bottom;
  const double span = static_cast<double>(std::max<std::int64_t>(s.toMs - s.fromMs, 1));
  auto xOf = [&](NodeId n) { return r.left() + axisW + (static_cast<double>(n) - 0.5) * colW; };
  auto yOf = [&](std::int64_t ms) {
    return top + (static_cast<double>(ms - s.fromMs) / span) * (bottom - top);
  };
  QFont small = p.font();
  small.setPointSizeF(std::max(6.5, small.pointSizeF() * 0.8));
  p.setFont(small);
  const QFontMetrics fm(small);
  const bool dimming = l.highlight > 0;
  auto dim = [&](QColor c, bool chain) {
    if (dimming && !chain) c.setAlphaF(c.alphaF() * 0.18f);
    return c;
  };

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
    drawLine(p, QRectF(r.left(), y - 8, axisW - 8, 16), Qt::AlignRight | Qt::AlignVCenter,
               formatClusterTime(static_cast<std::int64_t>(ms)));
  }
  // Lifelines and headers.
  for (int n = 1; n <= s.nodes; ++n) {
    const double x = xOf(static_cast<NodeId>(n));
    p.setPen(QPen(t.segmentMark, 1.5));
    p.drawLine(QPointF(x, top), QPointF(x, bottom));
    p.setPen(t.text);
    drawLine(p, QRectF(x - colW / 2, r.top() + 2, colW, headerH - 4), Qt::AlignCenter, QObject::tr("node %1").arg(n));
  }
  p.save();
  p.setClipRect(QRectF(r.left() + axisW - 8, top, r.width() - axisW + 8, bottom - top + 2));
  p.setRenderHint(QPainter::Antialiasing);

  // Heartbeat bands: a faint strip where heartbeats flow, a tick per heartbeat.
  for (const auto& m : l.bandMarks) {
    const double x = l.bands[m.band].x;
    QColor c = dim(t.msgHeartbeat, false);
    if (m.tick) {
      p.setPen(QPen(c, 1));
      p.drawLine(QPointF(x - 2, m.y1), QPointF(x + 2, m.y1));
    } else {
      // A stretch: the band's colour at 45% over the background, filled opaque on whole
      // pixels. A translucent fill of a tall thin strip went through Qt's threaded span
      // blending, whose hand-offs to its pool cost more than the fill (~5% of the GUI thread).
      p.fillRect(bandStretchRect(x, m.y1, m.y2), blendOver(c, static_cast<float>(c.alphaF()) * 0.45f, t.background));
    }
  }

  // Messages: the dimmed first, the highlighted chain on top.
  const QString times = QStringLiteral("\u00d7");
  for (int pass = 0; pass < (dimming ? 2 : 1); ++pass) {
    for (const auto& a : l.arrows) {
      if (dimming && a.m.chain != (pass == 1)) continue;
      QColor c = t.messageColor(a.m.type);
      if (isHeartbeat(a.m.type)) c.setAlphaF(0.55f);
      c = dim(c, a.m.chain);
      const bool append = a.m.type == static_cast<std::uint8_t>(replication::MessageType::kAppend);
      double w = append ? 1.6 : 1.0;
      if (a.count > 1) w += std::min(3.0, std::log2(static_cast<double>(a.count)));
      if (a.m.chain) w += 1.2;
      p.setPen(QPen(c, w));
      p.drawLine(a.p1, a.p2);
      if (a.stub) {
        if (a.lost) {
          p.setPen(QPen(dim(t.cut, a.m.chain), 1.5));
          p.drawLine(a.p2 + QPointF(-3, -3), a.p2 + QPointF(3, 3));
          p.drawLine(a.p2 + QPointF(-3, 3), a.p2 + QPointF(3, -3));
        }
      } else {
        const QPointF d = a.p2 - a.p1;
        const double len = std::hypot(d.x(), d.y());
        if (len > 12) {
          const QPointF u = d / len, nrm(-u.y(), u.x());
          p.drawLine(a.p2, a.p2 - u * 7 + nrm * 3);
          p.drawLine(a.p2, a.p2 - u * 7 - nrm * 3);
        }
      }
      if (a.count > 1) {
        const QPointF mid = (a.p1 + a.p2) / 2;
        p.setPen(c);
        drawLine(p, QRectF(mid.x() - 20, mid.y() - 13, 40, 12), Qt::AlignCenter, times + QString::number(a.count));
      }
    }
  }

  // Flushes and client writes as ticks; the highlighted ones larger, with their index.
  for (const auto& k : l.ticks) {
    const double x = k.at.x(), y = k.at.y();
    if (k.kind == node::EventKind::kFlush) {
      p.setPen(QPen(dim(t.durableMark, k.chain), k.chain ? 3 : 1));
      const double hw = k.chain ? 7 : 3;
      p.drawLine(QPointF(x - hw, y), QPointF(x + hw, y));
      if (k.chain) p.drawText(QRectF(x + 9, y - 7, colW / 2 - 10, 14), Qt::AlignLeft | Qt::AlignVCenter,
                              QObject::tr("durable %1").arg(k.a));
    } else {
      p.setPen(QPen(dim(t.committed, k.chain), k.chain ? 2.5 : 1));
      p.setBrush(Qt::NoBrush);
      const double h = k.chain ? 5 : 2.5;
      p.drawRect(QRectF(x - h, y - h, 2 * h, 2 * h));
      if (k.chain) p.drawText(QRectF(x - colW / 2, y + 6, colW / 2 - 4, 14), Qt::AlignRight | Qt::AlignVCenter,
                              QObject::tr("reply %1").arg(k.a));
    }
  }

  // Markers last: never dimmed, never hidden under arrows (labels only where they fit).
  const std::vector<cluster::RecordedEvent>& markerSrc = s.markerEvents ? *s.markerEvents : *s.events;
  std::vector<double> lastLabelY(static_cast<std::size_t>(s.nodes) + 1, -1e9);
  for (const auto& mk : l.markers) {
    const node::NodeEvent& e = markerSrc[mk.event].event;
    const double y = mk.at.y();
    if (isClusterWide(e)) {
      p.setPen(QPen(e.kind == node::EventKind::kHeal ? t.leader : t.cut, 1.5, Qt::DashLine));
      p.drawLine(QPointF(r.left() + axisW - 4, y), QPointF(r.right(), y));
      p.drawText(QRectF(r.left() + axisW, y - 14, r.width() - axisW, 13), Qt::AlignRight | Qt::AlignVCenter,
                 QString::fromLatin1(node::eventKindName(e.kind)) + QStringLiteral(" ") + QString::fromStdString(e.detail));
      continue;
    }
    Marker m;
    if (mk.node < 1 || static_cast<int>(mk.node) > s.nodes || !markerFor(e, t, m)) continue;
    const double x = mk.at.x();
    drawShape(p, QPointF(x, y), m.shape, m.color);
    if (y - lastLabelY[mk.node] >= 13) {
      lastLabelY[mk.node] = y;
      p.setPen(m.color);
      drawLine(p, QRectF(x + 9, y - 7, colW / 2 - 10, 14), Qt::AlignLeft | Qt::AlignVCenter,
               textCache().elided(m.text, fm, static_cast<int>(colW / 2 - 10)));
    }
  }
  p.restore();
  // What was folded, hidden or highlighted, said plainly.
  QStringList notes;
  if (l.heartbeatsBanded > 0) notes << QObject::tr("%1 heartbeats as bands").arg(l.heartbeatsBanded);
  if (l.hidden > 0) notes << QObject::tr("%1 messages of hidden kinds").arg(l.hidden);
  if (l.bundles > 0) notes << QObject::tr("%1 bundles").arg(l.bundles);
  if (l.heartbeatsFolded > 0) notes << QObject::tr("%1 heartbeats not drawn").arg(l.heartbeatsFolded);
  if (l.sampleEvery > 1) notes << QObject::tr("1 in %1 messages drawn").arg(l.sampleEvery);
  if (s.paused) notes << QObject::tr("paused");
  auto note = [&](const QString& text, double y, const QColor& color) {
    const QRectF box(r.left() + axisW, y, r.width() - axisW - 6, 14);
    const QString shown = fm.elidedText(text, Qt::ElideLeft, static_cast<int>(box.width()));
    const QRectF used = fm.boundingRect(box.toRect(), Qt::AlignRight | Qt::AlignVCenter, shown);
    QColor bg = t.background;
    bg.setAlphaF(0.85f);
    p.fillRect(used.adjusted(-3, 0, 3, 0), bg);
    p.setPen(color);
    p.drawText(box, Qt::AlignRight | Qt::AlignVCenter, shown);
  };
  if (!notes.isEmpty()) note(notes.join(QStringLiteral(" · ")), bottom - 16, t.mutedText);
  if (l.highlight > 0) {
    QString text = QObject::tr("following index %1: %2 messages, %3 fsyncs").arg(l.highlight).arg(l.chainArrows).arg(l.chainFlushes);
    if (l.chainWrites > 0) text += QObject::tr(", the reply");
    note(text + QObject::tr(" · Esc lets go"), bottom - (notes.isEmpty() ? 16 : 31), t.text);
  }
}

}  // namespace qlab::ui
