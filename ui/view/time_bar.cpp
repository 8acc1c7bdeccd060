#include "ui/view/time_bar.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QStyle>
#include <QToolButton>
#include <QToolTip>

#include "ui/view/theme.h"

namespace qlab::ui {

namespace {

QColor markColor(const Theme& t, node::EventKind k) {
  using K = node::EventKind;
  switch (k) {
    case K::kElected: return t.leader;
    case K::kLostWrite:
    case K::kViolation: return t.lost;
    case K::kFreeze:
    case K::kThaw: return t.mutedText;
    case K::kPartition:
    case K::kHeal:
    case K::kLinkFault: return t.cut;
    default: return t.violation;  // kills, restarts, pauses, flush and quorum changes
  }
}

QString secondsText(std::int64_t us) { return QString::number(static_cast<double>(us) / 1e6, 'f', 3) + QStringLiteral(" s"); }

}  // namespace

TimeTrack::TimeTrack(TimeTravel* time, QWidget* parent) : QWidget(parent), m_time(time) {
  setFocusPolicy(Qt::StrongFocus);
  setMouseTracking(true);
  setToolTip(tr("The whole run. Click or drag to see the cluster at that moment; the cluster keeps running.\n"
                "Left/Right: one event back/forward · Ctrl+Left/Right: previous/next fault or election\n"
                "Home: the start · End: live · Space: play/pause"));
  connect(time, &TimeTravel::changed, this, qOverload<>(&QWidget::update));
}

QRect TimeTrack::trackRect() const { return rect().adjusted(6, 4, -6, -4); }

std::int64_t TimeTrack::timeAt(int x) const {
  const QRect r = trackRect();
  const double f = std::clamp(static_cast<double>(x - r.left()) / std::max(1, r.width()), 0.0, 1.0);
  return m_time->startUs() + static_cast<std::int64_t>(f * static_cast<double>(m_time->endUs() - m_time->startUs()));
}

int TimeTrack::xOf(std::int64_t tUs) const {
  const QRect r = trackRect();
  const double span = std::max<double>(1, static_cast<double>(m_time->endUs() - m_time->startUs()));
  const double f = std::clamp(static_cast<double>(tUs - m_time->startUs()) / span, -1.0, 2.0);
  return r.left() + static_cast<int>(f * r.width());
}

QString TimeTrack::markAt(int x) const {
  QString best;
  int bestDx = 5;
  for (const auto& m : m_time->markers()) {
    const int dx = std::abs(xOf(m.tUs) - x);
    if (dx <= bestDx) {
      bestDx = dx;
      best = secondsText(m.tUs - m_time->startUs()) + QStringLiteral(": ") + QString::fromStdString(m.text);
    }
  }
  for (const auto& m : m_time->moments()) {
    const int dx = std::abs(xOf(m.tUs) - x);
    if (dx <= bestDx) {
      bestDx = dx;
      best = secondsText(m.tUs - m_time->startUs()) + QStringLiteral(": ") + QString::fromStdString(m.name);
    }
  }
  return best;
}

void TimeTrack::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing, false);
  const Theme t = Theme::current();
  const QRect r = trackRect();
  p.fillRect(rect(), t.surface);
  p.fillRect(r.adjusted(0, r.height() / 2 - 2, 0, -(r.height() / 2 - 2)), t.grid);
  if (!m_time->hasRun()) {
    p.setPen(t.mutedText);
    p.drawText(r, Qt::AlignCenter, tr("not recording"));
    return;
  }
  for (const auto& m : m_time->markers()) {
    const int x = xOf(m.tUs);
    p.setPen(QPen(markColor(t, m.kind), 2));
    const bool tall = m.kind != node::EventKind::kElected;
    p.drawLine(x, tall ? r.top() : r.top() + r.height() / 4, x, tall ? r.bottom() : r.bottom() - r.height() / 4);
  }
  for (const auto& m : m_time->moments()) {
    const int x = xOf(m.tUs);
    p.setPen(QPen(t.committed, 3));
    p.drawLine(x, r.top(), x, r.bottom());
  }
  // The cursor: a handle; at the live edge when live.
  const int cx = xOf(m_time->cursorUs());
  const QColor c = m_time->isLive() ? t.leader : t.text;
  p.setRenderHint(QPainter::Antialiasing, true);
  p.setPen(QPen(c, 2));
  p.drawLine(cx, rect().top() + 1, cx, rect().bottom() - 1);
  p.setBrush(c);
  p.drawEllipse(QPoint(cx, r.center().y()), 5, 5);
  if (hasFocus()) {
    p.setPen(QPen(t.mutedText, 1, Qt::DotLine));
    p.setBrush(Qt::NoBrush);
    p.drawRect(rect().adjusted(0, 0, -1, -1));
  }
}

void TimeTrack::mousePressEvent(QMouseEvent* e) {
  if (e->button() != Qt::LeftButton) return;
  m_time->setPlaying(false);
  m_time->seekUs(timeAt(e->position().toPoint().x()));
}

void TimeTrack::mouseMoveEvent(QMouseEvent* e) {
  if (e->buttons() & Qt::LeftButton) m_time->seekUs(timeAt(e->position().toPoint().x()));
}

