#include "ui/window/main_window.h"

#include <QCloseEvent>
#include <QDockWidget>
#include <QGuiApplication>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QProgressBar>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QVBoxLayout>

#include "core/scenario/lesson.h"
#include "ui/lesson/lesson_controller.h"
#include "ui/lesson/lesson_highlighter.h"
#include "ui/lesson/lesson_panel.h"
#include "ui/model/findings_model.h"
#include "ui/source/cluster_host.h"
#include "ui/source/cluster_poller.h"
#include "ui/source/frame_stats.h"
#include "ui/source/time_travel.h"
#include "ui/window/presentation_mode.h"
#include "ui/view/time_bar.h"
#include "ui/view/charts_panel.h"
#include "ui/view/cluster_actions.h"
#include "ui/view/cluster_view.h"
#include "ui/view/controls_panel.h"
#include "ui/view/event_log_pane.h"
#include "ui/view/findings_banner.h"
#include "ui/view/log_lanes_view.h"
#include "ui/view/node_inspector.h"
#include "ui/view/steady_label.h"
#include "ui/view/timeline_view.h"
#include "ui/window/file_actions.h"

namespace qlab::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("Quorum Lab"));
  setObjectName(QStringLiteral("quorumLabMainWindow"));
  setDockNestingEnabled(true);
  m_poller = new ClusterPoller(this);
  m_actions = new ClusterActions(this);
  m_findings = new FindingsModel(this);

  auto* central = new QWidget(this);
  auto* cl = new QVBoxLayout(central);
  cl->setContentsMargins(0, 0, 0, 0);
  cl->setSpacing(0);
  m_banner = new FindingsBanner(m_findings, central);
  m_lanes = new LogLanesView(central);
  cl->addWidget(m_banner);
  cl->addWidget(m_lanes, 1);
  m_time = new TimeTravel(this);
  m_timeBar = new TimeBar(m_time, central);
  cl->addWidget(m_timeBar);
  setCentralWidget(central);

  m_clusterView = new ClusterView;
  m_timeline = new TimelineView;
  m_inspector = new NodeInspector;
  m_controls = new ControlsPanel(m_actions);
  m_charts = new ChartsPanel;
  m_eventLog = new EventLogPane;
  m_files = new FileActions(this);
  m_presentation = new PresentationMode(this);
  buildDocks();
  buildLessons();
  buildMenus();

  m_summary = new QLabel(this);
  m_scenarioLabel = new QLabel(this);
  m_scenarioProgress = new QProgressBar(this);
  m_scenarioProgress->setMaximumWidth(160);
  m_scenarioLabel->hide();
  m_scenarioProgress->hide();
  statusBar()->addPermanentWidget(m_scenarioLabel);
  statusBar()->addPermanentWidget(m_scenarioProgress);
  auto* summaryBox = new SteadyLabelBox(m_summary, this);  // changes on every frame
  summaryBox->setAutoFillBackground(true);
  statusBar()->addPermanentWidget(summaryBox);

  connect(m_poller, &ClusterPoller::frameReady, this, &MainWindow::onFrame);
  connect(m_actions, &ClusterActions::targetChanged, this, &MainWindow::selectNode);
  connect(m_actions, &ClusterActions::message, this, [this](const QString& t) { showStatus(t); });
  connect(m_clusterView, &ClusterView::nodeClicked, m_actions, &ClusterActions::setTarget);
  connect(m_clusterView, &ClusterView::nodeContextMenuRequested, this, [this](NodeId id, const QPoint& pos) {
    m_actions->nodeMenu(id, this)->popup(pos);
  });
  connect(m_lanes, &LogLanesView::nodeActivated, m_actions, &ClusterActions::setTarget);
  connect(m_lanes, &LogLanesView::entryActivated, this, [this](NodeId node, Index index) {
    m_actions->setTarget(node);
    m_inspectorDock->show();
    m_inspectorDock->raise();
    m_inspector->showEntry(index);
  });
  connect(m_controls, &ControlsPanel::resetRequested, this, &MainWindow::resetRequested);
  connect(m_controls, &ControlsPanel::timeScaleChanged, m_clusterView, &ClusterView::setTimeScale);
  connect(m_controls, &ControlsPanel::timeScaleChanged, m_timeline, &TimelineView::setTimeScale);
  connect(m_banner, &FindingsBanner::showInLogRequested, this, [this] {
    if (!showLostWrites()) showStatus(tr("No lost write is known yet (the checker is asked every 2 s)."));
  });
  connect(m_banner, &FindingsBanner::detailsRequested, this, [this] {
    m_findingsDock->show();
    m_findingsDock->raise();
  });
  connect(m_time, &TimeTravel::showSource, this, &MainWindow::showSource);
  connect(m_time, &TimeTravel::message, this, [this](const QString& t) { showStatus(t, 0); });
  m_lostTimer.setInterval(2000);
  connect(&m_lostTimer, &QTimer::timeout, this, &MainWindow::refreshLostWrites);
  m_lostTimer.start();
  sizeFromScreen();
  m_poller->start();
}

