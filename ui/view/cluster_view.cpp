#include "ui/view/cluster_view.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <QContextMenuEvent>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include "core/replication/message.h"
#include "ui/source/frame_stats.h"
#include "ui/view/theme.h"

namespace qlab::ui {

namespace {
constexpr double kFlashMs = 1800;

QPointF lerp(QPointF a, QPointF b, double t) { return a + (b - a) * t; }

// A link's look for one direction, with its label ("120 ms", "drop 30%", "cut").
struct LinkLook {
  QPen pen;
  QString label;
};

LinkLook linkLook(const LinkInfo& l, const Theme& t) {
  if (l.cut) return {QPen(t.cut, t.pen(2), Qt::DashLine), QStringLiteral("cut")};
  QStringList parts;
  if (l.delayMs > 0) parts << QStringLiteral("%1 ms").arg(l.delayMs);
  if (l.drop > 0) parts << QStringLiteral("drop %1%").arg(qRound(l.drop * 100));
  if (!parts.isEmpty()) return {QPen(t.slow, t.pen(2), l.drop > 0 ? Qt::DotLine : Qt::SolidLine), parts.join(QLatin1String(", "))};
  return {QPen(t.grid, t.pen(1.5)), QString()};
}
}  // namespace

ClusterView::ClusterView(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setAttribute(Qt::WA_OpaquePaintEvent);
  m_clock.start();
  m_animation.setInterval(16);
  connect(&m_animation, &QTimer::timeout, this, [this] {
    if (m_animator.messages().empty() && m_flashes.empty()) m_animation.stop();
    // Busy (many sends flying) and frames arriving: each frame repaints, 30 times a second, and
    // the in-between repaints are left out (they doubled the view's cost at full load, where
    // the dots are a stream rather than messages to follow). A few dots, or frames not
    // coming (the poller stopped), keep the 60 Hz in-between repaints.
    if (m_animator.sendsInFlight() >= kBusySends &&
        static_cast<double>(m_clock.elapsed()) - m_lastFrameMs < kFramesArrivingMs)
      return;
    ++m_animationRepaints;
    update();
  });
  m_pulse.setInterval(kHighlightRepaintMs);
  connect(&m_pulse, &QTimer::timeout, this, qOverload<>(&QWidget::update));
}

void ClusterView::setSelectedNode(NodeId id) {
  m_selected = id;
  update();
}

void ClusterView::setHighlight(const NodeHighlight& h) {
  m_highlight = h;
  if (h.active()) m_pulse.start();
  else m_pulse.stop();
  update();
}

void ClusterView::paintHighlight(QPainter& p) const {
  if (m_highlight.mode == NodeHighlight::Mode::kAll) {
    paintHighlightRect(p, QRectF(rect()).adjusted(5, 5, -5, -5));
    return;
  }
  const double r = nodeRadius() + 9;
  for (const auto& v : m_frame.views)
    if (v && m_highlight.matches(*v, m_frame.leader))
      paintHighlightRect(p, QRectF(nodeCenter(v->id) - QPointF(r, r), QSizeF(2 * r, 2 * r)), r);
}

void ClusterView::setTimeScale(double scale) { m_animator.setTimeScale(scale); }

void ClusterView::updateFrame(const ClusterFrame& f) {
  if (f.sourceChanged) {
    m_animator.clear();
    m_flashes.clear();
  }
  const double now = static_cast<double>(m_clock.elapsed());
  const Theme t = Theme::forPalette(palette());
  for (const auto& re : f.events) {
    const node::NodeEvent& e = re.event;
    switch (e.kind) {
      case node::EventKind::kSend: {
        const LinkInfo l = f.link(e.node, e.peer);
        m_animator.add(e, now, l.cut, l.delayMs);
        break;
      }
      case node::EventKind::kElected:
        m_flashes.push_back({e.node, tr("elected, gen %1").arg(e.generation), t.leader, now});
        break;
      case node::EventKind::kElectionStarted:
        m_flashes.push_back({e.node, tr("candidate, gen %1").arg(e.generation), t.candidate, now});
        break;
      case node::EventKind::kKill:
        m_flashes.push_back({e.node, tr("killed"), t.failed, now});
        break;
      case node::EventKind::kRestart:
        m_flashes.push_back({e.node, tr("restarted"), t.follower, now});
        break;
      case node::EventKind::kTruncate:
        m_flashes.push_back({e.node, tr("cut %1..%2").arg(e.a + 1).arg(e.b), t.truncated, now});
        break;
      case node::EventKind::kSnapshotInstall:
        m_flashes.push_back({e.node, tr("snapshot %1 installed").arg(e.a), t.msgSnapshot, now});
        break;
      default:
        break;
    }
  }
  if (m_flashes.size() > 32) m_flashes.erase(m_flashes.begin(), m_flashes.end() - 32);
  m_frame = f.pictures();
  m_lastFrameMs = now;
  if (!m_animator.messages().empty() || !m_flashes.empty()) {
    if (!m_animation.isActive()) m_animation.start();
  }
  update();
}

double ClusterView::nodeRadius() const {
  const double side = std::min(width(), height());
  const double n = std::max(m_frame.size, 1);
  return std::clamp(side / (n <= 3 ? 10.0 : n <= 5 ? 12.0 : 15.0), 14.0, 40.0);
}

QPointF ClusterView::nodeCenter(NodeId id) const {
  const int n = std::max(m_frame.size, 1);
  const QPointF c(width() / 2.0, height() / 2.0 + 4);
  // Room for the title and legend (40 px) and a two-line caption (32 px) above and below.
  const double nr = nodeRadius();
  const double r = std::max(10.0, std::min((width() - 190.0) / 1.8, (height() - 60.0) / 2.0 - nr - 32.0));
  if (n == 1) return c;
  const double a = -std::numbers::pi / 2 + 2 * std::numbers::pi * (id - 1) / n;
  return c + QPointF(std::cos(a) * r, std::sin(a) * r);
}

NodeId ClusterView::nodeAt(QPointF p) const {
  const double r = nodeRadius();
  for (int i = 1; i <= m_frame.size; ++i) {
    const QPointF d = p - nodeCenter(static_cast<NodeId>(i));
    if (d.x() * d.x() + d.y() * d.y() <= r * r) return static_cast<NodeId>(i);
  }
  return kNoNode;
}

void ClusterView::paintLinks(QPainter& p, bool labels) const {
  const Theme t = Theme::forPalette(palette());
  QFont f = font();
  f.setPointSizeF(f.pointSizeF() * 0.85);
  p.setFont(f);
  for (int a = 1; a <= m_frame.size; ++a) {
    for (int b = a + 1; b <= m_frame.size; ++b) {
      const auto na = static_cast<NodeId>(a), nb = static_cast<NodeId>(b);
      const LinkInfo ab = m_frame.link(na, nb), ba = m_frame.link(nb, na);
      const QPointF pa = nodeCenter(na), pb = nodeCenter(nb);
      const QPointF dir = pb - pa;
      const double len = std::max(1.0, std::hypot(dir.x(), dir.y()));
      const QPointF normal(-dir.y() / len, dir.x() / len);
      auto draw = [&](const LinkInfo& l, QPointF off, bool arrow) {
        const LinkLook look = linkLook(l, t);
        p.setPen(look.pen);
        if (!labels) p.drawLine(pa + off, pb + off);
        if (arrow && !labels) {  // one-way fault: show which direction is degraded
          const QPointF tip = lerp(pa, pb, 0.62) + off, back = dir / len * 9.0;
          p.drawLine(tip, tip - back + normal * 5);
          p.drawLine(tip, tip - back - normal * 5);
        }
        if (!look.label.isEmpty() && labels) {
          const QPointF mid = lerp(pa, pb, 0.5) + off * 3.5;
          const QRectF box(mid.x() - 42, mid.y() - 9, 84, 18);
          p.setPen(QPen(look.pen.color(), t.pen(1)));
          p.setBrush(t.surface);
          p.drawRoundedRect(box, 4, 4);
          p.drawText(box, Qt::AlignCenter, look.label);
        }
      };
      if (ab == ba) draw(ab, {}, false);
      else {
        draw(ab, normal * 4, true);
        draw(ba, -normal * 4, false);
      }
    }
  }
}

void ClusterView::paintMessages(QPainter& p, double nowMs) const {
  const Theme t = Theme::forPalette(palette());
  QFont f = font();
  f.setPointSizeF(f.pointSizeF() * 0.75);
  p.setFont(f);
  const double nr = nodeRadius();
  for (const auto& m : m_animator.messages()) {
    if (m.from < 1 || m.to < 1 || static_cast<int>(m.from) > m_frame.size || static_cast<int>(m.to) > m_frame.size) continue;
    const QPointF a = nodeCenter(m.from), b = nodeCenter(m.to);
    const QPointF d = b - a;
    const double len = std::max(1.0, std::hypot(d.x(), d.y()));
    // Fly from rim to rim, on the sender's side of the link so both directions are seen.
    const QPointF off = QPointF(-d.y() / len, d.x() / len) * 5.0;
    const QPointF from = a + d / len * nr + off, to = b - d / len * nr + off;
    const double prog = MessageAnimator::progress(m, nowMs);
    const QPointF at = lerp(from, to, prog);
    QColor c = t.messageColor(m.type);
    const bool heartbeat = m.type == static_cast<std::uint8_t>(replication::MessageType::kHeartbeat) ||
                           m.type == static_cast<std::uint8_t>(replication::MessageType::kHeartbeatResponse);
    double radius = heartbeat ? 2.5 : m.type == static_cast<std::uint8_t>(replication::MessageType::kAppend) ? 4.5 : 3.5;
    if (m.dropped && prog >= 0.5) {
      const double fade = std::clamp(1.0 - (nowMs - m.startMs - m.durationMs * 0.5) / m.durationMs, 0.0, 1.0);
      c = t.cut;
      c.setAlphaF(static_cast<float>(fade));
      p.setPen(QPen(c, t.pen(2)));
      p.drawLine(at + QPointF(-5, -5), at + QPointF(5, 5));
      p.drawLine(at + QPointF(-5, 5), at + QPointF(5, -5));
      continue;
    }
    p.setPen(Qt::NoPen);
    p.setBrush(c);
    p.drawEllipse(at, radius, radius);
    if (m.count > 2 && m.type == static_cast<std::uint8_t>(replication::MessageType::kAppend)) {
      p.setPen(t.text);
      p.drawText(QRectF(at.x() + radius + 1, at.y() - 14, 40, 12), Qt::AlignLeft | Qt::AlignVCenter,
                 QStringLiteral("×%1").arg(m.count));
    }
  }
}

void ClusterView::paintNodes(QPainter& p, double nowMs) const {
  const Theme t = Theme::forPalette(palette());
  const double r = nodeRadius();
  QFont big = font();
  big.setPointSizeF(std::max(9.0, r * 0.55));
  big.setBold(true);
  QFont small = font();
  small.setPointSizeF(std::max(7.0, font().pointSizeF() * 0.85));
  for (const auto& vp : m_frame.views) {
    const node::NodeView& v = *vp;
    const QPointF c = nodeCenter(v.id);
    const QColor fill = t.roleColor(v);
    if (v.id == m_selected) {
      p.setPen(QPen(palette().color(QPalette::Highlight), 4));
      p.setBrush(Qt::NoBrush);
      p.drawEllipse(c, r + 5, r + 5);
    }
    Sprite sprite;
    sprite.center = c;
    sprite.radius = r;
    sprite.fill = fill.rgba();
    sprite.edge = fill.darker(t.dark ? 60 : 130).rgba();
    sprite.edgeWidth = t.pen(2);
    sprite.text = Theme::textOn(fill).rgba();
    sprite.bigFont = big.key();
    sprite.smallFont = small.key();
    sprite.id = QString::number(v.id);
    // Badge: role letter, or the status symbol when not running.
    switch (v.status) {
      case node::NodeStatus::kPaused: sprite.badge = QStringLiteral("❚❚"); break;
      case node::NodeStatus::kDead: sprite.badge = QStringLiteral("✕"); break;
      case node::NodeStatus::kFailed: sprite.badge = QStringLiteral("!"); break;
      case node::NodeStatus::kRunning:
        sprite.badge = v.role == replication::Role::kLeader ? QStringLiteral("L")
                       : v.role == replication::Role::kCandidate ? QStringLiteral("C") : QStringLiteral("F");
    }
    sprite.badgeEdge = t.surface.rgba();
    sprite.badgeEdgeWidth = t.pen(1);
    sprite.badgeFill = (v.status == node::NodeStatus::kRunning ? fill.darker(140) : t.failed).rgba();
    if (p.device() == this) {
      sprite.dpr = devicePixelRatioF();
      paintDiscCached(p, v.id, sprite, big, small);
    } else {
      paintDisc(p, sprite, big, small);
    }
    // Caption on the outer side of the node, away from the links inside the ring.
    const bool above = m_frame.size > 1 && c.y() < height() / 2.0 - r;
    const double cy = above ? c.y() - r - 34 : c.y() + r + 2;
    p.setPen(t.text);
    const QString line1 = tr("%1 · gen %2").arg(roleOrStatusName(v)).arg(v.generation);
    const QString line2 = tr("end %1 · durable %2").arg(v.lastIndex).arg(v.durableEnd);
    p.drawText(QRectF(c.x() - 90, cy, 180, 16), Qt::AlignHCenter | Qt::AlignTop, line1);
    p.setPen(t.mutedText);
    p.drawText(QRectF(c.x() - 90, cy + 15, 180, 16), Qt::AlignHCenter | Qt::AlignTop, line2);
  }
  for (const auto& fl : m_flashes) {
    const double age = (nowMs - fl.startMs) / kFlashMs;
    if (age < 0 || age > 1 || static_cast<int>(fl.node) > m_frame.size || fl.node < 1) continue;
    const QPointF c = nodeCenter(fl.node);
    QColor col = fl.color;
    col.setAlphaF(static_cast<float>(1 - age));
    p.setPen(QPen(col, t.pen(3)));
    p.setBrush(Qt::NoBrush);
    p.drawEllipse(c, r + 6 + age * 18, r + 6 + age * 18);
    p.setFont(small);
    const bool above = m_frame.size > 1 && c.y() < height() / 2.0 - r;
    const double ty = above ? c.y() + r + 8 + age * 10 : c.y() - r - 26 - age * 10;
    p.drawText(QRectF(c.x() - 90, ty, 180, 16), Qt::AlignCenter, fl.text);
  }
}

void ClusterView::paintDisc(QPainter& p, const Sprite& s, const QFont& big, const QFont& small) {
  const QPointF c = s.center;
  const double r = s.radius;
  p.setPen(QPen(QColor::fromRgba(s.edge), s.edgeWidth));
  p.setBrush(QColor::fromRgba(s.fill));
  p.drawEllipse(c, r, r);
  p.setPen(QColor::fromRgba(s.text));
  p.setFont(big);
  p.drawText(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r), Qt::AlignCenter, s.id);
  const QRectF br(c.x() + r * 0.55, c.y() - r * 0.95, 22, 18);
  p.setPen(QPen(QColor::fromRgba(s.badgeEdge), s.badgeEdgeWidth));
  p.setBrush(QColor::fromRgba(s.badgeFill));
  p.drawRoundedRect(br, 5, 5);
  p.setPen(Qt::white);
  p.setFont(small);
  p.drawText(br, Qt::AlignCenter, s.badge);
}

