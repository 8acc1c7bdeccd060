// LessonPanel: the lesson dock's widgets, refreshed from LessonController's state.
#include "ui/lesson/lesson_panel.h"

#include <algorithm>

#include <QAction>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QStackedWidget>
#include <QVBoxLayout>

#include "ui/lesson/lesson_controller.h"
#include "ui/lesson/watch.h"
#include "ui/view/highlight.h"

namespace qlab::ui {

namespace {
QLabel* wrapped(QWidget* parent, double scale = 1.0, bool bold = false) {
  auto* l = new QLabel(parent);
  l->setWordWrap(true);
  l->setTextFormat(Qt::PlainText);
  l->setTextInteractionFlags(Qt::TextSelectableByMouse);
  QFont f = l->font();
  if (scale != 1.0) f.setPointSizeF(std::max(f.pointSizeF() * scale, 10.0));
  f.setBold(bold);
  l->setFont(f);
  return l;
}
}  // namespace

LessonPanel::LessonPanel(LessonController* controller, QWidget* parent) : QWidget(parent), m_controller(controller) {
  setObjectName(QStringLiteral("lessonPanel"));
  m_nextAction = new QAction(tr("&Next page"), this);
  m_nextAction->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Right));
  m_nextAction->setToolTip(tr("Run the next page of the lesson (Alt+Right)."));
  m_backAction = new QAction(tr("&Previous page"), this);
  m_backAction->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Left));
  m_backAction->setToolTip(tr("Read the previous page again (Alt+Left). It does not undo anything."));
  connect(m_nextAction, &QAction::triggered, m_controller, &LessonController::next);
  connect(m_backAction, &QAction::triggered, m_controller, &LessonController::back);

  m_stack = new QStackedWidget(this);
  m_stack->addWidget(buildChooser());
  m_stack->addWidget(buildLesson());
  auto* l = new QVBoxLayout(this);
  l->setContentsMargins(6, 6, 6, 6);
  l->addWidget(m_stack);
  connect(m_controller, &LessonController::changed, this, &LessonPanel::refresh);
  fillList();
  refresh();
}

QWidget* LessonPanel::buildChooser() {
  auto* w = new QWidget(this);
  auto* l = new QVBoxLayout(w);
  l->setContentsMargins(0, 0, 0, 0);
  auto* intro = wrapped(w, 1.1);
  intro->setText(tr("Each lesson sets up a fresh cluster, runs it a page at a time and tells you what to look at. "
                    "Pick one and press Start."));
  m_list = new QListWidget(w);
  m_list->setToolTip(tr("The lessons follow 'Patterns of Distributed Systems' in the order a course takes them."));
  m_listSummary = wrapped(w);
  m_listError = wrapped(w);
  m_listError->setStyleSheet(QStringLiteral("color: #c0392b;"));
  m_start = new QPushButton(tr("Start lesson"), w);
  m_start->setToolTip(tr("Replace the cluster with the lesson's own (a fresh data directory) and run its first page."));
  l->addWidget(intro);
  l->addWidget(m_list, 1);
  l->addWidget(m_listSummary);
  l->addWidget(m_listError);
  l->addWidget(m_start);
  connect(m_list, &QListWidget::currentRowChanged, this, [this](int row) {
    const auto& ls = m_controller->lessons();
    m_listSummary->setText(row >= 0 && row < static_cast<int>(ls.size())
                               ? QString::fromStdString(ls[static_cast<std::size_t>(row)].summary) : QString());
    m_start->setEnabled(row >= 0);
  });
  auto choose = [this] {
    if (QListWidgetItem* it = m_list->currentItem()) emit lessonChosen(it->data(Qt::UserRole).toString());
  };
  connect(m_start, &QPushButton::clicked, this, choose);
  connect(m_list, &QListWidget::itemActivated, this, choose);
  return w;
}