MainWindow::~MainWindow() {
  m_time->disconnect(this);  // its recording stops as the children go, after the models it would touch
  m_poller->stop();
  m_poller->setSource(nullptr);
}

QDockWidget* MainWindow::dock(const QString& title, const QString& name, QWidget* w, Qt::DockWidgetArea area) {
  auto* d = new QDockWidget(title, this);
  d->setObjectName(name);
  d->setWidget(w);
  d->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable | QDockWidget::DockWidgetClosable);
  addDockWidget(area, d);
  return d;
}

void MainWindow::buildDocks() {
  setCorner(Qt::TopLeftCorner, Qt::LeftDockWidgetArea);
  setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
  setCorner(Qt::TopRightCorner, Qt::RightDockWidgetArea);
  setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
  auto* scroll = new QScrollArea;
  scroll->setWidget(m_controls);
  scroll->setWidgetResizable(true);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setMinimumWidth(m_controls->sizeHint().width() + 24);
  QDockWidget* controls = dock(tr("Controls"), QStringLiteral("controlsDock"), scroll, Qt::LeftDockWidgetArea);
  QDockWidget* ring = dock(tr("Cluster"), QStringLiteral("clusterDock"), m_clusterView, Qt::TopDockWidgetArea);
  QDockWidget* timeline = dock(tr("Timeline"), QStringLiteral("timelineDock"), m_timeline, Qt::TopDockWidgetArea);
  splitDockWidget(ring, timeline, Qt::Horizontal);
  m_inspectorDock = dock(tr("Inspector"), QStringLiteral("inspectorDock"), m_inspector, Qt::RightDockWidgetArea);
  QDockWidget* charts = dock(tr("Charts"), QStringLiteral("chartsDock"), m_charts, Qt::BottomDockWidgetArea);
  QDockWidget* log = dock(tr("Event log"), QStringLiteral("eventLogDock"), m_eventLog, Qt::BottomDockWidgetArea);
  auto* table = new QTableView;
  table->setModel(m_findings);
  table->verticalHeader()->hide();
  table->horizontalHeader()->setStretchLastSection(true);
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table->setWordWrap(true);
  m_findingsDock = dock(tr("Findings"), QStringLiteral("findingsDock"), table, Qt::BottomDockWidgetArea);
  tabifyDockWidget(charts, log);
  tabifyDockWidget(log, m_findingsDock);
  charts->raise();
  (void)controls;
}

void MainWindow::sizeFromScreen() {
  QScreen* screen = QGuiApplication::primaryScreen();
  if (!screen) {
    resize(1400, 900);
    return;
  }
  const QRect avail = screen->availableGeometry();
  // Large screens get a comfortable window; small ones (and Xvfb) the whole screen.
  const QSize size = avail.width() > 1920 ? avail.size() * 0.85 : avail.size();
  setGeometry(QStyle::alignedRect(Qt::LeftToRight, Qt::AlignCenter, size, avail));
  const int w = size.width(), h = size.height();
  resizeDocks(findChildren<QDockWidget*>(QStringLiteral("controlsDock")), {std::max(300, w / 5)}, Qt::Horizontal);
  resizeDocks({m_inspectorDock}, {std::max(340, w / 4)}, Qt::Horizontal);  // NOLINT
  resizeDocks(findChildren<QDockWidget*>(QStringLiteral("clusterDock")), {static_cast<int>(h * 0.36)}, Qt::Vertical);
  const int middle = w - std::max(300, w / 5) - std::max(340, w / 4);
  resizeDocks({findChild<QDockWidget*>(QStringLiteral("clusterDock")), findChild<QDockWidget*>(QStringLiteral("timelineDock"))},
              {middle * 11 / 20, middle * 9 / 20}, Qt::Horizontal);
  resizeDocks(findChildren<QDockWidget*>(QStringLiteral("chartsDock")), {static_cast<int>(h * 0.19)}, Qt::Vertical);
}