void ClusterView::paintDiscCached(QPainter& p, NodeId id, const Sprite& s, const QFont& big, const QFont& small) const {
  if (m_sprites.size() < id) m_sprites.resize(id);
  CachedSprite& cached = m_sprites[id - 1];
  if (cached.pixmap.isNull() || !(cached.key == s)) {
    // Everything paintDisc touches, with a pixel to spare for the antialiasing.
    const double reach = s.radius + s.edgeWidth + 1;
    const QRectF br(s.center.x() + s.radius * 0.55, s.center.y() - s.radius * 0.95, 22, 18);
    const QRectF bounds =
        QRectF(s.center - QPointF(reach, reach), QSizeF(2 * reach, 2 * reach)).united(br.adjusted(-2, -2, 2, 2));
    const QPoint origin(static_cast<int>(std::floor(bounds.left())), static_cast<int>(std::floor(bounds.top())));
    const QSize size(static_cast<int>(std::ceil(bounds.right())) - origin.x() + 1,
                     static_cast<int>(std::ceil(bounds.bottom())) - origin.y() + 1);
    QPixmap pm(size * s.dpr);
    pm.setDevicePixelRatio(s.dpr);
    pm.fill(Qt::transparent);
    QPainter sp(&pm);
    sp.setRenderHints(p.renderHints());
    sp.translate(-origin);  // the same coordinates as on the widget, fractions and all
    paintDisc(sp, s, big, small);
    sp.end();
    cached = {s, std::move(pm), origin};
  }
  p.drawPixmap(cached.origin, cached.pixmap);
}

