#pragma once
// LessonController: the lesson state machine. Starting a lesson replaces the cluster with a
// fresh one configured as the lesson's scenario says (through ClusterHost, like File > Open
// scenario) and runs page 1's steps; Next shows the next page and runs its steps (one
// ScenarioRunner, stopped after each page); Back only re-shows earlier narration: steps that
// ran stay done, nothing is undone, and Next comes back to where the lesson stands. After the
// last page comes the quiz. Free play stops the runner and leaves the cluster to the student.
// A cluster replaced from elsewhere (Reset, a scenario) ends the lesson with a message.
#include <memory>
#include <vector>

#include <QObject>
#include <QStringList>

#include "core/scenario/lesson.h"

namespace qlab::ui {

class ClusterHost;

class LessonController : public QObject {
  Q_OBJECT
 public:
  enum class State {
    kIdle,      // no lesson: the panel offers the list
    kLesson,    // reading a page (its steps may be running: stepsRunning())
    kQuiz,      // after the last page
    kFreePlay,  // the runner stopped; the lesson's cluster is the student's
  };

  explicit LessonController(QObject* parent = nullptr);
  ~LessonController() override;

  void setLessons(std::vector<cluster::Lesson> lessons);
  const std::vector<cluster::Lesson>& lessons() const { return m_lessons; }
  void setHost(ClusterHost* host);

  // By name, file stem or number. False (and lastError() says why, listing the names) when
  // there is no such lesson or its cluster did not start.
  bool start(const QString& name);
  bool restart();
  void next();
  void back();
  void freePlay();
  void stop();  // ends the lesson, keeps the cluster, back to the list
  // Presses Next by itself whenever a page's steps are done, until page `page` (0-based) is
  // shown, or the quiz when `page` is past the last one (hidden --lesson-page, screenshots).
  void advanceTo(int page);

  State state() const { return m_state; }
  const cluster::Lesson* lesson() const { return m_lesson; }
  int page() const { return m_page; }          // the page shown, 0-based
  int pagesRun() const { return m_runPage + 1; }  // pages whose steps have started
  int pageCount() const { return m_lesson ? static_cast<int>(m_lesson->pages.size()) : 0; }
  const cluster::LessonPage* currentPage() const;
  bool stepsRunning() const;  // the steps of page pagesRun() - 1 are still running
  bool canNext() const;
  bool canBack() const;
  bool rereading() const { return m_state == State::kLesson && m_page < m_runPage; }
  bool onLastPage() const { return m_page + 1 == pageCount(); }
  // The step running now, in a few words ("step 4 of 12: write delayed-1"), or "".
  QString runningText() const { return m_running; }
  QStringList failures(int page) const;
  // The page's watch value, "" when nothing is to be highlighted (quiz, free play, idle).
  QString currentWatch() const;
  QString lastError() const { return m_error; }
  QString availableNames() const;
  cluster::ScenarioRunner* runner() const { return m_runner.get(); }

 signals:
  void changed();                        // anything the panel shows
  void watchChanged(const QString& watch);  // highlight this ("" = none)
  void message(const QString& text);     // for the status bar
  // The lesson's `mark` and `look_back` steps, for the time bar (MainWindow connects them).
  void momentMarked(const QString& name);
  void lookBackRequested(const QString& moment);

 private:
  void connectRunner();
  void dropRunner();
  void onPaused();
  void onFinished();
  void onStepStarted(int index);
  void onStepFailed(int index, const QString& why);
  void setPage(int page);
  void setState(State s);
  void autoAdvance();
  int pageOfStep(int step) const;

  std::vector<cluster::Lesson> m_lessons;
  const cluster::Lesson* m_lesson = nullptr;
  ClusterHost* m_host = nullptr;
  std::unique_ptr<cluster::ScenarioRunner> m_runner;
  State m_state = State::kIdle;
  int m_page = 0;
  int m_runPage = 0;
  bool m_starting = false;
  int m_advanceTo = -1;
  QString m_running;
  QString m_error;
  QString m_watch;
  std::vector<QStringList> m_failures;  // per page
};

}  // namespace qlab::ui