QWidget* LessonPanel::buildLesson() {
  auto* w = new QWidget(this);
  auto* l = new QVBoxLayout(w);
  l->setContentsMargins(0, 0, 0, 0);
  m_title = wrapped(w, 1.3, true);
  m_pattern = wrapped(w);
  m_pattern->setToolTip(tr("The pattern's name in 'Patterns of Distributed Systems' (Unmesh Joshi)."));
  auto* pageRow = new QHBoxLayout;
  m_pageText = new QLabel(w);
  m_progress = new QProgressBar(w);
  m_progress->setTextVisible(false);
  m_progress->setMaximumHeight(8);
  pageRow->addWidget(m_pageText);
  pageRow->addWidget(m_progress, 1);

  auto* body = new QWidget;
  auto* bl = new QVBoxLayout(body);
  bl->setContentsMargins(2, 2, 8, 2);
  m_narration = wrapped(body, 1.2);
  m_narration->setObjectName(QStringLiteral("lessonNarration"));
  m_note = wrapped(body);
  QFont italic = m_note->font();
  italic.setItalic(true);
  m_note->setFont(italic);
  m_watch = wrapped(body);
  m_watch->setTextFormat(Qt::RichText);
  m_failures = wrapped(body);
  m_failures->setStyleSheet(QStringLiteral("color: #c0392b;"));
  bl->addWidget(m_narration);
  bl->addSpacing(6);
  bl->addWidget(m_watch);
  bl->addWidget(m_note);
  bl->addWidget(m_failures);
  bl->addWidget(buildQuiz());
  bl->addStretch(1);
  auto* scroll = new QScrollArea(w);
  scroll->setWidget(body);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

  l->addWidget(m_title);
  l->addWidget(m_pattern);
  l->addLayout(pageRow);
  l->addWidget(scroll, 1);
  l->addWidget(buildButtons());
  return w;
}

QWidget* LessonPanel::buildQuiz() {
  m_quiz = new QGroupBox(tr("Quiz"));
  auto* q = new QVBoxLayout(m_quiz);
  m_question = wrapped(m_quiz, 1.1);
  m_showAnswer = new QPushButton(tr("Show answer"), m_quiz);
  m_showAnswer->setToolTip(tr("Think of your answer first; then compare."));
  m_answer = wrapped(m_quiz, 1.1);
  m_answer->setTextFormat(Qt::RichText);
  q->addWidget(m_question);
  q->addWidget(m_showAnswer, 0, Qt::AlignLeft);
  q->addWidget(m_answer);
  connect(m_showAnswer, &QPushButton::clicked, this, [this] {
    m_quizShownFor = m_controller->lesson() ? m_controller->lesson()->order : -1;
    refreshPage();
  });
  return m_quiz;
}

QWidget* LessonPanel::buildButtons() {
  auto* w = new QWidget(this);
  auto* g = new QVBoxLayout(w);
  g->setContentsMargins(0, 4, 0, 0);
  m_busy = new QProgressBar(w);
  m_busy->setRange(0, 0);  // indeterminate: the page's steps are running
  m_busy->setMaximumHeight(6);
  m_busy->setTextVisible(false);
  auto* nav = new QHBoxLayout;
  m_back = new QPushButton(tr("◀ Back"), w);
  m_back->setToolTip(tr("Read the previous page again (Alt+Left). The cluster is not rewound: what its steps did "
                        "stays done, and Next brings you back to where the lesson is."));
  m_next = new QPushButton(tr("Next ▶"), w);
  m_next->setDefault(true);
  nav->addWidget(m_back);
  nav->addWidget(m_next, 1);
  auto* more = new QHBoxLayout;
  m_freePlay = new QPushButton(tr("Free play (keep this cluster)"), w);
  m_freePlay->setToolTip(tr("Stop the lesson here and keep its cluster: kill, restart, partition and write as you like "
                            "to test what the lesson claimed."));
  m_restart = new QPushButton(tr("Restart"), w);
  m_restart->setToolTip(tr("Start this lesson again from page 1 on a fresh cluster."));
  m_chooseAnother = new QPushButton(tr("Lessons…"), w);
  m_chooseAnother->setToolTip(tr("Leave this lesson (the cluster stays as it is) and pick another."));
  more->addWidget(m_freePlay, 1);
  more->addWidget(m_restart);
  more->addWidget(m_chooseAnother);
  g->addWidget(m_busy);
  g->addLayout(nav);
  g->addLayout(more);
  connect(m_back, &QPushButton::clicked, m_controller, &LessonController::back);
  connect(m_next, &QPushButton::clicked, m_controller, &LessonController::next);
  connect(m_freePlay, &QPushButton::clicked, m_controller, &LessonController::freePlay);
  connect(m_restart, &QPushButton::clicked, m_controller, &LessonController::restart);
  connect(m_chooseAnother, &QPushButton::clicked, m_controller, &LessonController::stop);
  return w;
}

void LessonPanel::fillList() {
  m_list->clear();
  for (const auto& l : m_controller->lessons()) {
    auto* it = new QListWidgetItem(QStringLiteral("%1. %2").arg(l.order).arg(QString::fromStdString(l.title)), m_list);
    it->setData(Qt::UserRole, QString::fromStdString(l.name));
    it->setToolTip(QStringLiteral("%1\n\n%2").arg(QString::fromStdString(l.pattern), QString::fromStdString(l.summary)));
  }
  if (m_list->count() > 0) m_list->setCurrentRow(0);
  m_start->setEnabled(m_list->currentRow() >= 0);
}

