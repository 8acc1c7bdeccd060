// LessonController: pages, runner stops, Back, quiz and free play (see the header).
#include "ui/lesson/lesson_controller.h"

#include <QTimer>

#include "core/scenario/scenario.h"
#include "ui/source/cluster_host.h"

namespace qlab::ui {

namespace {
// "write key=a", "kill node=all": the step in a few words (its narration is on the page).
QString shortStep(const cluster::Step& s) {
  QString text = QString::fromStdString(s.kind);
  for (const char* key : {"node", "for", "key", "policy", "write_quorum", "count"}) {
    const QJsonValue v = s.fields.value(QLatin1String(key));
    if (v.isString()) text += QStringLiteral(" %1").arg(v.toString());
    else if (v.isDouble()) text += QStringLiteral(" %1=%2").arg(QLatin1String(key)).arg(v.toDouble());
  }
  return text;
}
}  // namespace

LessonController::LessonController(QObject* parent) : QObject(parent) {}

LessonController::~LessonController() { dropRunner(); }

void LessonController::setLessons(std::vector<cluster::Lesson> lessons) {
  stop();
  m_lessons = std::move(lessons);
  emit changed();
}

void LessonController::setHost(ClusterHost* host) {
  m_host = host;
  if (!host) return;
  connect(host, &ClusterHost::aboutToChange, this, [this] {
    if (m_starting || !m_runner) return;
    dropRunner();
    if (m_state == State::kLesson || m_state == State::kQuiz) {
      m_error = tr("The cluster was replaced (Reset or a scenario), so the lesson stopped. Start it again to "
                   "replay it from the beginning.");
      setState(State::kIdle);
    }
  });
}

QString LessonController::availableNames() const {
  QStringList names;
  for (const auto& l : m_lessons) names << QStringLiteral("%1 %2").arg(l.order).arg(QString::fromStdString(l.name));
  return names.join(QStringLiteral(", "));
}

bool LessonController::start(const QString& name) {
  const cluster::Lesson* l = cluster::findLesson(m_lessons, name.toStdString());
  if (!l) {
    m_error = tr("There is no lesson \"%1\". The lessons are: %2.").arg(name, availableNames());
    emit changed();
    return false;
  }
  if (!m_host) {
    m_error = tr("No cluster to run the lesson on.");
    emit changed();
    return false;
  }
  dropRunner();
  m_starting = true;
  const Status st = m_host->start(cluster::clusterOptionsFor(l->scenario));
  m_starting = false;
  if (!st.isOk() || !m_host->cluster()) {
    m_error = tr("The lesson's cluster did not start: %1").arg(QString::fromStdString(st.message()));
    m_lesson = nullptr;
    setState(State::kIdle);
    return false;
  }
  m_lesson = l;
  m_error.clear();
  m_failures.assign(l->pages.size(), {});
  m_page = 0;
  m_runPage = 0;
  m_advanceTo = -1;
  m_runner = std::make_unique<cluster::ScenarioRunner>(*m_host->cluster(), l->scenario);
  connectRunner();
  m_state = State::kLesson;
  m_runner->start(l->pages.front().lastStep);
  emit message(tr("Lesson %1: %2, on a fresh %3-node cluster in %4")
                   .arg(l->order).arg(QString::fromStdString(l->title)).arg(l->scenario.nodes)
                   .arg(QString::fromStdString(m_host->cluster()->dataDir())));
  setPage(0);
  return true;
}

bool LessonController::restart() { return m_lesson && start(QString::fromStdString(m_lesson->name)); }

void LessonController::connectRunner() {
  connect(m_runner.get(), &cluster::ScenarioRunner::momentMarked, this, &LessonController::momentMarked);
  connect(m_runner.get(), &cluster::ScenarioRunner::lookBackRequested, this, &LessonController::lookBackRequested);
  connect(m_runner.get(), &cluster::ScenarioRunner::stepStarted, this, [this](int i, const QString&) { onStepStarted(i); });
  connect(m_runner.get(), &cluster::ScenarioRunner::stepFailed, this, &LessonController::onStepFailed);
  connect(m_runner.get(), &cluster::ScenarioRunner::stepWaiting, this, [this](int index, const QString&) {
    if (!m_lesson) return;
    const auto& step = m_lesson->scenario.steps[static_cast<std::size_t>(index)];
    const QString who = step.fields.value(QStringLiteral("node")).toString(QStringLiteral("leader"));
    m_running = tr("step %1: waiting for a %2 to be elected…").arg(index + 1).arg(who);
    emit changed();
  });
  connect(m_runner.get(), &cluster::ScenarioRunner::pausedAt, this, [this](int) { onPaused(); });
  connect(m_runner.get(), &cluster::ScenarioRunner::finished, this, [this](bool) { onFinished(); });
}

void LessonController::dropRunner() {
  if (!m_runner) return;
  m_runner->disconnect(this);
  m_runner->cancel();
  m_runner.reset();
  m_running.clear();
}

const cluster::LessonPage* LessonController::currentPage() const {
  if (!m_lesson || m_page < 0 || m_page >= pageCount()) return nullptr;
  return &m_lesson->pages[static_cast<std::size_t>(m_page)];
}

bool LessonController::stepsRunning() const { return m_runner && m_runner->running() && !m_runner->paused(); }

bool LessonController::canNext() const {
  if (m_state != State::kLesson) return false;
  return rereading() || !stepsRunning();
}

bool LessonController::canBack() const {
  return (m_state == State::kLesson && m_page > 0) || m_state == State::kQuiz;
}

QStringList LessonController::failures(int page) const {
  return page >= 0 && page < static_cast<int>(m_failures.size()) ? m_failures[static_cast<std::size_t>(page)] : QStringList();
}

QString LessonController::currentWatch() const { return m_watch; }

int LessonController::pageOfStep(int step) const {
  if (!m_lesson) return 0;
  for (int p = 0; p < pageCount(); ++p)
    if (step <= m_lesson->pages[static_cast<std::size_t>(p)].lastStep) return p;
  return pageCount() - 1;
}

void LessonController::next() {
  if (!canNext()) return;
  if (rereading()) {
    setPage(m_page + 1);
    return;
  }
  if (onLastPage()) {
    setState(State::kQuiz);
    return;
  }
  ++m_runPage;
  setPage(m_page + 1);
  if (m_runner) m_runner->resumeUntil(m_lesson->pages[static_cast<std::size_t>(m_runPage)].lastStep);
  emit changed();
}

void LessonController::back() {
  if (!canBack()) return;
  if (m_state == State::kQuiz) {
    m_state = State::kLesson;
    setPage(pageCount() - 1);
    return;
  }
  setPage(m_page - 1);
}

void LessonController::freePlay() {
  if (m_state == State::kIdle || m_state == State::kFreePlay) return;
  dropRunner();
  m_advanceTo = -1;
  emit message(tr("Free play: the lesson stopped; the cluster and every control are yours."));
  setState(State::kFreePlay);
}

void LessonController::stop() {
  dropRunner();
  m_advanceTo = -1;
  m_lesson = nullptr;
  setState(State::kIdle);
}

void LessonController::advanceTo(int page) {
  m_advanceTo = page;
  autoAdvance();
}

void LessonController::autoAdvance() {
  if (m_advanceTo <= m_page || !canNext()) return;
  // From the event loop: the runner is still inside its own signal.
  QTimer::singleShot(0, this, [this] {
    if (m_advanceTo > m_page && canNext()) next();
  });
}

void LessonController::onStepStarted(int index) {
  if (!m_lesson) return;
  const int total = static_cast<int>(m_lesson->scenario.steps.size());
  m_running = tr("step %1 of %2: %3").arg(index + 1).arg(total)
                  .arg(shortStep(m_lesson->scenario.steps[static_cast<std::size_t>(index)]));
  emit changed();
}

void LessonController::onStepFailed(int index, const QString& why) {
  const auto page = static_cast<std::size_t>(pageOfStep(index));
  if (page < m_failures.size()) m_failures[page] << why;
  emit changed();
}

void LessonController::onPaused() {
  m_running.clear();
  emit changed();
  autoAdvance();
}

void LessonController::onFinished() {
  m_running.clear();
  emit changed();
  autoAdvance();  // past the last page: the quiz
}

void LessonController::setPage(int page) {
  m_page = page;
  const cluster::LessonPage* p = currentPage();
  const QString watch = p && m_state == State::kLesson ? QString::fromStdString(p->watch) : QString();
  if (watch != m_watch || watch.isEmpty()) {
    m_watch = watch;
    emit watchChanged(m_watch);
  }
  emit changed();
}

void LessonController::setState(State s) {
  m_state = s;
  if (s != State::kLesson && !m_watch.isEmpty()) {
    m_watch.clear();
    emit watchChanged(m_watch);
  }
  emit changed();
}

}  // namespace qlab::ui
