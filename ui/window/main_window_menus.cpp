// MainWindow's menus: File (scenarios, export, images, data directories), Node, Cluster,
// Lessons, View (docks, theme, animation) and Help (shortcuts).
#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QDockWidget>
#include <QMenuBar>
#include <QToolBar>
#include <QMessageBox>
#include <QPushButton>

#include "ui/lesson/lesson_controller.h"
#include "ui/lesson/lesson_panel.h"
#include "ui/view/cluster_actions.h"
#include "ui/view/controls_panel.h"
#include "ui/view/log_lanes_view.h"
#include "ui/view/timeline_view.h"
#include "ui/window/file_actions.h"
#include "ui/window/main_window.h"
#include "ui/window/presentation_mode.h"

namespace qlab::ui {

namespace {
QString shortcutTable(const QList<QAction*>& actions) {
  QString rows;
  for (QAction* a : actions) {
    if (a->shortcut().isEmpty()) continue;
    QString text = a->text();
    text.remove(QLatin1Char('&'));
    rows += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
                .arg(a->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped(), text.toHtmlEscaped());
  }
  return QStringLiteral("<table cellspacing=4>%1</table>").arg(rows);
}
}  // namespace

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->setToolTipsVisible(true);
  for (QAction* a : m_files->actions()) {
    if (!a) file->addSeparator();
    else file->addAction(a);
  }
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
  quit->setMenuRole(QAction::QuitRole);

  QMenu* nodeMenu = menuBar()->addMenu(tr("&Node"));
  nodeMenu->setToolTipsVisible(true);
  for (QAction* a : {m_actions->kill(), m_actions->killTorn(), m_actions->crash(), m_actions->restart(), m_actions->pause()})
    nodeMenu->addAction(a);
  nodeMenu->addSeparator();
  nodeMenu->addAction(m_actions->flushNow());
  for (auto m : {wal::FlushMode::kAlways, wal::FlushMode::kGroup, wal::FlushMode::kDelayed, wal::FlushMode::kManual})
    nodeMenu->addAction(m_actions->policy(m));
  nodeMenu->addSeparator();
  nodeMenu->addAction(m_actions->campaign());
  nodeMenu->addAction(m_actions->dropResponses());
  QMenu* select = nodeMenu->addMenu(tr("Select"));
  for (QAction* a : m_actions->selectNode()) select->addAction(a);

  QMenu* clusterMenu = menuBar()->addMenu(tr("&Cluster"));
  clusterMenu->setToolTipsVisible(true);
  clusterMenu->addAction(m_actions->freeze());
  QToolBar* time = addToolBar(tr("Time"));
  time->setObjectName(QStringLiteral("timeToolBar"));  // saved with the window state
  time->setMovable(false);
  time->addAction(m_actions->freeze());
  clusterMenu->addAction(m_actions->load());
  clusterMenu->addAction(m_actions->heal());
  clusterMenu->addSeparator();
  QAction* reset = clusterMenu->addAction(tr("&Reset cluster"));
  reset->setToolTip(m_controls->resetButton()->toolTip());
  connect(reset, &QAction::triggered, m_controls->resetButton(), &QPushButton::click);

