// The explorer driving a real cluster (three live nodes on threads, real disks and sockets):
// the controls are clicked as a user would and the cluster's reaction is checked in the
// models and the views: kill makes the node dead, restart brings it back, a flush policy
// reaches the node, a write commits, export writes valid files, a scenario runs with
// progress, and an unsafe configuration's lost writes show up in the banner and the lanes.
// Every wait is bounded.
#include <QAction>
#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>
#include <QScrollBar>

#include "ui/model/findings_model.h"
#include "ui/model/node_log_model.h"
#include "ui/source/cluster_host.h"
#include "ui/source/cluster_poller.h"
#include "ui/view/cluster_actions.h"
#include "ui/view/cluster_view.h"
#include "ui/view/controls_panel.h"
#include "ui/view/findings_banner.h"
#include "ui/view/log_lanes_view.h"
#include "ui/view/node_inspector.h"
#include "ui/view/theme.h"
#include "ui/window/demo_driver.h"
#include "ui/window/file_actions.h"
#include "ui/window/main_window.h"

using namespace qlab;
using namespace qlab::ui;

namespace {
constexpr int kTimeoutMs = 20000;

QToolButton* buttonFor(QWidget* panel, QAction* action) {
  for (QToolButton* b : panel->findChildren<QToolButton*>())
    if (b->defaultAction() == action) return b;
  return nullptr;
}
}  // namespace

