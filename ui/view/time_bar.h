#pragma once
// TimeBar: the strip under the views that moves time (ui/source/time_travel.h). A track over
// the whole recorded run with its marks (faults in red, elections in blue, losses in orange,
// named moments in green) and the cursor; click or drag to go there. Buttons: previous mark,
// one event back, play/pause, one event forward, next mark, the speed, and Live. With the
// track focused: Left/Right step one event, Ctrl+Left/Right jump mark to mark, Home the start,
// End live, Space play. Hovering a mark names it.
#include <QWidget>

#include "ui/source/time_travel.h"

class QComboBox;
class QLabel;
class QToolButton;

namespace qlab::ui {

class TimeTrack : public QWidget {
  Q_OBJECT
 public:
  explicit TimeTrack(TimeTravel* time, QWidget* parent = nullptr);
  QSize sizeHint() const override { return {400, 30}; }
  QSize minimumSizeHint() const override { return {120, 26}; }
  // The time under x (for tests) and the x of a time.
  std::int64_t timeAt(int x) const;
  int xOf(std::int64_t tUs) const;
  // The mark nearest to x within a few pixels, as its words ("" when none).
  QString markAt(int x) const;

 protected:
  void paintEvent(QPaintEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;
  bool event(QEvent* e) override;

 private:
  QRect trackRect() const;
  TimeTravel* m_time;
};

class TimeBar : public QWidget {
  Q_OBJECT
 public:
  explicit TimeBar(TimeTravel* time, QWidget* parent = nullptr);
  TimeTrack* track() const { return m_track; }
  QToolButton* liveButton() const { return m_live; }
  QToolButton* playButton() const { return m_play; }
  QLabel* timeLabel() const { return m_label; }
  // The words of the time label ("12.345 s of 60.000 s", "LIVE 61.2 s").
  QString label() const;

 private:
  void sync();
  TimeTravel* m_time;
  TimeTrack* m_track;
  QToolButton *m_prevMark, *m_back, *m_play, *m_forward, *m_nextMark, *m_live;
  QComboBox* m_speed;
  QLabel* m_label;
};

}  // namespace qlab::ui