  buildLessonsMenu();

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->setToolTipsVisible(true);
  for (QDockWidget* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());
  view->addSeparator();
  QAction* follow = view->addAction(tr("Follow the log tail"));
  follow->setCheckable(true);
  follow->setChecked(true);
  follow->setShortcut(Qt::Key_End);
  follow->setToolTip(tr("Keep the newest entries in view in the log lanes."));
  connect(follow, &QAction::toggled, m_lanes, &LogLanesView::setFollowing);
  connect(m_lanes, &LogLanesView::followingChanged, follow, &QAction::setChecked);
  QAction* slower = view->addAction(tr("Slower animation"));
  slower->setShortcut(Qt::Key_BracketLeft);
  connect(slower, &QAction::triggered, this, [this] { m_controls->setTimeScale(m_controls->timeScale() * 2); });
  QAction* faster = view->addAction(tr("Faster animation"));
  faster->setShortcut(Qt::Key_BracketRight);
  connect(faster, &QAction::triggered, this, [this] { m_controls->setTimeScale(m_controls->timeScale() / 2); });
  QAction* zoomIn = view->addAction(tr("Wider log cells"));
  zoomIn->setShortcut(QKeySequence::ZoomIn);
  connect(zoomIn, &QAction::triggered, this, [this] { m_lanes->setCellWidth(m_lanes->cellWidth() + 8); });
  QAction* zoomOut = view->addAction(tr("Narrower log cells"));
  zoomOut->setShortcut(QKeySequence::ZoomOut);
  connect(zoomOut, &QAction::triggered, this, [this] { m_lanes->setCellWidth(m_lanes->cellWidth() - 8); });
  view->addSeparator();
  view->addAction(m_presentation->action());
  addAction(m_presentation->action());  // F11 also in full screen, where the menu bar may hide
  QMenu* theme = view->addMenu(tr("Theme"));
  auto* group = new QActionGroup(this);
  for (ThemeMode m : {ThemeMode::kDesktop, ThemeMode::kLight, ThemeMode::kDark}) {
    QAction* a = theme->addAction(m == ThemeMode::kDesktop ? tr("Follow the desktop")
                                  : m == ThemeMode::kLight ? tr("Light") : tr("Dark"));
    a->setCheckable(true);
    a->setChecked(m == m_theme);
    group->addAction(a);
    connect(a, &QAction::triggered, this, [this, m] { setThemeMode(m); });
  }

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  QAction* keys = help->addAction(tr("&Keyboard shortcuts"));
  keys->setShortcut(QKeySequence::HelpContents);
  connect(keys, &QAction::triggered, this, [this] {
    QList<QAction*> all = QWidget::actions();
    for (QAction* a : menuBar()->actions())
      if (a->menu()) all += a->menu()->actions();
    QMessageBox::information(this, tr("Keyboard shortcuts"), shortcutTable(all));
  });
  help->addAction(tr("&About Quorum Lab"), this, [this] {
    QMessageBox::about(this, tr("About Quorum Lab"),
                       tr("<b>Quorum Lab</b> %1<br>Teaches log replication by running it for real: every node "
                          "is a thread with its own write-ahead log on disk and a TCP server on 127.0.0.1.")
                           .arg(QApplication::applicationVersion()));
  });
}

void MainWindow::buildLessonsMenu() {
  QMenu* menu = menuBar()->addMenu(tr("&Lessons"));
  menu->setObjectName(QStringLiteral("lessonsMenu"));
  menu->setToolTipsVisible(true);
  for (const auto& l : m_lessons->lessons()) {
    const QString name = QString::fromStdString(l.name);
    QAction* a = menu->addAction(QStringLiteral("%1. %2").arg(l.order).arg(QString::fromStdString(l.title)));
    a->setData(name);
    const QString tip = QStringLiteral("%1: %2").arg(QString::fromStdString(l.pattern), QString::fromStdString(l.summary));
    a->setToolTip(tip);
    a->setStatusTip(tip);
    connect(a, &QAction::triggered, this, [this, name] { requestLesson(name); });
  }
  if (m_lessons->lessons().empty()) menu->addAction(tr("No lessons found"))->setEnabled(false);
  menu->addSeparator();
  menu->addAction(m_lessonPanel->nextAction());
  menu->addAction(m_lessonPanel->backAction());
  QAction* free = menu->addAction(tr("&Free play (keep this cluster)"), m_lessons, &LessonController::freePlay);
  free->setToolTip(tr("Stop the lesson and keep its cluster running, with every control live."));
  QAction* stop = menu->addAction(tr("&Stop lesson"), m_lessons, &LessonController::stop);
  stop->setToolTip(tr("End the lesson and go back to the list; the cluster stays as it is."));
  QAction* panel = menu->addAction(tr("Show the lesson &panel"), this, &MainWindow::showLessonDock);
  panel->setToolTip(tr("The list of lessons, or the page you are on."));
  auto update = [this, free, stop] {
    const auto s = m_lessons->state();
    free->setEnabled(s == LessonController::State::kLesson || s == LessonController::State::kQuiz);
    stop->setEnabled(s != LessonController::State::kIdle);
  };
  connect(m_lessons, &LessonController::changed, this, update);
  update();
}

}  // namespace qlab::ui
