// PulseOutline: a click-through overlay that outlines a widget with the lesson pulse.
#include "ui/view/pulse_outline.h"

#include <QEvent>
#include <QPainter>

#include "ui/view/highlight.h"

namespace qlab::ui {

namespace {
constexpr int kMarginPx = 6;  // room around a small target, inside its container
}

PulseOutline::PulseOutline(QWidget* target, QWidget* container)
    : QWidget(container ? container : target), m_target(target), m_container(container ? container : target) {
  setObjectName(QStringLiteral("lessonHighlight"));
  setAttribute(Qt::WA_TransparentForMouseEvents);
  setAttribute(Qt::WA_NoSystemBackground);
  setFocusPolicy(Qt::NoFocus);
  if (target) target->installEventFilter(this);
  if (m_container && m_container != m_target) m_container->installEventFilter(this);
  follow();
  show();
  raise();
  m_pulse.setInterval(kHighlightRepaintMs);
  connect(&m_pulse, &QTimer::timeout, this, qOverload<>(&QWidget::update));
  m_pulse.start();
}

void PulseOutline::follow() {
  if (!m_target || !m_container) return;
  if (m_target == m_container) {
    setGeometry(m_target->rect());
    return;
  }
  const QRect r(m_target->mapTo(m_container, QPoint(0, 0)), m_target->size());
  setGeometry(r.adjusted(-kMarginPx, -kMarginPx, kMarginPx, kMarginPx).intersected(m_container->rect()));
}

bool PulseOutline::eventFilter(QObject* watched, QEvent* e) {
  const auto t = e->type();
  if (t == QEvent::Resize || t == QEvent::Move || t == QEvent::Show || t == QEvent::LayoutRequest) {
    follow();
    raise();
  }
  // Children added later (a scroll area's viewport) must not cover the outline.
  if (t == QEvent::ChildAdded && watched == m_container) raise();
  return QWidget::eventFilter(watched, e);
}

void PulseOutline::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const int inset = m_target == m_container ? 5 : 3;
  paintHighlightRect(p, QRectF(rect()).adjusted(inset, inset, -inset, -inset));
}

}  // namespace qlab::ui
