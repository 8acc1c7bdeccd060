#include "ui/window/file_actions.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QImage>
#include <QLabel>
#include <QMessageBox>
#include <QPainter>
#include <QProgressBar>
#include <QProgressDialog>
#include <QSvgGenerator>

#include "core/instruments/exporter.h"
#include "core/interop/formats.h"
#include "core/recording/run_reader.h"
#include "ui/source/cluster_host.h"
#include "ui/source/time_travel.h"
#include "ui/view/timeline_view.h"
#include "ui/window/dump_dialog.h"
#include "ui/window/export_formats_dialog.h"
#include "ui/window/main_window.h"

namespace qlab::ui {

FileActions::FileActions(MainWindow* window) : QObject(window), m_window(window) {
  m_open = add(tr("&Open scenario…"), QKeySequence::Open,
               tr("Run a scenario file: a fresh cluster configured as the file says, then its steps one by one."));
  m_openRun = add(tr("Open &run…"), Qt::CTRL | Qt::Key_R,
                  tr("Replay a saved run (.qlabrun) with the time bar: every view as it was, at any moment. "
                     "The live cluster is stopped."));
  m_saveRun = add(tr("Sa&ve run…"), Qt::CTRL | Qt::ALT | Qt::Key_S,
                  tr("Save the whole run so far (everything the time bar can show) as one .qlabrun file to "
                     "send to a student or attach to a bug report."));
  m_actions << nullptr;
  m_export = add(tr("&Export…"), Qt::CTRL | Qt::Key_E,
                 tr("Write cluster.json, every node's log, the client history, the events and copies of the "
                    "segment files to a folder."));
  m_svg = add(tr("Save timeline as &SVG…"), QKeySequence::Save, tr("The timeline as it is shown, as a vector image."));
  m_png = add(tr("Save timeline as &PNG…"), {}, tr("The timeline as it is shown, as a picture."));
  m_shot = add(tr("Save sc&reenshot…"), Qt::CTRL | Qt::SHIFT | Qt::Key_S, tr("A picture of the whole window."));
  m_actions << nullptr;
  m_dump = add(tr("Open &data directory…"), Qt::CTRL | Qt::SHIFT | Qt::Key_O,
               tr("Inspect the logs of an existing data directory, read-only: nothing there is modified."));
  connect(m_open, &QAction::triggered, this, [this] {
    QString dir = QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(QStringLiteral("../share/quorumlab/scenarios"));
    if (!QDir(dir).exists()) dir = QDir::currentPath() + QStringLiteral("/resources/scenarios");
    const QString f = QFileDialog::getOpenFileName(m_window, tr("Open scenario"), dir, tr("Scenarios (*.json)"));
    if (!f.isEmpty() && !runScenarioFile(f)) QMessageBox::warning(m_window, tr("Scenario not run"), m_lastError);
  });
  connect(m_openRun, &QAction::triggered, this, [this] {
    const QString f = QFileDialog::getOpenFileName(m_window, tr("Open run"), QString(), tr("Quorum Lab runs (*.qlabrun);;All files (*)"));
    if (!f.isEmpty() && !openRun(f)) QMessageBox::warning(m_window, tr("Run not opened"), m_lastError);
  });
  connect(m_saveRun, &QAction::triggered, this, [this] {
    const QString f = QFileDialog::getSaveFileName(m_window, tr("Save run"), QStringLiteral("run.qlabrun"),
                                                   tr("Quorum Lab runs (*.qlabrun)"));
    if (!f.isEmpty() && !saveRun(f)) QMessageBox::warning(m_window, tr("Run not saved"), m_lastError);
  });
  connect(m_export, &QAction::triggered, this, [this] {
    const QString d = QFileDialog::getExistingDirectory(m_window, tr("Export to folder"));
    if (d.isEmpty()) return;
    const auto formats = ExportFormatsDialog::choose(m_window);
    if (!formats) return;
    Status s = exportTo(d, true);
    if (s.isOk()) s = interop::writeInteropFormats(d.toStdString(), *formats);
    if (s.isOk()) m_window->showStatus(tr("Exported to %1").arg(d));
    else if (s.code() != Status::Code::kAborted)
      QMessageBox::warning(m_window, tr("Export failed"), QString::fromStdString(s.message()));
  });
  connect(m_svg, &QAction::triggered, this, [this] {
    const QString f = QFileDialog::getSaveFileName(m_window, tr("Save timeline"), QStringLiteral("timeline.svg"), tr("SVG (*.svg)"));
    if (!f.isEmpty()) saveTimeline(f);
  });
  connect(m_png, &QAction::triggered, this, [this] {
    const QString f = QFileDialog::getSaveFileName(m_window, tr("Save timeline"), QStringLiteral("timeline.png"), tr("PNG (*.png)"));
    if (!f.isEmpty()) saveTimeline(f);
  });
  connect(m_shot, &QAction::triggered, this, [this] {
    const QString f = QFileDialog::getSaveFileName(m_window, tr("Save screenshot"), QStringLiteral("quorumlab.png"), tr("PNG (*.png)"));
    if (!f.isEmpty()) saveScreenshot(f);
  });
  connect(m_dump, &QAction::triggered, this, [this] {
    const QString d = QFileDialog::getExistingDirectory(m_window, tr("Open a data directory (read-only)"),
                                                        m_source ? QString::fromStdString(m_source->dataDir()) : QString());
    if (!d.isEmpty()) openDataDir(d);
  });
  updateEnabled();
}

FileActions::~FileActions() { cancelScenario(); }

QAction* FileActions::add(const QString& text, const QKeySequence& key, const QString& tip) {
  auto* a = new QAction(text, this);
  if (!key.isEmpty()) a->setShortcut(key);
  a->setToolTip(tip);
  a->setStatusTip(tip);
  m_actions << a;
  return a;
}

bool FileActions::openRun(const QString& path) {
  // Check the file first: a bad one leaves the live cluster alone.
  if (auto probe = recording::RunReader::open(path.toStdString()); !probe) {
    m_lastError = QString::fromStdString(probe.status().message());
    return false;
  }
  if (m_host) m_host->stop();
  const Status s = m_window->timeTravel()->openFile(path);
  if (!s.isOk()) {
    m_lastError = QString::fromStdString(s.message());
    return false;
  }
  m_window->showStatus(tr("Replaying %1: play, step or drag the time bar").arg(path), 0);
  updateEnabled();
  return true;
}

bool FileActions::saveRun(const QString& path) {
  const Status s = m_window->timeTravel()->saveTo(path);
  if (!s.isOk()) {
    m_lastError = QString::fromStdString(s.message());
    return false;
  }
  m_window->showStatus(tr("Run saved to %1").arg(path));
  return true;
}

void FileActions::updateEnabled() {
  m_open->setEnabled(m_host != nullptr);
  m_export->setEnabled(m_live != nullptr);
}

void FileActions::setHost(ClusterHost* host) {
  m_host = host;
  if (host) connect(host, &ClusterHost::aboutToChange, this, &FileActions::cancelScenario);
  updateEnabled();
}

void FileActions::setCluster(cluster::Cluster* live, const ClusterSource* source) {
  m_live = live;
  m_source = source;
  updateEnabled();
}

void FileActions::cancelScenario() {
  if (!m_runner) return;
  m_runner->cancel();
  m_runner.reset();
  m_window->scenarioLabel()->hide();
  m_window->scenarioProgress()->hide();
}

bool FileActions::runScenarioFile(const QString& path) {
  auto sc = cluster::loadScenario(path.toStdString());
  if (!sc.isOk()) {
    m_lastError = QString::fromStdString(sc.status().message());
    m_window->showStatus(tr("Scenario not loaded: %1").arg(m_lastError), 0);
    return false;
  }
  if (!m_host) {
    m_lastError = tr("no cluster host to run it on");
    return false;
  }
  cancelScenario();
  const cluster::Scenario& s = sc.value();
  if (Status st = m_host->start(cluster::clusterOptionsFor(s)); !st.isOk()) {
    m_lastError = QString::fromStdString(st.message());
    m_window->showStatus(tr("Scenario cluster did not start: %1").arg(QString::fromStdString(st.message())), 0);
    return false;
  }
  m_scenario = s;
  m_runner = std::make_unique<cluster::ScenarioRunner>(*m_host->cluster(), s);
  const int steps = static_cast<int>(s.steps.size());
  const QString name = QString::fromStdString(s.name);
  m_window->scenarioProgress()->setRange(0, steps);
  m_window->scenarioProgress()->setValue(0);
  m_window->scenarioProgress()->show();
  m_window->scenarioLabel()->setText(tr("Scenario \"%1\"").arg(name));
  m_window->scenarioLabel()->show();
  connect(m_runner.get(), &cluster::ScenarioRunner::stepStarted, this, [this, name, steps](int i, const QString& what) {
    m_window->scenarioProgress()->setValue(i);
    m_window->scenarioLabel()->setText(tr("Scenario \"%1\": step %2/%3: %4").arg(name).arg(i + 1).arg(steps).arg(what));
  });
  connect(m_runner.get(), &cluster::ScenarioRunner::stepWaiting, this, [this, name, steps](int i, const QString& what) {
    m_window->scenarioLabel()->setText(tr("Scenario \"%1\": step %2/%3: %4…").arg(name).arg(i + 1).arg(steps).arg(what));
  });
  connect(m_runner.get(), &cluster::ScenarioRunner::momentMarked, m_window, &MainWindow::markMoment);
  connect(m_runner.get(), &cluster::ScenarioRunner::lookBackRequested, m_window, &MainWindow::lookBack);
  connect(m_runner.get(), &cluster::ScenarioRunner::stepFailed, this, [this](int i, const QString& why) {
    m_window->showStatus(tr("Step %1: %2").arg(i + 1).arg(why), 0);
  });
  connect(m_runner.get(), &cluster::ScenarioRunner::finished, this, [this, name, steps](bool ok) {
    m_window->scenarioProgress()->setValue(steps);
    const cluster::RunSummary sum = m_runner->summary();
    m_window->scenarioLabel()->setText(
        tr("Scenario \"%1\" %2: %3 acknowledged writes, %4 lost, %5 violations")
            .arg(name, ok ? tr("finished") : tr("finished with failed expectations"))
            .arg(sum.ackedWrites).arg(sum.lostAcked.size()).arg(sum.violations.size()));
    emit scenarioFinished(ok);
  });
  m_runner->start();
  m_window->showStatus(tr("Running scenario \"%1\" on a fresh %2-node cluster in %3")
                           .arg(name).arg(s.nodes).arg(QString::fromStdString(m_host->cluster()->dataDir())));
  return true;
}

QJsonObject FileActions::exportConfig() const {
  if (m_scenario) return m_scenario->config;
  const cluster::ClusterOptions& o = m_live->options();
  QJsonObject flush{{QStringLiteral("policy"), QString::fromLatin1(wal::flushModeName(o.flush.mode))},
                    {QStringLiteral("delay_ms"), static_cast<qint64>(o.flush.delayMs)}};
  return QJsonObject{{QStringLiteral("name"), QString::fromStdString(o.name)},
                     {QStringLiteral("nodes"), o.nodes},
                     {QStringLiteral("write_quorum"), o.writeQuorum == 0 ? QJsonValue(QStringLiteral("majority"))
                                                                         : QJsonValue(static_cast<int>(o.writeQuorum))},
                     {QStringLiteral("segment_bytes"), static_cast<qint64>(o.segmentBytes)},
                     {QStringLiteral("snapshot_every"), static_cast<qint64>(o.snapshotEvery)},
                     {QStringLiteral("flush"), flush},
                     {QStringLiteral("seed"), static_cast<qint64>(o.seed)}};
}

Status FileActions::exportTo(const QString& dir, bool showProgress) {
  if (!m_live) return Status::unavailable("no live cluster to export");
  // Judged again on the exported logs by exportCluster (what summary.json then holds).
  cluster::RunSummary summary = m_runner ? m_runner->summary() : cluster::summarize(*m_live, m_live->nowMs(), {});
  std::unique_ptr<QProgressDialog> dlg;
  if (showProgress) {
    dlg = std::make_unique<QProgressDialog>(tr("Exporting…"), tr("Cancel"), 0, 1, m_window);
    dlg->setWindowModality(Qt::WindowModal);
    dlg->setMinimumDuration(0);
  }
  return cluster::exportCluster(*m_live, dir.toStdString(), exportConfig(), summary,
                                [&](const cluster::ExportProgress& p) {
                                  if (!dlg) return true;
                                  dlg->setMaximum(p.total);
                                  dlg->setValue(p.done);
                                  dlg->setLabelText(tr("Exporting %1…").arg(QString::fromStdString(p.what)));
                                  QApplication::processEvents();
                                  return !dlg->wasCanceled();
                                });
}

bool FileActions::saveTimeline(const QString& path) {
  TimelineView* t = m_window->timeline();
  const QSize size = t->size().expandedTo(QSize(800, 600));
  bool ok = false;
  if (path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(tr("Quorum Lab timeline"));
    QPainter p;
    ok = p.begin(&svg);
    if (ok) {
      t->renderTo(p, QRectF(QPointF(0, 0), size));
      ok = p.end();
    }
  } else {
    QImage img(size, QImage::Format_ARGB32_Premultiplied);
    QPainter p(&img);
    t->renderTo(p, QRectF(QPointF(0, 0), size));
    p.end();
    ok = img.save(path);
  }
  m_window->showStatus(ok ? tr("Timeline saved to %1").arg(path) : tr("Could not write %1").arg(path));
  return ok;
}

bool FileActions::saveScreenshot(const QString& path) {
  const bool ok = m_window->grab().save(path);
  m_window->showStatus(ok ? tr("Screenshot saved to %1").arg(path) : tr("Could not write %1").arg(path));
  return ok;
}

void FileActions::openDataDir(const QString& dir) {
  auto* d = new DumpDialog(dir, m_window);
  d->setAttribute(Qt::WA_DeleteOnClose);
  d->show();
}

}  // namespace qlab::ui