void LessonPanel::refresh() {
  if (m_list->count() != static_cast<int>(m_controller->lessons().size())) fillList();
  const bool idle = m_controller->state() == LessonController::State::kIdle || !m_controller->lesson();
  m_stack->setCurrentIndex(idle ? 0 : 1);
  m_listError->setText(m_controller->lastError());
  m_listError->setVisible(!m_controller->lastError().isEmpty());
  if (!idle) refreshPage();
  refreshButtons();
}

void LessonPanel::refreshPage() {
  using S = LessonController::State;
  const cluster::Lesson* l = m_controller->lesson();
  const cluster::LessonPage* page = m_controller->currentPage();
  if (!l || !page) return;
  const S state = m_controller->state();
  const int n = m_controller->pageCount(), p = m_controller->page();
  m_title->setText(QStringLiteral("%1. %2").arg(l->order).arg(QString::fromStdString(l->title)));
  m_pattern->setText(tr("Pattern: %1").arg(QString::fromStdString(l->pattern)));
  m_pageText->setText(state == S::kQuiz ? tr("Quiz") : tr("Page %1 of %2").arg(p + 1).arg(n));
  m_progress->setRange(0, n);
  m_progress->setValue(state == S::kQuiz ? n : p + 1);
  m_narration->setText(state == S::kQuiz ? tr("In short: %1").arg(QString::fromStdString(l->summary))
                                         : QString::fromStdString(page->say));

  const Watch watch = Watch::parse(m_controller->currentWatch());
  m_watch->setVisible(watch.known());
  m_watch->setText(QStringLiteral("<span style=\"color:%1\">■</span> <b>%2</b> %3")
                       .arg(highlightColor().name(), tr("What to watch:"), watch.describe().toHtmlEscaped()));

  QString note;
  if (state == S::kFreePlay)
    note = tr("Free play: the lesson stopped here and its cluster is yours. Every control works; try to break "
              "what this lesson showed. Restart replays the lesson from page 1.");
  else if (m_controller->rereading())
    note = tr("You are reading page %1 again. Its steps already ran and Back does not undo them: the cluster is as "
              "it is after page %2. Next goes forward again.").arg(p + 1).arg(m_controller->pagesRun());
  else if (state == S::kLesson && m_controller->stepsRunning())
    note = tr("Running %1…").arg(m_controller->runningText());
  else if (state == S::kLesson && m_controller->onLastPage())
    note = tr("That was the last page. Next shows the quiz.");
  m_note->setText(note);
  m_note->setVisible(!note.isEmpty());

  const QStringList failed = m_controller->failures(p);
  m_failures->setVisible(!failed.isEmpty() && state != S::kQuiz);
  m_failures->setText(tr("Not everything went as the lesson planned (a real cluster does not always oblige):\n• %1")
                          .arg(failed.join(QStringLiteral("\n• "))));

  if (state == S::kLesson) m_quizShownFor = -1;
  const bool revealed = m_quizShownFor == l->order;
  m_quiz->setVisible(state == S::kQuiz || state == S::kFreePlay);
  m_question->setText(QString::fromStdString(l->quizQuestion));
  m_showAnswer->setVisible(!revealed);
  m_answer->setVisible(revealed);
  QString answer = tr("<b>Answer:</b> %1").arg(QString::fromStdString(l->quizAnswer).toHtmlEscaped());
  if (!l->quizExplanation.empty())
    answer += tr("<br><br><i>Why:</i> %1").arg(QString::fromStdString(l->quizExplanation).toHtmlEscaped());
  m_answer->setText(revealed ? answer : QString());
}

void LessonPanel::refreshButtons() {
  using S = LessonController::State;
  const S state = m_controller->state();
  const bool running = state == S::kLesson && m_controller->stepsRunning() && !m_controller->rereading();
  const bool finishing = state == S::kLesson && m_controller->onLastPage() && !running;
  m_busy->setVisible(running);
  m_next->setEnabled(m_controller->canNext());
  const bool over = state == S::kQuiz || state == S::kFreePlay;
  m_next->setText(running ? tr("Running…") : finishing ? tr("Finish: quiz ▶") : over ? tr("End of the lesson") : tr("Next ▶"));
  m_next->setToolTip(running ? tr("This page's steps are running on the real cluster; Next waits until they are done.")
                     : finishing ? tr("End the lesson with a question (Alt+Right).")
                                 : tr("Show the next page and run its steps on the cluster (Alt+Right)."));
  m_back->setEnabled(m_controller->canBack());
  m_freePlay->setEnabled(state == S::kLesson || state == S::kQuiz);
  m_restart->setEnabled(m_controller->lesson() != nullptr);
  m_nextAction->setEnabled(m_controller->canNext());
  m_backAction->setEnabled(m_controller->canBack());
}

}  // namespace qlab::ui
