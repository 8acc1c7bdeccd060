#include "ui/window/presentation_mode.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QStyle>
#include <QToolBar>

#include "ui/view/captions.h"
#include "ui/view/theme.h"
#include "ui/window/main_window.h"

namespace qlab::ui {

PresentationMode::PresentationMode(MainWindow* window)
    : QObject(window), m_window(window), m_captions(new CaptionOverlay(window)) {
  m_action = new QAction(tr("&Presentation mode"), this);
  m_action->setCheckable(true);
  m_action->setShortcut(Qt::Key_F11);
  m_action->setToolTip(tr("For a projector: full screen, large type, thick lines, high contrast, only the log "
                          "lanes, the ring, the timeline and the lesson, and a big caption of what just happened. "
                          "F11 again to leave."));
  m_action->setStatusTip(m_action->toolTip());
  connect(m_action, &QAction::toggled, this, &PresentationMode::setOn);
}

void PresentationMode::setOn(bool on) {
  if (on == m_on) return;
  m_on = on;
  if (m_action->isChecked() != on) m_action->setChecked(on);
  if (on) {
    m_state = m_window->saveState();
    m_font = QApplication::font();
    m_palette = QApplication::palette();
    m_wasFullScreen = m_window->isFullScreen();
    QFont big = m_font;
    big.setPointSizeF(m_font.pointSizeF() * kFontScale);
    QApplication::setFont(big);
    setPresentationColours(true);
    QPalette light = QApplication::style()->standardPalette();
    light.setColor(QPalette::Window, Qt::white);
    light.setColor(QPalette::Base, Qt::white);
    light.setColor(QPalette::WindowText, Qt::black);
    light.setColor(QPalette::Text, Qt::black);
    light.setColor(QPalette::ButtonText, Qt::black);
    QApplication::setPalette(light);
    static const QStringList kKept = {QStringLiteral("clusterDock"), QStringLiteral("timelineDock"),
                                      QStringLiteral("lessonDock")};
    for (QDockWidget* d : m_window->findChildren<QDockWidget*>())
      if (!kKept.contains(d->objectName()) && d->isVisible()) d->hide();
    if (!m_wasFullScreen) m_window->showFullScreen();
    m_window->showStatus(tr("Presentation mode: F11 to leave"), 4000);
  } else {
    QApplication::setFont(m_font);
    setPresentationColours(false);
    QApplication::setPalette(m_palette);
    m_window->restoreState(m_state);
    if (!m_wasFullScreen) m_window->showNormal();
    m_captions->hide();
  }
  m_window->update();
  for (QWidget* w : m_window->findChildren<QWidget*>()) w->update();
}

void PresentationMode::noteFrame(const ClusterFrame& frame, const ClusterFrame& before) {
  if (!m_on || frame.events.empty() || frame.sourceChanged) return;
  const int lost = lostWritesIn(frame);
  // Losses found over several frames add up while their caption is on screen.
  const int before_ = lost > 0 && m_captions->isVisible() ? m_lostShown : 0;
  const QString caption = captionFor(frame, before, before_);
  if (caption.isEmpty()) return;
  m_lostShown = lost > 0 ? before_ + lost : 0;
  m_captions->showCaption(caption);
}

}  // namespace qlab::ui
