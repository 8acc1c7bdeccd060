#pragma once
// MainWindow: the explorer. The log lanes in the middle (with the findings banner above
// them), and docks around them that can be moved, tabbed and hidden, their layout saved:
// the cluster ring, the timeline, the node inspector, the controls, the charts, the event
// log and the findings. One ClusterPoller feeds every part the same frame, ~30 times a second.
// The lesson dock (ui/lesson) sits above the inspector, hidden until a lesson starts or the
// Lessons menu opens it. Other side panels can be added with addSidePanel().
#include <QMainWindow>
#include <QPointer>
#include <QTimer>

#include "ui/source/cluster_frame.h"
#include "ui/window/app_settings.h"

class QDockWidget;
class QLabel;
class QProgressBar;

namespace qlab::cluster {
class Cluster;
}

namespace qlab::ui {

class ChartsPanel;
class ClusterActions;
class ClusterHost;
class ClusterPoller;
class ClusterView;
class ControlsPanel;
class EventLogPane;
class FileActions;
class FindingsBanner;
class FindingsModel;
class LessonController;
class LessonHighlighter;
class LessonPanel;
class LogLanesView;
class NodeInspector;
class TimelineView;
class TimeBar;
class PresentationMode;
class TimeTravel;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Points every part at a cluster (nullptrs: none). `live` enables what needs the real
  // object (scenarios, export); tests pass a fake source and control without it.
  void setCluster(ClusterSource* source, ClusterControl* control, cluster::Cluster* live = nullptr);
  cluster::Cluster* liveCluster() const { return m_live; }
  // Follows the clusters `host` starts (every part is re-pointed on each change), lets File >
  // Open scenario, the lessons and Reset cluster replace them.
  void setHost(ClusterHost* host);
  const ClusterSource* source() const { return m_source; }

  void selectNode(NodeId id);
  void showStatus(const QString& text, int timeoutMs = 6000);
  // `--lesson NAME` and the Lessons menu: opens the lesson dock and starts the lesson on a
  // fresh cluster. False when there is no such lesson or its cluster did not start (the
  // panel and the status bar say why).
  bool requestLesson(const QString& name);
  // Shows the lesson dock (the list of lessons when none runs), with room to read.
  void showLessonDock();
  // Scrolls the log lanes to the first lost acknowledged write (false when none is known).
  bool showLostWrites();
  // A dock on the right, tabbed with the inspector (the place for the lesson panel).
  QDockWidget* addSidePanel(const QString& title, const QString& objectName, QWidget* panel);
  void applySettings(const AppSettings& s);
  // A scenario's or lesson's `mark` step: names this moment in the recording (time bar).
  void markMoment(const QString& name);
  // A `look_back` step: the time bar goes back to the newest moment of that name.
  void lookBack(const QString& moment);
  void setThemeMode(ThemeMode m);
  AppSettings currentSettings() const;

  ClusterPoller* poller() const { return m_poller; }
  ClusterActions* actions() const { return m_actions; }
  ClusterView* clusterView() const { return m_clusterView; }
  LogLanesView* lanes() const { return m_lanes; }
  NodeInspector* inspector() const { return m_inspector; }
  ControlsPanel* controls() const { return m_controls; }
  TimelineView* timeline() const { return m_timeline; }
  ChartsPanel* charts() const { return m_charts; }
  EventLogPane* eventLog() const { return m_eventLog; }
  FindingsModel* findings() const { return m_findings; }
  FindingsBanner* banner() const { return m_banner; }
  FileActions* fileActions() const { return m_files; }
  QProgressBar* scenarioProgress() const { return m_scenarioProgress; }
  QLabel* scenarioLabel() const { return m_scenarioLabel; }
  LessonController* lessons() const { return m_lessons; }
  TimeTravel* timeTravel() const { return m_time; }
  TimeBar* timeBar() const { return m_timeBar; }
  PresentationMode* presentation() const { return m_presentation; }
  LessonPanel* lessonPanel() const { return m_lessonPanel; }
  LessonHighlighter* highlighter() const { return m_highlighter; }
  QDockWidget* lessonDock() const { return m_lessonDock; }

 signals:
  void resetRequested(int nodes, const qlab::wal::FlushPolicy& policy, int electionTimeoutMs);

 protected:
  void closeEvent(QCloseEvent* e) override;
  bool event(QEvent* e) override;

 private:
  void onFrame(const ClusterFrame& f);
  QDockWidget* dock(const QString& title, const QString& name, QWidget* w, Qt::DockWidgetArea area);
  void buildDocks();
  void buildMenus();
  void buildLessons();
  void buildLessonsMenu();
  void sizeFromScreen();
  void refreshLostWrites();
  // Points the views at `source` (the live cluster, or a recording at the cursor); controls
  // work only on the live one.
  void showSource(const ClusterSource* source, bool live);

  ClusterSource* m_source = nullptr;
  ClusterControl* m_control = nullptr;
  cluster::Cluster* m_live = nullptr;
  ClusterPoller* m_poller;
  ClusterActions* m_actions;
  ClusterView* m_clusterView;
  LogLanesView* m_lanes;
  NodeInspector* m_inspector;
  ControlsPanel* m_controls;
  TimelineView* m_timeline;
  ChartsPanel* m_charts;
  EventLogPane* m_eventLog;
  FindingsModel* m_findings;
  FindingsBanner* m_banner;
  FileActions* m_files;
  QDockWidget* m_inspectorDock = nullptr;
  QDockWidget* m_findingsDock = nullptr;
  QDockWidget* m_lessonDock = nullptr;
  LessonController* m_lessons = nullptr;
  LessonPanel* m_lessonPanel = nullptr;
  LessonHighlighter* m_highlighter = nullptr;
  QLabel* m_summary;
  QLabel* m_scenarioLabel;
  QProgressBar* m_scenarioProgress;
  ThemeMode m_theme = ThemeMode::kDesktop;
  QTimer m_lostTimer;
  TimeTravel* m_time = nullptr;
  TimeBar* m_timeBar = nullptr;
  PresentationMode* m_presentation = nullptr;
};

}  // namespace qlab::ui
