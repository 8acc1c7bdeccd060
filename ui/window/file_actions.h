#pragma once
// FileActions: the File menu. Open a scenario (a fresh cluster configured as the file says,
// then the ScenarioRunner plays its steps with progress in the status bar), export the
// cluster (docs/export-format.md) with a progress dialog, save the timeline as SVG or PNG,
// save a screenshot of the window, and open a data directory read-only. Each has a direct
// form without dialogs, for tests and the command line.
#include <memory>

#include <QObject>
#include <QString>

#include "core/scenario/scenario.h"
#include "ui/source/cluster_source.h"

class QAction;

namespace qlab::ui {

class ClusterHost;
class MainWindow;

class FileActions : public QObject {
  Q_OBJECT
 public:
  explicit FileActions(MainWindow* window);
  ~FileActions() override;

  void setCluster(cluster::Cluster* live, const ClusterSource* source);
  void setHost(ClusterHost* host);
  // The menu's entries, nullptr where a separator goes.
  QList<QAction*> actions() const { return m_actions; }

  bool runScenarioFile(const QString& path);
  QString lastError() const { return m_lastError; }
  void cancelScenario();
  cluster::ScenarioRunner* runner() const { return m_runner.get(); }
  Status exportTo(const QString& dir, bool showProgress);
  bool saveTimeline(const QString& path);  // .svg, else PNG
  bool saveScreenshot(const QString& path);
  void openDataDir(const QString& dir);
  // Replays a saved run (.qlabrun) with no live cluster; false with lastError() on failure.
  bool openRun(const QString& path);
  bool saveRun(const QString& path);

 signals:
  void scenarioFinished(bool ok);

 private:
  QAction* add(const QString& text, const QKeySequence& key, const QString& tip);
  QJsonObject exportConfig() const;
  void updateEnabled();

  MainWindow* m_window;
  ClusterHost* m_host = nullptr;
  cluster::Cluster* m_live = nullptr;
  const ClusterSource* m_source = nullptr;
  std::unique_ptr<cluster::ScenarioRunner> m_runner;
  std::optional<cluster::Scenario> m_scenario;
  QList<QAction*> m_actions;
  QString m_lastError;
  QAction* m_open;
  QAction* m_export;
  QAction* m_openRun;
  QAction* m_saveRun;
  QAction* m_svg;
  QAction* m_png;
  QAction* m_shot;
  QAction* m_dump;
};

}  // namespace qlab::ui
