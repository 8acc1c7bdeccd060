#pragma once
// A lesson (resources/lessons/*.json): a scenario whose steps carry narration. A step with a
// "say" text starts a page; the page runs its steps, then waits for the student to press
// Next. "watch" names the part of the window to highlight ("hwm", "lanes:durable",
// "inspector:segments", "node:2", "timeline", "lost", ...). Headless, the same file runs
// straight through and its `expect` steps prove the lesson's point.
#include <string>
#include <vector>

#include "core/scenario/scenario.h"

namespace qlab::cluster {

struct LessonPage {
  std::string say;     // narration for a student who knows servers and disks
  std::string watch;   // what to highlight ("" = nothing)
  int firstStep = 0;   // steps [firstStep, lastStep] of the scenario belong to this page
  int lastStep = 0;
};

struct Lesson {
  std::string name;     // "write-ahead-log": what `quorumlab --lesson NAME` takes
  int order = 0;
  std::string title;
  std::string pattern;  // the "Patterns of Distributed Systems" name(s)
  std::string summary;
  std::string quizQuestion;
  std::string quizAnswer;
  std::string quizExplanation;
  std::vector<LessonPage> pages;
  Scenario scenario;
};

// Parses a lesson file; kInvalidArgument naming the file and field when the "lesson" block
// is missing or incomplete.
Result<Lesson> parseLesson(const std::string& json, const std::string& fileName);
// Every lesson in a directory, in their order. Files that fail to parse are reported in
// `errors` and skipped.
std::vector<Lesson> loadLessons(const std::string& dir, std::vector<std::string>* errors = nullptr);
// Finds a lesson by name ("quorum"), by file stem ("06-quorum") or by number ("6").
const Lesson* findLesson(const std::vector<Lesson>& lessons, const std::string& name);
// Where the shipped lessons are: QLAB_LESSONS_DIR if set, the installed share directory, or
// the source tree this binary was built from.
std::string lessonsDirectory();

}  // namespace qlab::cluster
