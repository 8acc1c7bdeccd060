#include "ui/view/captions.h"

#include <QEvent>
#include <QPainter>
#include <QTimer>

#include "ui/view/theme.h"

namespace qlab::ui {

namespace {

// How telling an event is: the caption is the highest ranked one of the frame.
int rank(node::EventKind k) {
  using K = node::EventKind;
  switch (k) {
    case K::kViolation: return 100;
    case K::kLostWrite: return 90;
    case K::kKill: return 80;
    case K::kTornTail: return 75;
    case K::kPartition: case K::kHeal: case K::kLinkFault: return 70;
    case K::kElected: return 60;
    case K::kTruncate: return 55;
    case K::kRestart: case K::kRecovery: return 50;
    case K::kPause: case K::kResume: return 45;
    case K::kFreeze: case K::kThaw: return 44;
    case K::kFlushPolicy: case K::kQuorumChange: return 40;
    case K::kSnapshotInstall: return 30;
    default: return 0;
  }
}

QString nodeName(NodeId n) { return QObject::tr("node %1").arg(n); }

}  // namespace

int lostWritesIn(const ClusterFrame& frame) {
  int n = 0;
  for (const auto& re : frame.events) n += re.event.kind == node::EventKind::kLostWrite;
  return n;
}

QString captionFor(const ClusterFrame& frame, const ClusterFrame& before, int lostBefore) {
  using K = node::EventKind;
  const node::NodeEvent* best = nullptr;
  const int lost = lostBefore + lostWritesIn(frame);
  for (const auto& re : frame.events) {
    const node::NodeEvent& e = re.event;
    if (rank(e.kind) > 0 && (!best || rank(e.kind) >= rank(best->kind))) best = &e;
  }
  if (!best) return {};
  const node::NodeEvent& e = *best;
  switch (e.kind) {
    case K::kViolation: return QObject::tr("Safety violated: %1").arg(QString::fromStdString(e.detail));
    case K::kLostWrite:
      return lost == 1 ? QObject::tr("An acknowledged write is lost (index %1): the client was told ok").arg(e.a)
                       : QObject::tr("%1 acknowledged writes are lost: their clients were told ok").arg(lost);
    case K::kKill: {
      const node::NodeView* v = before.view(e.node);
      const bool torn = e.detail.find("torn") != std::string::npos;
      const QString what = torn ? QObject::tr("%1 lost power mid-write").arg(nodeName(e.node))
                                : QObject::tr("%1 lost power").arg(nodeName(e.node));
      if (!v) return what;
      const Index unflushed = v->lastIndex > v->durableEnd ? v->lastIndex - v->durableEnd : 0;
      if (unflushed == 0) return QObject::tr("%1: nothing was unflushed, nothing is lost").arg(what);
      return QObject::tr("%1: %2 unflushed %3 gone").arg(what).arg(unflushed).arg(unflushed == 1 ? QObject::tr("entry") : QObject::tr("entries"));
    }
    case K::kTornTail: return QObject::tr("%1 cut a torn write at byte %2 while recovering").arg(nodeName(e.node)).arg(e.a);
    case K::kPartition: return QObject::tr("Network partition: %1").arg(QString::fromStdString(e.detail));
    case K::kHeal: return QObject::tr("The network is healed");
    case K::kLinkFault: return QObject::tr("Link fault: %1").arg(QString::fromStdString(e.detail));
    case K::kElected: return QObject::tr("%1 is the new leader (generation %2)").arg(nodeName(e.node)).arg(e.generation);
    case K::kTruncate:
      return QObject::tr("%1 drops entries %2 to %3: they were never committed").arg(nodeName(e.node)).arg(e.a + 1).arg(e.b);
    case K::kRestart: return QObject::tr("%1 restarts and recovers from its disk").arg(nodeName(e.node));
    case K::kRecovery:
      return e.b >= e.a && e.b > 0 ? QObject::tr("%1 recovered entries %2 to %3 from disk").arg(nodeName(e.node)).arg(e.a).arg(e.b)
                                   : QObject::tr("%1 recovered an empty log").arg(nodeName(e.node));
    case K::kPause: return QObject::tr("%1 is paused, like a long GC pause").arg(nodeName(e.node));
    case K::kResume: return QObject::tr("%1 resumes").arg(nodeName(e.node));
    case K::kFreeze: return QObject::tr("The whole cluster is frozen: what happens next?");
    case K::kThaw: return QObject::tr("The cluster goes on");
    case K::kFlushPolicy: return QObject::tr("%1 now flushes: %2").arg(nodeName(e.node), QString::fromStdString(e.detail));
    case K::kQuorumChange: return QObject::tr("Write quorum is now %1").arg(QString::fromStdString(e.detail));
    case K::kSnapshotInstall: return QObject::tr("%1 catches up from a snapshot").arg(nodeName(e.node));
    default: return {};
  }
}

CaptionOverlay::CaptionOverlay(QWidget* parent) : QWidget(parent), m_hide(new QTimer(this)) {
  setAttribute(Qt::WA_TransparentForMouseEvents);
  setAttribute(Qt::WA_NoSystemBackground);
  setObjectName(QStringLiteral("captionOverlay"));
  m_hide->setSingleShot(true);
  connect(m_hide, &QTimer::timeout, this, &QWidget::hide);
  parent->installEventFilter(this);
  hide();
}

void CaptionOverlay::showCaption(const QString& text) {
  if (text.isEmpty()) return;
  m_text = text;
  place();
  show();
  raise();
  update();
  m_hide->start(kShowMs);
}

void CaptionOverlay::place() {
  QFont f = parentWidget()->font();
  f.setPointSizeF(f.pointSizeF() * 1.25);
  f.setBold(true);
  setFont(f);
  const int maxW = std::max(200, parentWidget()->width() * 3 / 4);
  const QRect text = QFontMetrics(f).boundingRect(QRect(0, 0, maxW - 48, 2000), Qt::TextWordWrap | Qt::AlignCenter, m_text);
  const int w = text.width() + 48, h = text.height() + 24;
  // Low over the views, clear of the time bar and the status bar.
  setGeometry((parentWidget()->width() - w) / 2, parentWidget()->height() - h - 110, w, h);
}

bool CaptionOverlay::eventFilter(QObject* watched, QEvent* e) {
  if (watched == parentWidget() && e->type() == QEvent::Resize && isVisible()) place();
  return QWidget::eventFilter(watched, e);
}

void CaptionOverlay::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(Qt::NoPen);
  p.setBrush(QColor(0, 0, 0, 215));
  p.drawRoundedRect(rect(), 12, 12);
  p.setPen(Qt::white);
  p.drawText(rect().adjusted(24, 10, -24, -10), Qt::AlignCenter | Qt::TextWordWrap, m_text);
}

}  // namespace qlab::ui