void MainWindow::setCluster(ClusterSource* source, ClusterControl* control, cluster::Cluster* live) {
  m_source = source;
  m_control = control;
  m_live = live;
  m_findings->clear();
  m_actions->setControl(control);
  m_controls->setControl(control);
  m_lanes->setSource(source);
  m_timeline->setSource(source);
  m_inspector->setSource(source);
  m_files->setCluster(live, source);
  m_poller->setSource(source);
  m_controls->setEnabled(true);
  // Every live cluster is recorded so the time bar can go back over it.
  // A failure is shown by the time bar itself ("Not recording: ..."); the cluster runs on.
  if (live) (void)m_time->attachLive(live, source);
  else if (source || m_time->liveAttached()) m_time->detach();
  if (source) {
    if (!m_actions->target() || static_cast<int>(m_actions->target()) > source->size()) m_actions->setTarget(1);
    m_poller->pollNow();
  }
}

void MainWindow::setHost(ClusterHost* host) {
  connect(host, &ClusterHost::aboutToChange, this, [this] { setCluster(nullptr, nullptr); });
  connect(host, &ClusterHost::clusterChanged, this, [this, host] {
    setCluster(host->source(), host->source(), host->cluster());
    // What runs the nodes, where a person looks first: threads, processes or attached.
    const cluster::Cluster* c = host->cluster();
    QString what;
    switch (c->options().backend) {
      case cluster::NodeBackend::kThreads: what = tr("%1 nodes as threads").arg(c->size()); break;
      case cluster::NodeBackend::kProcesses: what = tr("%1 node processes").arg(c->size()); break;
      case cluster::NodeBackend::kAttach: what = tr("attached to %1 nodes").arg(c->size()); break;
    }
    setWindowTitle(tr("Quorum Lab — %1").arg(what));
  });
  connect(this, &MainWindow::resetRequested, host, [this, host](int n, const wal::FlushPolicy& p, int electionMs) {
    const Status s = host->reset(n, p, electionMs);
    showStatus(s.isOk() ? tr("New %1-node cluster in %2").arg(n).arg(QString::fromStdString(host->cluster()->dataDir()))
                        : tr("Reset failed: %1").arg(QString::fromStdString(s.message())), 0);
  });
  m_files->setHost(host);
  m_lessons->setHost(host);
}

void MainWindow::showSource(const ClusterSource* source, bool live) {
  if (!source) {  // the recording went away: back to whatever is live
    source = m_source;
    live = m_control != nullptr;
  }
  m_findings->clear();  // the source's findings come again, up to its moment
  m_lanes->setSource(source);
  m_timeline->setSource(source);
  m_inspector->setSource(source);
  m_poller->setSource(source);
  m_actions->setControl(live ? m_control : nullptr);
  m_controls->setControl(live ? m_control : nullptr);
  m_controls->setEnabled(live);
  if (source && (!m_actions->target() || static_cast<int>(m_actions->target()) > source->size()))
    m_actions->setTarget(1);
  if (!live && source)
    showStatus(m_time->liveAttached()
                   ? tr("Showing the past: every view is the cluster at the time bar's cursor, which keeps running. "
                        "Live (or End on the time bar) returns to the present.")
                   : tr("Replaying %1").arg(m_time->runPath()),
               8000);
  if (source) m_poller->pollNow();
}

void MainWindow::markMoment(const QString& name) {
  if (auto* r = m_time->recorder()) r->markMoment(name.toStdString());
}

