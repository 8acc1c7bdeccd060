#include "ui/view/steady_label.h"

#include <QEvent>
#include <QResizeEvent>

namespace qlab::ui {

SteadyLabelBox::SteadyLabelBox(QLabel* label, QWidget* parent) : QWidget(parent), m_label(label) {
  m_label->setParent(this);
  setSizePolicy(m_label->sizePolicy());
  m_hints = current();
}

SteadyLabelBox::Hints SteadyLabelBox::current() const {
  Hints h;
  h.hint = m_label->sizeHint();
  h.min = m_label->minimumSizeHint();
  if (m_label->hasHeightForWidth() && width() > 0) h.height = m_label->heightForWidth(width());
  return h;
}

void SteadyLabelBox::recheck() {
  const Hints now = current();
  if (now == m_hints) return;
  m_hints = now;
  updateGeometry();
}

bool SteadyLabelBox::event(QEvent* e) {
  switch (e->type()) {
    case QEvent::LayoutRequest:  // the label's text, font or style changed
    case QEvent::Show:           // hidden, the label asked nobody
    case QEvent::FontChange:
    case QEvent::StyleChange:
      recheck();
      break;
    default:
      break;
  }
  return QWidget::event(e);
}

void SteadyLabelBox::resizeEvent(QResizeEvent* e) {
  QWidget::resizeEvent(e);
  m_label->setGeometry(rect());
  if (m_label->hasHeightForWidth()) m_hints.height = m_label->heightForWidth(width());
}

}  // namespace qlab::ui
