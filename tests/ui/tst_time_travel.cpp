// Time travel in the window, on a live cluster: the time bar scrubs back (every view reads the
// recording, controls are off, the cluster keeps running), steps event by event, jumps to a
// fault, returns live; a saved run reopens with no live cluster and plays to its end; a bad
// file is refused by name and leaves the live cluster alone.
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include "core/cluster/cluster.h"
#include "ui/source/cluster_host.h"
#include "ui/source/cluster_poller.h"
#include "ui/source/time_travel.h"
#include "ui/view/cluster_actions.h"
#include "ui/view/time_bar.h"
#include "ui/window/file_actions.h"
#include "ui/window/main_window.h"

using namespace qlab;
using namespace qlab::ui;

class TimeTravelTest : public QObject {
  Q_OBJECT
  QTemporaryDir m_config;

 private slots:
  void initTestCase() { qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8()); }

  void scrubSaveAndReopen() {
    MainWindow w;
    ClusterHost host;
    w.setHost(&host);
    w.show();
    cluster::ClusterOptions o;
    o.nodes = 3;
    o.electionTimeoutMs = 300;
    cluster::LoadOptions load;
    load.clients = 2;
    load.rate = 100;
    QVERIFY(host.start(o, &load).isOk());
    TimeTravel* t = w.timeTravel();
    TimeBar* bar = w.timeBar();
    QVERIFY(t->hasRun());
    QVERIFY(t->isLive());
    QVERIFY(bar->label().startsWith("LIVE"));
    QTRY_VERIFY_WITH_TIMEOUT(host.cluster()->leader() != kNoNode, 10000);
    QTest::qWait(800);
    const NodeId victim = host.cluster()->leader();
    w.actions()->setTarget(victim);
    QTRY_VERIFY(w.actions()->kill()->isEnabled());
    w.actions()->kill()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(host.cluster()->leader() != kNoNode && host.cluster()->leader() != victim, 10000);
    QTest::qWait(600);

    // Back to the kill: the kill mark is on the bar, the views show the past.
    QTRY_VERIFY_WITH_TIMEOUT(!t->markers().empty(), 3000);
    std::int64_t killUs = -1;
    for (const auto& m : t->markers())
      if (m.kind == node::EventKind::kKill) killUs = m.tUs;
    QVERIFY(killUs > 0);
    t->seekUs(killUs - 300'000);  // just before it
    QVERIFY(!t->isLive());
    QVERIFY(w.poller()->source() != host.source());
    QTRY_VERIFY(w.poller()->lastFrame().nowMs == (killUs - 300'000) / 1000);
    QCOMPARE(w.poller()->lastFrame().view(victim)->status, node::NodeStatus::kRunning);
    QCOMPARE(w.poller()->lastFrame().leader, victim);
    QVERIFY(!w.actions()->kill()->isEnabled());  // the past cannot be changed
    QVERIFY(!bar->label().startsWith("LIVE"));
    // Ctrl+Right on the track: to the kill; then the victim is down in every view.
    bar->track()->setFocus();
    QTest::keyClick(bar->track(), Qt::Key_Right, Qt::ControlModifier);
    QCOMPARE(t->cursorUs(), killUs + TimeTravel::kMarkSettleUs);
    w.poller()->pollNow();
    QTRY_VERIFY(w.poller()->lastFrame().view(victim)->status == node::NodeStatus::kDead);
    // Left steps one event back, Right one forward.
    QTest::keyClick(bar->track(), Qt::Key_Left);
    const std::int64_t back = t->cursorUs();
    QVERIFY(back < killUs + TimeTravel::kMarkSettleUs);
    QTest::keyClick(bar->track(), Qt::Key_Right);
    QVERIFY(t->cursorUs() > back);
    // A click on the track goes there.
    QTest::mouseClick(bar->track(), Qt::LeftButton, {}, QPoint(bar->track()->width() / 4, bar->track()->height() / 2));
    // (the live end keeps moving, so the same x is a little later a moment after)
    QVERIFY(!t->isLive());
    QVERIFY(std::abs(t->cursorUs() - bar->track()->timeAt(bar->track()->width() / 4)) < 100'000);
    // The cluster kept running meanwhile; End goes live again and the controls come back.
    const Index hwmBefore = host.cluster()->hwm();
    QTRY_VERIFY_WITH_TIMEOUT(host.cluster()->hwm() > hwmBefore, 5000);
    QTest::keyClick(bar->track(), Qt::Key_End);
    QVERIFY(t->isLive());
    QCOMPARE(w.poller()->source(), static_cast<const ClusterSource*>(host.source()));
    QTRY_VERIFY(w.actions()->restart()->isEnabled() || w.actions()->kill()->isEnabled());

    // Save the run; a bad file is refused and the live cluster stays.
    QTemporaryDir dir;
    const QString path = dir.filePath("lesson.qlabrun");
    QVERIFY2(w.fileActions()->saveRun(path), qPrintable(w.fileActions()->lastError()));
    QFile junk(dir.filePath("junk.qlabrun"));
    QVERIFY(junk.open(QIODevice::WriteOnly));
    junk.write("nothing like a recording");
    junk.close();
    QVERIFY(!w.fileActions()->openRun(junk.fileName()));
    QVERIFY(w.fileActions()->lastError().contains("junk.qlabrun"));
    QVERIFY(host.cluster() != nullptr);

    // Reopen: no live cluster, the whole run with its marks, played to the end at 10x.
    QVERIFY2(w.fileActions()->openRun(path), qPrintable(w.fileActions()->lastError()));
    QVERIFY(host.cluster() == nullptr);
    QVERIFY(!t->liveAttached());
    QVERIFY(!bar->liveButton()->isEnabled());
    QCOMPARE(t->cursorUs(), t->startUs());
    bool killMarked = false;
    for (const auto& m : t->markers()) killMarked |= m.kind == node::EventKind::kKill && m.tUs == killUs;
    QVERIFY(killMarked);
    t->seekUs(killUs + TimeTravel::kMarkSettleUs);
    w.poller()->pollNow();
    QCOMPARE(w.poller()->lastFrame().view(victim)->status, node::NodeStatus::kDead);
    t->setSpeed(10);
    QTest::mouseClick(bar->playButton(), Qt::LeftButton);
    QVERIFY(t->playing());
    QTRY_VERIFY_WITH_TIMEOUT(!t->playing(), 10000);  // stops at the end
    QCOMPARE(t->cursorUs(), t->endUs());
  }

  // A scenario's `mark` names a moment in the recording; its `look_back` sends the time bar
  // there while the cluster runs on.
  void aScenarioMarksAMomentAndLooksBack() {
    MainWindow w;
    ClusterHost host;
    w.setHost(&host);
    w.show();
    QTemporaryDir dir;
    const QString file = dir.filePath("look-back.json");
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"name": "look back", "nodes": 3, "election_timeout_ms": 300, "steps": [
      {"do": "wait", "for": "leader", "timeout_ms": 10000},
      {"do": "write", "key": "a", "value": "1"},
      {"do": "mark", "name": "a written"},
      {"do": "write", "key": "b", "value": "2"},
      {"do": "wait", "for": "ms", "ms": 700},
      {"do": "look_back", "moment": "a written"}]})");
    f.close();
    QVERIFY2(w.fileActions()->runScenarioFile(file), qPrintable(w.fileActions()->lastError()));
    QSignalSpy done(w.fileActions(), &FileActions::scenarioFinished);
    QVERIFY(done.wait(20000));
    TimeTravel* t = w.timeTravel();
    QCOMPARE(t->moments().size(), std::size_t(1));
    QCOMPARE(t->moments()[0].name, std::string("a written"));
    QVERIFY(!t->isLive());
    QCOMPARE(t->cursorUs(), t->moments()[0].tUs);
    // At that moment key b was not yet written: the state shows a, not b.
    w.poller()->pollNow();
    const node::NodeView* l = w.poller()->lastFrame().view(w.poller()->lastFrame().leader);
    QVERIFY(l != nullptr);
    QVERIFY(host.cluster()->hwm() > l->hwm);  // the present is ahead of the moment shown
  }
};

QTEST_MAIN(TimeTravelTest)
#include "tst_time_travel.moc"
