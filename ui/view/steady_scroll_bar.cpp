#include "ui/view/steady_scroll_bar.h"

#include <QStyle>
#include <QStyleOptionSlider>

namespace qlab::ui {

SteadyScrollBar::SteadyScrollBar(Qt::Orientation orientation, QWidget* parent) : QScrollBar(orientation, parent) {}

SteadyScrollBar::Look SteadyScrollBar::look() const {
  QStyleOptionSlider opt;
  initStyleOption(&opt);
  Look l;
  l.handle = style()->subControlRect(QStyle::CC_ScrollBar, &opt, QStyle::SC_ScrollBarSlider, this);
  l.atMinimum = value() == minimum();
  l.atMaximum = value() == maximum();
  return l;
}

bool SteadyScrollBar::unchanged() const {
  return m_hasPainted && isVisible() && !isSliderDown() && look() == m_painted;
}

void SteadyScrollBar::setState(int minimum, int maximum, int pageStep, int singleStep, int value) {
  m_batch = true;
  setRange(minimum, maximum);
  setPageStep(pageStep);
  if (singleStep > 0) setSingleStep(singleStep);
  setValue(value);
  m_batch = false;
  if (unchanged()) ++m_skipped;
  else update();
}

void SteadyScrollBar::sliderChange(SliderChange change) {
  if (change != SliderOrientationChange) {
    if (m_batch) return;  // setState decides at the end
    if (unchanged()) {
      ++m_skipped;
      return;
    }
  }
  QScrollBar::sliderChange(change);
}

void SteadyScrollBar::paintEvent(QPaintEvent* e) {
  m_painted = look();
  m_hasPainted = true;
  QScrollBar::paintEvent(e);
}

}  // namespace qlab::ui
