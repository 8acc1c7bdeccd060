// The lesson experience in the window, on a live cluster (three nodes on threads, real disks
// and sockets): a short lesson is walked page by page with Next (which waits while a page's
// steps run), Back re-shows earlier text without re-running anything, the highlight follows
// the page, the quiz answer stays hidden until asked for, free play leaves the cluster
// running, a failed step is told in words in the panel, and replacing the cluster ends the
// lesson. Without a cluster: every watch value in the shipped lessons is understood, the
// Lessons menu lists all eleven, and entries a quorum acknowledged from memory are drawn as
// buffered (what lesson 2 tells the student to look for). Every wait is bounded.
#include <QAction>
#include <QDockWidget>
#include <QFile>
#include <QGroupBox>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>

#include "core/scenario/lesson.h"
#include "ui/lesson/lesson_controller.h"
#include "ui/lesson/lesson_highlighter.h"
#include "ui/lesson/lesson_panel.h"
#include "ui/lesson/watch.h"
#include "ui/model/node_log_model.h"
#include "ui/source/cluster_host.h"
#include "ui/source/cluster_poller.h"
#include "ui/view/cluster_actions.h"
#include "ui/view/cluster_view.h"
#include "ui/view/lanes_painter.h"
#include "ui/view/log_lanes_view.h"
#include "ui/view/timeline_view.h"
#include "ui/window/main_window.h"

using namespace qlab;
using namespace qlab::ui;

namespace {
constexpr int kTimeoutMs = 30000;
using State = LessonController::State;

// Three pages: a leader (watch the leader), two writes (watch the HWM), a check (timeline).
const char* kShortLesson = R"({
  "name": "short",
  "lesson": {"order": 1, "title": "A short lesson", "pattern": "High-Water Mark",
             "summary": "Two writes commit.",
             "quiz": {"question": "What commits a write?", "answer": "A quorum of durable copies.",
                      "explanation": "The HWM moves when W nodes hold the entry on disk."}},
  "nodes": 3,
  "steps": [
    {"do": "wait", "for": "leader", "timeout_ms": 15000, "say": "Page one: a leader is elected.", "watch": "node:leader"},
    {"do": "write", "key": "x", "value": "1", "say": "Page two: two writes.", "watch": "hwm"},
    {"do": "write", "key": "y", "value": "2"},
    {"do": "expect", "committed_min": 2, "lost_acked": 0, "say": "Page three: both committed.", "watch": "timeline"}
  ]
})";

// Page two expects what cannot happen: the failure must be told in the panel.
const char* kFailingLesson = R"({
  "name": "failing",
  "lesson": {"order": 2, "title": "A lesson that fails", "pattern": "Quorum", "summary": "s",
             "quiz": {"question": "q", "answer": "a"}},
  "nodes": 3,
  "steps": [
    {"do": "wait", "for": "leader", "timeout_ms": 15000, "say": "Page one."},
    {"do": "expect", "committed_min": 100000, "say": "Page two."}
  ]
})";
}  // namespace