class TestUiCluster : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir m_config;
  std::unique_ptr<MainWindow> m_window;
  std::unique_ptr<ClusterHost> m_host;

  const node::NodeView* view(NodeId id) const { return m_window->poller()->lastFrame().view(id); }
  bool hasLeader() const { return m_window->poller()->lastFrame().leader != kNoNode; }

 private slots:
  void initTestCase() {
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());  // never touch the user's settings
  }

  void init() {
    m_window = std::make_unique<MainWindow>();
    m_host = std::make_unique<ClusterHost>();
    m_window->setHost(m_host.get());
    m_window->show();
    cluster::ClusterOptions o;
    o.nodes = 3;
    o.keepData = false;
    cluster::LoadOptions load;
    load.clients = 2;
    load.rate = 40;
    QVERIFY(m_host->start(o, &load).isOk());
    QCOMPARE(m_window->windowTitle(), QStringLiteral("Quorum Lab — 3 nodes as threads"));
    QTRY_VERIFY_WITH_TIMEOUT(hasLeader(), kTimeoutMs);
  }

  void cleanup() {
    m_window.reset();
    m_host.reset();
  }

  void killMakesTheNodeDeadInTheModelAndTheView() {
    m_window->selectNode(2);
    QToolButton* kill = buttonFor(m_window->controls(), m_window->actions()->kill());
    QVERIFY(kill && kill->isEnabled());
    QTest::mouseClick(kill, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(view(2)->status, node::NodeStatus::kDead, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->inspector()->findChild<QLabel*>()->text().contains(QStringLiteral("dead")), 2000);
    QVERIFY(!m_window->actions()->kill()->isEnabled());
    // The ring paints node 2 in the "dead" colour.
    ClusterView* ring = m_window->clusterView();
    QImage img(ring->size(), QImage::Format_ARGB32);
    ring->render(&img);
    const QColor dead = Theme::forPalette(ring->palette()).dead;
    const QColor at = img.pixelColor((ring->nodeCenter(2) + QPointF(0, ring->height() / 30.0)).toPoint());
    QVERIFY2(std::abs(at.red() - dead.red()) + std::abs(at.green() - dead.green()) + std::abs(at.blue() - dead.blue()) < 40,
             qPrintable(at.name() + " vs " + dead.name()));
  }

  // F8 freezes the whole cluster: the HWM and every log stand still, the status bar says so
  // and the action shows it checked; F8 again thaws it and commits go on.
  void f8FreezesTheClusterAndF8AgainThawsIt() {
    QAction* freeze = m_window->actions()->freeze();
    QVERIFY(freeze->isEnabled() && !freeze->isChecked());
    QCOMPARE(freeze->shortcut(), QKeySequence(Qt::Key_F8));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->poller()->lastFrame().hwm > 3, kTimeoutMs);
    QTest::keyClick(m_window.get(), Qt::Key_F8);
    QVERIFY(m_host->cluster()->frozen());
    QTRY_VERIFY_WITH_TIMEOUT(freeze->isChecked(), 2000);
    auto statusSaysFrozen = [&] {
      for (QLabel* l : m_window->statusBar()->findChildren<QLabel*>())
        if (l->text().startsWith(QStringLiteral("FROZEN at"))) return true;
      return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(statusSaysFrozen(), 2000);
    QTest::qWait(300);
    const Index hwm = m_window->poller()->lastFrame().hwm;
    const Index end = view(1)->lastIndex;
    QTest::qWait(1500);
    QCOMPARE(m_window->poller()->lastFrame().hwm, hwm);
    QCOMPARE(view(1)->lastIndex, end);
    QTest::keyClick(m_window.get(), Qt::Key_F8);
    QVERIFY(!m_host->cluster()->frozen());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->poller()->lastFrame().hwm > hwm, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!freeze->isChecked(), 2000);
  }

  void restartBringsTheNodeBack() {
    m_window->selectNode(3);
    m_window->actions()->kill()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(view(3)->status, node::NodeStatus::kDead, kTimeoutMs);
    const Index before = view(3)->lastIndex;
    QToolButton* restart = buttonFor(m_window->controls(), m_window->actions()->restart());
    QTRY_VERIFY_WITH_TIMEOUT(restart->isEnabled(), 2000);
    QTest::mouseClick(restart, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(view(3)->status, node::NodeStatus::kRunning, kTimeoutMs);
    // It recovers from disk and catches up with the leader while the load goes on.
    QTRY_VERIFY_WITH_TIMEOUT(view(3)->lastIndex > before + 5, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->inspector()->entryModel()->rowCount() > 0, 2000);
  }

  void flushPolicyReachesTheNode() {
    m_window->selectNode(1);
    ControlsPanel* c = m_window->controls();
    c->policyBox()->setCurrentIndex(c->policyBox()->findData(static_cast<int>(wal::FlushMode::kDelayed)));
    c->delayBox()->setValue(300);
    QTest::mouseClick(c->setPolicyButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(view(1)->flush.mode, wal::FlushMode::kDelayed, kTimeoutMs);
    QCOMPARE(view(1)->flush.delayMs, std::int64_t(300));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->inspector()->fieldText(QStringLiteral("Flush")).contains(QStringLiteral("delayed")), 2000);
    QVERIFY(m_window->actions()->policy(wal::FlushMode::kDelayed)->isChecked());
    // An unsafe configuration is said in words.
    QTRY_VERIFY_WITH_TIMEOUT(m_host->cluster()->flushPolicy(1).mode == wal::FlushMode::kDelayed, 2000);
  }

  void aWriteFromTheWriteBoxCommits() {
    ControlsPanel* c = m_window->controls();
    c->writeKey()->setText(QStringLiteral("hello"));
    c->writeValue()->setText(QStringLiteral("world"));
    QTest::mouseClick(c->writeButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(c->writeResult()->text().contains(QStringLiteral("Committed")), kTimeoutMs);
  }

  void exportWritesValidFiles() {
    QTemporaryDir out;
    QTRY_VERIFY_WITH_TIMEOUT(m_window->poller()->lastFrame().hwm > 20, kTimeoutMs);
    Status s = m_window->fileActions()->exportTo(out.path(), false);
    QVERIFY2(s.isOk(), s.toString().c_str());
    QFile cj(out.path() + "/cluster.json");
    QVERIFY(cj.open(QIODevice::ReadOnly));
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(cj.readAll(), &err);
    QVERIFY2(err.error == QJsonParseError::NoError, qPrintable(err.errorString()));
    QCOMPARE(doc.object().value(QStringLiteral("nodes")).toArray().size(), 3);
    QCOMPARE(doc.object().value(QStringLiteral("config")).toObject().value(QStringLiteral("nodes")).toInt(), 3);
    for (const QString& f : {QStringLiteral("node-1.jsonl"), QStringLiteral("history.jsonl"), QStringLiteral("events.jsonl")}) {
      QFile jf(out.path() + "/" + f);
      QVERIFY2(jf.open(QIODevice::ReadOnly), qPrintable(f));
      int lines = 0;
      while (!jf.atEnd()) {
        const QByteArray line = jf.readLine().trimmed();
        if (line.isEmpty()) continue;
        QVERIFY2(QJsonDocument::fromJson(line, &err).isObject(), qPrintable(f + ": " + line));
        ++lines;
      }
      QVERIFY2(lines > 0, qPrintable(f));
    }
    QVERIFY(QFile::exists(out.path() + "/summary.json"));
    QVERIFY(!QDir(out.path() + "/segments/node-1").entryList({QStringLiteral("*.wal")}).isEmpty());
  }

  void timelineAndSnapshotsSaveAsImages() {
    QTemporaryDir out;
    QVERIFY(m_window->fileActions()->saveTimeline(out.path() + "/t.svg"));
    QFile svg(out.path() + "/t.svg");
    QVERIFY(svg.open(QIODevice::ReadOnly));
    const QByteArray text = svg.readAll();
    QVERIFY(text.contains("<svg") && text.contains("node 1"));
    QVERIFY(m_window->fileActions()->saveTimeline(out.path() + "/t.png"));
    QVERIFY(!QImage(out.path() + "/t.png").isNull());
    QVERIFY(m_window->fileActions()->saveScreenshot(out.path() + "/w.png"));
    QCOMPARE(QImage(out.path() + "/w.png").size(), m_window->size());
  }

  void aScenarioRunsWithProgress() {
    QTemporaryDir dir;
    QFile f(dir.path() + "/s.json");
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"name": "tiny", "nodes": 3, "steps": [
      {"do": "wait", "for": "leader", "timeout_ms": 10000},
      {"do": "write", "key": "a", "value": "1"},
      {"do": "kill", "node": "follower"},
      {"do": "write", "key": "b", "value": "2"},
      {"do": "expect", "lost_acked": 0}]})");
    f.close();
    QSignalSpy done(m_window->fileActions(), &FileActions::scenarioFinished);
    QVERIFY(m_window->fileActions()->runScenarioFile(f.fileName()));
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, kTimeoutMs);
    QVERIFY(done.at(0).at(0).toBool());
    QCOMPARE(m_window->scenarioProgress()->value(), m_window->scenarioProgress()->maximum());
    QVERIFY(m_window->scenarioLabel()->text().contains(QStringLiteral("tiny")));
    int dead = 0;
    QTRY_VERIFY_WITH_TIMEOUT(([&] {
      dead = 0;
      for (NodeId n = 1; n <= 3; ++n) dead += view(n)->status == node::NodeStatus::kDead;
      return dead == 1;
    }()), 5000);
    // A broken file is refused with the reason, and nothing is replaced.
    QFile bad(dir.path() + "/bad.json");
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("{\"nodes\": 12}");
    bad.close();
    cluster::Cluster* before = m_host->cluster();
    QVERIFY(!m_window->fileActions()->runScenarioFile(bad.fileName()));
    QVERIFY(m_window->fileActions()->lastError().contains(QStringLiteral("bad.json")));
    QCOMPARE(m_host->cluster(), before);
  }

  void resetMakesAFreshClusterOfTheChosenSize() {
    const std::string oldDir = m_host->cluster()->dataDir();
    m_window->controls()->setClusterSize(4);
    m_window->controls()->setElectionTimeoutMs(700);
    QSignalSpy reset(m_window.get(), &MainWindow::resetRequested);
    QTest::mouseClick(m_window->controls()->resetButton(), Qt::LeftButton);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(m_host->cluster()->options().electionTimeoutMs, 700);
    // The window asks its host for the new cluster (MainWindow::setHost).
    QCOMPARE(m_window->poller()->lastFrame().size, 4);
    QVERIFY(m_host->cluster()->dataDir() != oldDir);
    QTRY_VERIFY_WITH_TIMEOUT(hasLeader(), kTimeoutMs);
    QCOMPARE(m_window->lanes()->geometry().nodes, 4);
  }

  void delayedFlushLossIsShownAsLostWrites() {
    DemoDriver demo;
    bool finishedAtLastStep = false;  // what cmd_gui relies on to scroll to the losses
    connect(&demo, &DemoDriver::stepDone, this, [&] { finishedAtLastStep = demo.finished(); });
    QVERIFY(demo.start(QStringLiteral("delayed-loss"), m_host->source(), m_host->source()));
    QTRY_VERIFY_WITH_TIMEOUT(demo.finished(), kTimeoutMs);
    QVERIFY(finishedAtLastStep);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->findings()->expected() > 0, 30000);
    QCOMPARE(m_window->findings()->violations(), 0);  // an unsafe configuration: expected, not a violation
    QVERIFY(m_window->banner()->isVisible());
    QVERIFY(m_window->banner()->text().contains(QStringLiteral("expected")));
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->lanes()->cache().lostWrites().empty(), 10000);
    // "Show in log" brings the lost-writes row (the lanes' last) into view, also when the
    // lanes are too short to show every row.
    m_window->lanes()->setFixedHeight(160);
    QApplication::processEvents();
    QScrollBar* v = m_window->lanes()->verticalScrollBar();
    QVERIFY(v->maximum() > 0);
    v->setValue(0);
    QVERIFY(m_window->showLostWrites());
    QCOMPARE(v->value(), v->maximum());
    m_window->lanes()->setMinimumHeight(0);
    m_window->lanes()->setMaximumHeight(QWIDGETSIZE_MAX);
  }

  void settingsAreRemembered() {
    m_window->controls()->setClusterSize(5);
    m_window->controls()->setTimeScale(4);
    m_window->setThemeMode(ThemeMode::kDark);
    m_window->close();  // saves
    const AppSettings s = AppSettings::load();
    QCOMPARE(s.clusterSize, 5);
    QCOMPARE(s.theme, ThemeMode::kDark);
    QVERIFY(std::abs(s.timeScale - 4) < 0.01);
    QVERIFY(!s.windowState.isEmpty());
    applyTheme(ThemeMode::kDesktop);
  }
};

QTEST_MAIN(TestUiCluster)
#include "tst_ui_cluster.moc"