bool TimeTrack::event(QEvent* e) {
  // With the track focused, its keys are its own, even where the window has a shortcut.
  if (e->type() == QEvent::ShortcutOverride) {
    switch (static_cast<QKeyEvent*>(e)->key()) {
      case Qt::Key_Left: case Qt::Key_Right: case Qt::Key_Home: case Qt::Key_End: case Qt::Key_Space:
        e->accept();
        return true;
      default: break;
    }
  }
  if (e->type() == QEvent::ToolTip) {
    auto* he = static_cast<QHelpEvent*>(e);
    const QString mark = markAt(he->pos().x());
    QToolTip::showText(he->globalPos(), mark.isEmpty() ? toolTip() : mark, this);
    return true;
  }
  return QWidget::event(e);
}

void TimeTrack::keyPressEvent(QKeyEvent* e) {
  const bool ctrl = e->modifiers() & Qt::ControlModifier;
  switch (e->key()) {
    case Qt::Key_Left: ctrl ? m_time->jumpMarker(-1) : m_time->stepEvent(-1); break;
    case Qt::Key_Right: ctrl ? m_time->jumpMarker(+1) : m_time->stepEvent(+1); break;
    case Qt::Key_Home: m_time->seekUs(m_time->startUs()); break;
    case Qt::Key_End: m_time->goLive(); break;
    case Qt::Key_Space: m_time->setPlaying(!m_time->playing()); break;
    default: QWidget::keyPressEvent(e); return;
  }
  e->accept();
}

TimeBar::TimeBar(TimeTravel* time, QWidget* parent) : QWidget(parent), m_time(time) {
  setObjectName(QStringLiteral("timeBar"));
  auto* l = new QHBoxLayout(this);
  l->setContentsMargins(6, 2, 6, 2);
  l->setSpacing(2);
  auto button = [&](QStyle::StandardPixmap icon, const QString& text, const QString& tip) {
    auto* b = new QToolButton(this);
    b->setText(text);
    if (icon != QStyle::SP_CustomBase) b->setIcon(style()->standardIcon(icon));
    b->setToolTip(tip);
    b->setAutoRaise(true);
    l->addWidget(b);
    return b;
  };
  m_prevMark = button(QStyle::SP_MediaSkipBackward, tr("Previous mark"), tr("Previous fault, election or marked moment (Ctrl+Left on the track)"));
  m_back = button(QStyle::SP_MediaSeekBackward, tr("Step back"), tr("One event back (Left on the track)"));
  m_play = button(QStyle::SP_MediaPlay, tr("Play"), tr("Play from the cursor at the chosen speed (Space on the track)"));
  m_forward = button(QStyle::SP_MediaSeekForward, tr("Step forward"), tr("One event forward (Right on the track)"));
  m_nextMark = button(QStyle::SP_MediaSkipForward, tr("Next mark"), tr("Next fault, election or marked moment (Ctrl+Right on the track)"));
  m_track = new TimeTrack(time, this);
  l->addWidget(m_track, 1);
  m_label = new QLabel(this);
  m_label->setMinimumWidth(190);
  m_label->setToolTip(tr("The moment every view shows, in seconds since the run began."));
  l->addWidget(m_label);
  m_speed = new QComboBox(this);
  for (double x : TimeTravel::kSpeeds) m_speed->addItem(QString::number(x) + QStringLiteral("x"), x);
  m_speed->setCurrentIndex(3);
  m_speed->setToolTip(tr("Playback speed: 0.1x to follow single messages, 10x to skim a long run."));
  l->addWidget(m_speed);
  m_live = button(QStyle::SP_CustomBase, tr("Live"), tr("Back to the present (End on the track)"));
  m_live->setCheckable(true);

  connect(m_prevMark, &QToolButton::clicked, time, [time] { time->jumpMarker(-1); });
  connect(m_nextMark, &QToolButton::clicked, time, [time] { time->jumpMarker(+1); });
  connect(m_back, &QToolButton::clicked, time, [time] { time->stepEvent(-1); });
  connect(m_forward, &QToolButton::clicked, time, [time] { time->stepEvent(+1); });
  connect(m_play, &QToolButton::clicked, time, [time] { time->setPlaying(!time->playing()); });
  connect(m_live, &QToolButton::clicked, time, [time] { time->goLive(); });
  connect(m_speed, &QComboBox::currentIndexChanged, time, [this, time] { time->setSpeed(m_speed->currentData().toDouble()); });
  connect(time, &TimeTravel::changed, this, &TimeBar::sync);
  sync();
}

QString TimeBar::label() const {
  if (!m_time->hasRun()) return tr("not recording");
  const std::int64_t start = m_time->startUs();
  if (m_time->isLive()) return tr("LIVE  %1").arg(secondsText(m_time->endUs() - start));
  return tr("%1 of %2").arg(secondsText(m_time->cursorUs() - start), secondsText(m_time->endUs() - start));
}

void TimeBar::sync() {
  const bool run = m_time->hasRun();
  for (QToolButton* b : {m_prevMark, m_back, m_play, m_forward, m_nextMark}) b->setEnabled(run);
  m_forward->setEnabled(run && !m_time->isLive());
  m_play->setEnabled(run && !m_time->isLive());
  m_play->setIcon(style()->standardIcon(m_time->playing() ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
  m_play->setText(m_time->playing() ? tr("Pause") : tr("Play"));
  m_live->setEnabled(m_time->liveAttached());
  m_live->setChecked(m_time->isLive());
  m_label->setText(label());
}

}  // namespace qlab::ui