void ClusterView::paintLegend(QPainter& p) const {
  const Theme t = Theme::forPalette(palette());
  QFont f = font();
  f.setPointSizeF(f.pointSizeF() * 0.8);
  p.setFont(f);
  const QFontMetrics fm(f);
  using replication::MessageType;
  const std::pair<MessageType, QString> kinds[] = {
      {MessageType::kAppend, tr("append")}, {MessageType::kAppendResponse, tr("ack")},
      {MessageType::kVoteRequest, tr("vote")}, {MessageType::kHeartbeat, tr("heartbeat")},
      {MessageType::kSnapshotChunk, tr("snapshot")}};
  double x = 8;
  const double y = height() - 16;
  for (const auto& [type, name] : kinds) {
    p.setPen(Qt::NoPen);
    p.setBrush(t.messageColor(static_cast<std::uint8_t>(type)));
    p.drawEllipse(QPointF(x + 4, y + 6), 4, 4);
    p.setPen(t.mutedText);
    p.drawText(QPointF(x + 11, y + 10), name);
    x += 18 + fm.horizontalAdvance(name);
  }
  QString top = m_frame.leader ? tr("leader: node %1").arg(m_frame.leader) : tr("no leader");
  top += tr("  ·  HWM %1  ·  W=%2 of %3").arg(m_frame.hwm).arg(m_frame.effectiveWriteQuorum()).arg(m_frame.size);
  if (m_animator.timeScale() > 1.01) top += tr("  ·  slow motion %1×").arg(m_animator.timeScale(), 0, 'g', 3);
  p.setPen(t.text);
  p.drawText(QRectF(8, 4, width() - 16, 18), Qt::AlignLeft | Qt::AlignVCenter, top);
}