void MainWindow::lookBack(const QString& moment) {
  if (m_time->seekMoment(moment)) showStatus(tr("The time bar went back to \"%1\"; Live returns to the present.").arg(moment), 0);
  else showStatus(tr("No moment \"%1\" was recorded yet.").arg(moment));
}

void MainWindow::selectNode(NodeId id) {
  m_actions->setTarget(id);
  m_clusterView->setSelectedNode(id);
  m_lanes->setSelectedNode(id);
  m_inspector->setNode(id);
  if (m_poller->source()) m_inspector->updateFrame(m_poller->lastFrame());
}

void MainWindow::showStatus(const QString& text, int timeoutMs) { statusBar()->showMessage(text, timeoutMs); }

void MainWindow::buildLessons() {
  m_lessons = new LessonController(this);
  std::vector<std::string> errors;
  m_lessons->setLessons(cluster::loadLessons(cluster::lessonsDirectory(), &errors));
  m_lessonPanel = new LessonPanel(m_lessons);
  m_highlighter = new LessonHighlighter(this);
  m_lessonDock = dock(tr("Lesson"), QStringLiteral("lessonDock"), m_lessonPanel, Qt::RightDockWidgetArea);
  // Above the inspector rather than tabbed with it: a page that points at the inspector must
  // not hide the narration.
  splitDockWidget(m_lessonDock, m_inspectorDock, Qt::Vertical);
  m_lessonDock->hide();
  connect(m_lessonPanel, &LessonPanel::lessonChosen, this, &MainWindow::requestLesson);
  connect(m_lessons, &LessonController::watchChanged, m_highlighter, &LessonHighlighter::show);
  connect(m_lessons, &LessonController::message, this, [this](const QString& t) { showStatus(t); });
  connect(m_lessons, &LessonController::momentMarked, this, &MainWindow::markMoment);
  connect(m_lessons, &LessonController::lookBackRequested, this, &MainWindow::lookBack);
  if (!errors.empty()) showStatus(tr("Some lessons could not be read: %1").arg(QString::fromStdString(errors.front())), 0);
}

void MainWindow::showLessonDock() {
  if (m_lessonDock->isVisible()) return;
  m_lessonDock->show();
  m_lessonDock->raise();
  // The narration needs room; the inspector below keeps the rest.
  if (!m_lessonDock->isFloating() && dockWidgetArea(m_lessonDock) == dockWidgetArea(m_inspectorDock))
    resizeDocks({m_lessonDock, m_inspectorDock}, {height() * 11 / 20, height() * 9 / 20}, Qt::Vertical);
}

bool MainWindow::requestLesson(const QString& name) {
  showLessonDock();
  const bool ok = m_lessons->start(name);
  if (!ok) showStatus(m_lessons->lastError(), 0);
  return ok;
}

QDockWidget* MainWindow::addSidePanel(const QString& title, const QString& objectName, QWidget* panel) {
  QDockWidget* d = dock(title, objectName, panel, Qt::RightDockWidgetArea);
  tabifyDockWidget(m_inspectorDock, d);
  d->raise();
  return d;
}

