#pragma once
// LessonPanel: the lesson dock. With no lesson, the list of lessons with their summaries and
// a Start button. During one: title, pattern names, page n of m with a progress bar, the
// narration in a readable size, what to watch, Back / Next (Alt+Left / Alt+Right; Next says
// "Running…" and waits while the page's steps run), step failures in words, Free play and
// Restart; after the last page the quiz, its answer hidden until asked for. It only shows
// LessonController's state and calls it; it owns no lesson logic.
#include <QWidget>

class QAction;
class QGroupBox;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QStackedWidget;

namespace qlab::ui {

class LessonController;

class LessonPanel : public QWidget {
  Q_OBJECT
 public:
  explicit LessonPanel(LessonController* controller, QWidget* parent = nullptr);

  // Window-wide shortcuts (the Lessons menu shows them too).
  QAction* nextAction() const { return m_nextAction; }
  QAction* backAction() const { return m_backAction; }

  // For tests.
  QLabel* titleLabel() const { return m_title; }
  QLabel* narrationLabel() const { return m_narration; }
  QLabel* noteLabel() const { return m_note; }
  QLabel* watchLabel() const { return m_watch; }
  QLabel* failureLabel() const { return m_failures; }
  QLabel* pageLabel() const { return m_pageText; }
  QPushButton* nextButton() const { return m_next; }
  QPushButton* backButton() const { return m_back; }
  QPushButton* freePlayButton() const { return m_freePlay; }
  QPushButton* showAnswerButton() const { return m_showAnswer; }
  QLabel* questionLabel() const { return m_question; }
  QLabel* answerLabel() const { return m_answer; }
  QGroupBox* quizBox() const { return m_quiz; }
  QListWidget* lessonList() const { return m_list; }
  QPushButton* startButton() const { return m_start; }

 signals:
  void lessonChosen(const QString& name);

 private:
  QWidget* buildChooser();
  QWidget* buildLesson();
  QWidget* buildQuiz();
  QWidget* buildButtons();
  void fillList();
  void refresh();
  void refreshPage();
  void refreshButtons();

  LessonController* m_controller;
  QStackedWidget* m_stack;
  QListWidget* m_list;
  QLabel* m_listSummary;
  QLabel* m_listError;
  QPushButton* m_start;
  QLabel* m_title;
  QLabel* m_pattern;
  QLabel* m_pageText;
  QProgressBar* m_progress;
  QLabel* m_narration;
  QLabel* m_note;
  QLabel* m_watch;
  QLabel* m_failures;
  QProgressBar* m_busy;
  QPushButton* m_back;
  QPushButton* m_next;
  QPushButton* m_freePlay;
  QPushButton* m_restart;
  QPushButton* m_chooseAnother;
  QGroupBox* m_quiz;
  QLabel* m_question;
  QPushButton* m_showAnswer;
  QLabel* m_answer;
  QAction* m_nextAction;
  QAction* m_backAction;
  int m_quizShownFor = -1;  // the lesson whose answer is revealed (order)
};

}  // namespace qlab::ui
