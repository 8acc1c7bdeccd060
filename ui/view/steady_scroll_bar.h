#pragma once
// SteadyScrollBar: a QScrollBar that repaints only when what it shows changed. A view that
// follows the present moves its scroll bar's range on every frame (30 Hz), and over a range of
// thousands that moves the handle by less than a pixel; QScrollBar repaints on every change all
// the same (Fusion's gradients: 6.5% of the GUI thread at full load, docs/BENCHMARKS.md
// "Explorer UI"). Here a range, step or value change repaints only when the handle's rectangle
// or the ends reached (the arrows' state) differ from what was painted last.
#include <QRect>
#include <QScrollBar>

namespace qlab::ui {

class SteadyScrollBar : public QScrollBar {
 public:
  explicit SteadyScrollBar(Qt::Orientation orientation, QWidget* parent = nullptr);
  // Range, steps and value at once (singleStep 0: unchanged), judged once at the end: a range
  // that grows before its value follows would otherwise look like a change.
  void setState(int minimum, int maximum, int pageStep, int singleStep, int value);
  // How many range, step or value changes were let go without a repaint (for tests).
  int skippedRepaints() const { return m_skipped; }

 protected:
  void sliderChange(SliderChange change) override;
  void paintEvent(QPaintEvent* e) override;

 private:
  struct Look {
    QRect handle;
    bool atMinimum = false, atMaximum = false;
    bool operator==(const Look&) const = default;
  };
  Look look() const;

  bool unchanged() const;

  Look m_painted;
  bool m_hasPainted = false;
  bool m_batch = false;
  int m_skipped = 0;
};

}  // namespace qlab::ui