void MainWindow::onFrame(const ClusterFrame& f) {
  // Each view's update is a section of the frame profile (`--bench-ui`; free otherwise).
  auto timed = [](const char* section, auto&& update) {
    SectionTimer t(section);
    update();
  };
  timed("update.presentation+actions", [&] {
    m_presentation->noteFrame(f, m_poller->lastFrame());  // lastFrame: still the one before f
    m_actions->updateFrame(f);
  });
  timed("update.cluster", [&] { m_clusterView->updateFrame(f); });
  timed("update.lanes", [&] { m_lanes->updateFrame(f); });
  timed("update.inspector", [&] { m_inspector->updateFrame(f); });
  timed("update.controls", [&] { m_controls->updateFrame(f); });
  timed("update.timeline", [&] { m_timeline->updateFrame(f); });
  timed("update.charts", [&] { m_charts->updateFrame(f); });
  timed("update.eventlog", [&] { m_eventLog->updateFrame(f); });
  timed("update.findings", [&] { m_findings->append(f.findings); });
  SectionTimer t("update.summary");
  if (f.size == 0) {
    m_summary->setText(tr("no cluster"));
    return;
  }
  int up = 0;
  for (const auto& v : f.views) up += v->status == node::NodeStatus::kRunning ? 1 : 0;
  const bool past = m_time->hasRun() && !m_time->isLive();
  const QString when =
      past ? tr("PAST: %1 s into the run · ").arg(static_cast<double>(m_time->cursorUs() - m_time->startUs()) / 1e6, 0, 'f', 3)
           : QString();
  const QString text = when + (f.frozen ? tr("FROZEN at %1 s · ").arg(static_cast<double>(f.nowMs) / 1000.0, 0, 'f', 1) : QString()) +
                       tr("%1 of %2 nodes up · leader %3 · HWM %4 · load %5 · data %6")
                           .arg(up).arg(f.size)
                           .arg(f.leader ? QString::number(f.leader) : tr("none"))
                           .arg(f.hwm)
                           .arg(f.loadRunning ? (f.loadRate > 0 ? tr("%1 ops/s").arg(f.loadRate) : tr("unlimited")) : tr("off"))
                           .arg(m_poller->source() ? QString::fromStdString(m_poller->source()->dataDir()) : QString());
  if (m_summary->text() != text) m_summary->setText(text);
}

bool MainWindow::showLostWrites() {
  refreshLostWrites();
  const auto& lost = m_lanes->cache().lostWrites();
  if (lost.empty()) return false;
  const Index first = lost.front().index;
  m_lanes->scrollToIndex(first > 3 ? first - 3 : 1);
  // The lost-writes row is the lanes' last: bring it into view when they are taller.
  m_lanes->verticalScrollBar()->setValue(m_lanes->verticalScrollBar()->maximum());
  showStatus(tr("%n acknowledged write(s) lost; the first was answered at index %1.", nullptr,
                static_cast<int>(lost.size())).arg(first));
  return true;
}

void MainWindow::refreshLostWrites() {
  // Only worth asking once the checker has reported something (it walks the history). The
  // source shown: the live cluster, or the recording at the time bar's cursor.
  const ClusterSource* shown = m_poller->source();
  if (!shown || m_findings->rowCount() == 0) return;
  SectionTimer timer("timer.lostwrites");
  m_lanes->setLostWrites(shown->lostWrites());
}

void MainWindow::setThemeMode(ThemeMode m) {
  m_theme = m;
  applyTheme(m);
  update();
}

void MainWindow::applySettings(const AppSettings& s) {
  setThemeMode(s.theme);
  m_controls->setClusterSize(s.clusterSize);
  m_controls->setElectionTimeoutMs(s.electionTimeoutMs);
  m_controls->setDefaultPolicy(s.policy);
  m_controls->setTimeScale(s.timeScale);
  m_clusterView->setTimeScale(s.timeScale);
  m_timeline->setTimeScale(s.timeScale);
  m_timeline->setKinds(s.timelineKinds);
  m_timeline->setHeartbeatBands(s.timelineBands);
  m_lanes->setCellWidth(s.laneCellWidth);
  if (!s.geometry.isEmpty()) restoreGeometry(s.geometry);
  if (!s.windowState.isEmpty()) restoreState(s.windowState);
}

AppSettings MainWindow::currentSettings() const {
  AppSettings s;
  s.geometry = saveGeometry();
  s.windowState = saveState();
  s.theme = m_theme;
  s.clusterSize = m_controls->clusterSize();
  s.electionTimeoutMs = m_controls->electionTimeoutMs();
  s.policy = m_controls->defaultPolicy();
  s.timeScale = m_controls->timeScale();
  s.laneCellWidth = m_lanes->cellWidth();
  s.timelineKinds = m_timeline->kinds();
  s.timelineBands = m_timeline->heartbeatBands();
  return s;
}

bool MainWindow::event(QEvent* e) {
  if (e->type() != QEvent::UpdateRequest) return QMainWindow::event(e);
  // The window's repaint: every dirty widget painted into the backing store, then flushed.
  SectionTimer t("window.repaint");
  return QMainWindow::event(e);
}

void MainWindow::closeEvent(QCloseEvent* e) {
  currentSettings().save();
  QMainWindow::closeEvent(e);
}

}  // namespace qlab::ui
