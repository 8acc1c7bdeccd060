#pragma once
// PulseOutline: the lesson highlight for an ordinary widget (a dock's content, a group of
// controls, one button). A transparent overlay, child of `container` (the target itself by
// default, or an ancestor with room around a small target), that follows the target's
// geometry, lets every click through and draws the pulsing accent outline (highlight.h).
// Deleting it stops the pulse.
#include <QPointer>
#include <QTimer>
#include <QWidget>

namespace qlab::ui {

class PulseOutline : public QWidget {
  Q_OBJECT
 public:
  explicit PulseOutline(QWidget* target, QWidget* container = nullptr);
  QWidget* target() const { return m_target; }

 protected:
  void paintEvent(QPaintEvent* e) override;
  bool eventFilter(QObject* watched, QEvent* e) override;

 private:
  void follow();

  QPointer<QWidget> m_target;
  QPointer<QWidget> m_container;
  QTimer m_pulse;
};

}  // namespace qlab::ui