void ClusterView::paintEvent(QPaintEvent*) {
  PaintTimer timer("paint.cluster");
  const double now = static_cast<double>(m_clock.elapsed());
  m_animator.advance(now);
  std::erase_if(m_flashes, [&](const Flash& f) { return now - f.startMs > kFlashMs; });
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Base));
  p.setRenderHint(QPainter::Antialiasing);
  if (m_frame.size == 0) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(rect(), Qt::AlignCenter, tr("No cluster"));
    return;
  }
  paintLinks(p, false);
  paintMessages(p, now);
  paintLinks(p, true);  // labels over the messages
  paintNodes(p, now);
  paintLegend(p);
  paintHighlight(p);
}

void ClusterView::mousePressEvent(QMouseEvent* e) {
  if (e->button() != Qt::LeftButton) return;
  if (NodeId id = nodeAt(e->position()); id != kNoNode) {
    setSelectedNode(id);
    emit nodeClicked(id);
  }
}

void ClusterView::contextMenuEvent(QContextMenuEvent* e) {
  if (NodeId id = nodeAt(e->pos()); id != kNoNode) {
    setSelectedNode(id);
    emit nodeClicked(id);
    emit nodeContextMenuRequested(id, e->globalPos());
  }
}

QString ClusterView::tooltipFor(NodeId id) const {
  const node::NodeView* v = m_frame.view(id);
  if (!v) return {};
  QString s = tr("<b>Node %1</b>: %2, generation %3<br>log %4..%5, durable end %6, HWM %7, applied %8<br>"
                 "flush: %9")
                  .arg(v->id).arg(roleOrStatusName(*v)).arg(v->generation).arg(v->firstIndex).arg(v->lastIndex)
                  .arg(v->durableEnd).arg(v->hwm).arg(v->applied)
                  .arg(QString::fromLatin1(wal::flushModeName(v->flush.mode)));
  if (!v->failure.empty()) s += tr("<br>failed: %1").arg(QString::fromStdString(v->failure).toHtmlEscaped());
  return s + tr("<br><i>Click to inspect, right-click for actions.</i>");
}

bool ClusterView::event(QEvent* e) {
  if (e->type() == QEvent::ToolTip) {
    auto* he = static_cast<QHelpEvent*>(e);
    const QString text = tooltipFor(nodeAt(he->pos()));
    if (text.isEmpty()) QToolTip::hideText();
    else QToolTip::showText(he->globalPos(), text, this);
    return true;
  }
  return QWidget::event(e);
}

}  // namespace qlab::ui
