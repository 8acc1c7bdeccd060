#pragma once
// Captions: one sentence, in plain words, for what just happened to the cluster, big enough
// to read from the back of a lecture hall ("node 2 lost power: 37 unflushed entries gone").
// Pure: from the events of one frame and the pictures just before them. CaptionOverlay shows
// the newest one over the views in presentation mode.
#include <QString>
#include <QWidget>

#include "ui/source/cluster_frame.h"

class QTimer;

namespace qlab::ui {

// The caption for the events of `frame`, judged against `before` (the previous frame's
// pictures: what a killed node held unflushed). Empty when nothing worth a caption happened.
// Several events in one frame: the most telling one; lost writes are counted, plus
// `lostBefore` (losses of the frames just before, still on screen: the checker finds a
// batch of losses over several frames).
QString captionFor(const ClusterFrame& frame, const ClusterFrame& before, int lostBefore = 0);
int lostWritesIn(const ClusterFrame& frame);

class CaptionOverlay : public QWidget {
  Q_OBJECT
 public:
  explicit CaptionOverlay(QWidget* parent);
  void showCaption(const QString& text);
  QString text() const { return m_text; }
  static constexpr int kShowMs = 6000;

 protected:
  void paintEvent(QPaintEvent* e) override;
  bool eventFilter(QObject* watched, QEvent* e) override;

 private:
  void place();
  QString m_text;
  QTimer* m_hide;
};

}  // namespace qlab::ui
