#pragma once
// PresentationMode (F11, View > Presentation mode): the explorer on a projector. Full screen;
// fonts half again as large; high-contrast colours and thick lines (Theme's presentation
// colours: white, black and saturated hues that survive a washed-out projector); only the
// log lanes, the cluster ring, the timeline and the lesson panel (the other docks come back
// as they were when it ends); and a big caption of the last thing that happened, six seconds
// long, over the views ("node 2 lost power: 37 unflushed entries gone").
#include <QByteArray>
#include <QFont>
#include <QObject>
#include <QPalette>

#include "ui/source/cluster_frame.h"

class QAction;

namespace qlab::ui {

class CaptionOverlay;
class MainWindow;

class PresentationMode : public QObject {
  Q_OBJECT
 public:
  explicit PresentationMode(MainWindow* window);
  QAction* action() const { return m_action; }
  bool on() const { return m_on; }
  void setOn(bool on);
  // Every frame (cheap when off): captions the frame's events against the one before.
  void noteFrame(const ClusterFrame& frame, const ClusterFrame& before);
  CaptionOverlay* captions() const { return m_captions; }

  static constexpr qreal kFontScale = 1.5;

 private:
  MainWindow* m_window;
  QAction* m_action;
  CaptionOverlay* m_captions;
  bool m_on = false;
  QByteArray m_state;
  QFont m_font;
  QPalette m_palette;
  bool m_wasFullScreen = false;
  int m_lostShown = 0;  // lost writes in the caption on screen
};

}  // namespace qlab::ui
