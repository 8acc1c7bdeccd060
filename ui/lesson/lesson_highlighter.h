#pragma once
// LessonHighlighter: points at the part of the window a lesson page names (its "watch"):
// the views draw their own pulsing outline (the HWM line, durable markers, lost writes, a
// node in the ring and its lane), other parts get a PulseOutline overlay, and the dock that
// holds the part is shown and raised (the inspector on its Segments tab, the timeline, the
// event log). A new page replaces the highlight; an unknown value highlights nothing.
#include <QObject>
#include <QPointer>
#include <QTimer>

#include "ui/lesson/watch.h"

class QWidget;

namespace qlab::ui {

class MainWindow;
class PulseOutline;

class LessonHighlighter : public QObject {
  Q_OBJECT
 public:
  explicit LessonHighlighter(MainWindow* window);
  ~LessonHighlighter() override;

  void show(const QString& watch);
  void clear();
  const Watch& current() const { return m_watch; }
  // The widget outlined by an overlay now (nullptr when the highlight is drawn by a view).
  QWidget* outlined() const;

 private:
  void showInLanes(const Watch& w);
  void showInRing(const Watch& w);
  void showWidget(const Watch& w);
  void outline(QWidget* target, QWidget* container = nullptr);
  void revealDockOf(QWidget* w);
  void scrollLanesToLwm();

  MainWindow* m_window;
  Watch m_watch;
  QPointer<PulseOutline> m_outline;
  QTimer m_lostRetry;  // the checker may not know the lost writes yet
  int m_lostTries = 0;
};

}  // namespace qlab::ui
