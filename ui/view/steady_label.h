#pragma once
// SteadyLabelBox: holds one QLabel whose text changes on every frame (an index, a counter) and
// keeps each change from re-laying out the whole window. QLabel::setText invalidates its parent's
// layout, and a layout inside a dock invalidates the main window's: at full load that relayout
// was 9% of the GUI thread (perf, docs/BENCHMARKS.md "Explorer UI"). Inside this box the label's
// parent has no layout: the box takes the label's layout request and passes it on only when the
// label's size hints (or its height at the box's width) actually changed. Where the background
// under it is the window's own, setAutoFillBackground(true) on the box also stops the label's
// repaint there instead of repainting every ancestor under it. The label stays a plain QLabel,
// found and read as before.
#include <QLabel>
#include <QWidget>

namespace qlab::ui {

class SteadyLabelBox : public QWidget {
 public:
  // Takes the label (reparented into the box); call after its word wrap and font are set.
  explicit SteadyLabelBox(QLabel* label, QWidget* parent = nullptr);
  QLabel* label() const { return m_label; }

  QSize sizeHint() const override { return m_hints.hint; }
  QSize minimumSizeHint() const override { return m_hints.min; }
  bool hasHeightForWidth() const override { return m_label->hasHeightForWidth(); }
  int heightForWidth(int w) const override { return m_label->heightForWidth(w); }

 protected:
  bool event(QEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;

 private:
  struct Hints {
    QSize hint, min;
    int height = -1;  // at the box's width, for a word-wrapped label
    bool operator==(const Hints&) const = default;
  };
  Hints current() const;
  void recheck();

  QLabel* m_label;
  Hints m_hints;
};

}  // namespace qlab::ui