class TestLesson : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir m_config;
  QTemporaryDir m_lessonsDir;
  std::unique_ptr<MainWindow> m_window;
  std::unique_ptr<ClusterHost> m_host;

  LessonController* ctl() const { return m_window->lessons(); }
  LessonPanel* panel() const { return m_window->lessonPanel(); }
  std::uint64_t okWrites() const { return m_host->cluster()->recorder().stats().okWrites; }

  void writeLesson(const char* file, const char* json) {
    QFile f(m_lessonsDir.filePath(QLatin1String(file)));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(json);
  }

  void useTestLessons() {
    writeLesson("01-short.json", kShortLesson);
    writeLesson("02-failing.json", kFailingLesson);
    std::vector<std::string> errors;
    ctl()->setLessons(cluster::loadLessons(m_lessonsDir.path().toStdString(), &errors));
    QVERIFY2(errors.empty(), errors.empty() ? "" : errors.front().c_str());
  }

  void waitForPageDone() { QTRY_VERIFY_WITH_TIMEOUT(ctl()->canNext(), kTimeoutMs); }

 private slots:
  void initTestCase() {
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());  // never touch the user's settings
    qputenv("QLAB_LESSONS_DIR", QLAB_SOURCE_DIR "/resources/lessons");
  }

  void init() {
    m_window = std::make_unique<MainWindow>();
    m_host = std::make_unique<ClusterHost>();
    m_window->setHost(m_host.get());
    m_window->show();
  }

  void cleanup() {
    m_host.reset();
    m_window.reset();
  }

  void everyWatchValueInTheShippedLessonsIsKnown() {
    const auto lessons = cluster::loadLessons(QLAB_SOURCE_DIR "/resources/lessons");
    QCOMPARE(lessons.size(), std::size_t(11));
    int watched = 0;
    for (const auto& l : lessons)
      for (const auto& step : l.scenario.steps)
        if (step.fields.contains(QLatin1String("watch"))) {
          const QString w = step.fields.value(QLatin1String("watch")).toString();
          QVERIFY2(Watch::parse(w).known(), qPrintable(QString::fromStdString(l.name) + ": " + w));
          QVERIFY(!Watch::parse(w).describe().isEmpty());
          ++watched;
        }
    QVERIFY(watched >= 20);
    // An unknown value highlights nothing and breaks nothing.
    QVERIFY(!Watch::parse(QStringLiteral("lanes:nonsense")).known());
    QVERIFY(!Watch::parse(QStringLiteral("node:12")).known());
    QCOMPARE(Watch::parse(QStringLiteral("node:2")).node, NodeId(2));
    m_window->highlighter()->show(QStringLiteral("lanes:nonsense"));
    QVERIFY(!m_window->lanes()->highlight().active());
    QVERIFY(!m_window->clusterView()->highlight().active());
    QVERIFY(m_window->highlighter()->outlined() == nullptr);
  }

  void committedButNotYetDurableIsDrawnBuffered() {
    // Under delayed flush a quorum acknowledges from memory: the HWM passes the durable end.
    // Lesson 2 tells the student to look for hatched (buffered) cells there.
    node::NodeView v;
    v.hwm = 10;
    v.durableEnd = 5;
    v.lastIndex = 12;
    QCOMPARE(cellState(v, 3), CellState::kCommitted);
    QCOMPARE(cellState(v, 7), CellState::kBuffered);
    QCOMPARE(cellState(v, 12), CellState::kBuffered);
    node::EntryView e;
    e.index = 7;
    QCOMPARE(NodeLogModel::stateName(e, v), QStringLiteral("buffered, committed"));
    v.durableEnd = 11;
    QCOMPARE(cellState(v, 11), CellState::kDurable);
  }

  void lessonsMenuListsAllElevenInOrder() {
    auto* menu = m_window->menuBar()->findChild<QMenu*>(QStringLiteral("lessonsMenu"));
    QVERIFY(menu);
    QStringList names;
    for (QAction* a : menu->actions())
      if (!a->data().toString().isEmpty()) {
        names << a->text();
        QVERIFY2(!a->toolTip().isEmpty(), qPrintable(a->text()));
      }
    QCOMPARE(names.size(), 11);
    QVERIFY2(names.first().startsWith(QLatin1String("1. ")) && names.first().contains(QLatin1String("Write-ahead log"), Qt::CaseInsensitive),
             qPrintable(names.first()));
    QVERIFY2(names.last().startsWith(QLatin1String("11. ")), qPrintable(names.last()));
    // The panel offers the same list when no lesson runs.
    QCOMPARE(panel()->lessonList()->count(), 11);
  }

  void unknownLessonIsRefusedWithTheNames() {
    QVERIFY(!m_window->requestLesson(QStringLiteral("no-such-lesson")));
    QVERIFY2(ctl()->lastError().contains(QLatin1String("flush-delay")), qPrintable(ctl()->lastError()));
    QCOMPARE(ctl()->state(), State::kIdle);
    QVERIFY(panel()->lessonList()->isVisible());
  }

  void walksALessonPageByPageWithBackQuizAndFreePlay() {
    useTestLessons();
    QVERIFY(m_window->requestLesson(QStringLiteral("short")));
    QVERIFY(m_window->lessonDock()->isVisible());
    // Page 1's steps run at once: Next waits for them and says so.
    QCOMPARE(ctl()->page(), 0);
    QVERIFY(!panel()->nextButton()->isEnabled());
    QCOMPARE(panel()->nextButton()->text(), QStringLiteral("Running…"));
    QCOMPARE(panel()->narrationLabel()->text(), QStringLiteral("Page one: a leader is elected."));
    QCOMPARE(panel()->pageLabel()->text(), QStringLiteral("Page 1 of 3"));
    QCOMPARE(m_window->clusterView()->highlight().mode, NodeHighlight::Mode::kLeader);
    QVERIFY(panel()->watchLabel()->text().contains(QLatin1String("leader")));
    waitForPageDone();
    QVERIFY(!panel()->backButton()->isEnabled());
    QCOMPARE(okWrites(), std::uint64_t(0));  // page 2's writes wait for Next

    QTest::mouseClick(panel()->nextButton(), Qt::LeftButton);
    QCOMPARE(ctl()->page(), 1);
    QCOMPARE(panel()->narrationLabel()->text(), QStringLiteral("Page two: two writes."));
    QCOMPARE(m_window->lanes()->highlight().kind, LanesHighlight::Kind::kHwm);
    QVERIFY(!m_window->clusterView()->highlight().active());  // the old highlight stopped
    waitForPageDone();
    QCOMPARE(okWrites(), std::uint64_t(2));

    // Back re-shows page 1 and says it undoes nothing; Next returns without re-running.
    panel()->backAction()->trigger();
    QCOMPARE(panel()->narrationLabel()->text(), QStringLiteral("Page one: a leader is elected."));
    QVERIFY2(panel()->noteLabel()->text().contains(QLatin1String("does not undo")), qPrintable(panel()->noteLabel()->text()));
    QVERIFY(panel()->nextButton()->isEnabled());
    panel()->nextAction()->trigger();
    QCOMPARE(ctl()->page(), 1);
    QTest::qWait(300);
    QCOMPARE(okWrites(), std::uint64_t(2));
    QVERIFY(ctl()->runner()->paused());

    panel()->nextAction()->trigger();
    QCOMPARE(ctl()->page(), 2);
    QCOMPARE(m_window->highlighter()->outlined(), static_cast<QWidget*>(m_window->timeline()));
    waitForPageDone();
    QVERIFY2(ctl()->failures(2).isEmpty(), qPrintable(ctl()->failures(2).join('\n')));
    QVERIFY(panel()->nextButton()->text().contains(QLatin1String("quiz")));

    // The quiz: the answer is hidden until asked for.
    panel()->nextAction()->trigger();
    QCOMPARE(ctl()->state(), State::kQuiz);
    QVERIFY(!m_window->lanes()->highlight().active() && m_window->highlighter()->outlined() == nullptr);
    QVERIFY(panel()->quizBox()->isVisible());
    QCOMPARE(panel()->questionLabel()->text(), QStringLiteral("What commits a write?"));
    QVERIFY(panel()->answerLabel()->isHidden());
    QVERIFY(!panel()->answerLabel()->text().contains(QLatin1String("quorum of durable")));
    QTest::mouseClick(panel()->showAnswerButton(), Qt::LeftButton);
    QVERIFY(panel()->answerLabel()->isVisible());
    QVERIFY(panel()->answerLabel()->text().contains(QLatin1String("A quorum of durable copies.")));
    QVERIFY(panel()->answerLabel()->text().contains(QLatin1String("W nodes hold the entry")));

    // Free play: the runner is gone, the same cluster keeps running and the controls work.
    cluster::Cluster* before = m_host->cluster();
    QTest::mouseClick(panel()->freePlayButton(), Qt::LeftButton);
    QCOMPARE(ctl()->state(), State::kFreePlay);
    QVERIFY(ctl()->runner() == nullptr);
    QCOMPARE(m_host->cluster(), before);
    QVERIFY(panel()->noteLabel()->text().contains(QLatin1String("Free play")));
    m_window->selectNode(2);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->actions()->kill()->isEnabled(), 2000);
    m_host->cluster()->load().submit("after", std::string("free"), [](const cluster::Operation&) {}, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(okWrites(), std::uint64_t(3), kTimeoutMs);
  }

  void aFailedStepIsToldInThePanelInWords() {
    useTestLessons();
    QVERIFY(m_window->requestLesson(QStringLiteral("2")));
    waitForPageDone();
    ctl()->next();
    waitForPageDone();
    QVERIFY(!ctl()->failures(1).isEmpty());
    QVERIFY(panel()->failureLabel()->isVisible());
    QVERIFY2(panel()->failureLabel()->text().contains(QLatin1String("committed_min")),
             qPrintable(panel()->failureLabel()->text()));
  }

  void replacingTheClusterEndsTheLesson() {
    useTestLessons();
    QVERIFY(ctl()->start(QStringLiteral("short")));
    waitForPageDone();
    QVERIFY(m_host->reset(3, wal::FlushPolicy{}).isOk());
    QCOMPARE(ctl()->state(), State::kIdle);
    QVERIFY(ctl()->runner() == nullptr);
    QVERIFY2(ctl()->lastError().contains(QLatin1String("replaced")), qPrintable(ctl()->lastError()));
    QVERIFY(!m_window->clusterView()->highlight().active());
  }

  void advanceToPressesNextUntilThePage() {
    useTestLessons();
    QVERIFY(ctl()->start(QStringLiteral("short")));
    ctl()->advanceTo(2);
    QTRY_COMPARE_WITH_TIMEOUT(ctl()->page(), 2, kTimeoutMs);
    waitForPageDone();
    QCOMPARE(okWrites(), std::uint64_t(2));
  }
};

QTEST_MAIN(TestLesson)
#include "tst_lesson.moc"
