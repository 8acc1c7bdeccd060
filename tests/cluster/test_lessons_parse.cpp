// The shipped lessons parse, are complete, ordered 1..11 and teach every pattern the issue
// names; and a lesson file with a missing block is refused with its field named.
#include <QtTest>

#include "core/scenario/lesson.h"

using namespace qlab;
using namespace qlab::cluster;

class LessonParseTest : public QObject {
  Q_OBJECT
 private slots:
  void shippedLessonsAreCompleteAndOrdered() {
    std::vector<std::string> errors;
    auto lessons = loadLessons(QLAB_SOURCE_DIR "/resources/lessons", &errors);
    QVERIFY2(errors.empty(), errors.empty() ? "" : errors.front().c_str());
    QCOMPARE(lessons.size(), std::size_t(11));
    std::string patterns;
    for (std::size_t i = 0; i < lessons.size(); ++i) {
      const Lesson& l = lessons[i];
      QCOMPARE(l.order, static_cast<int>(i) + 1);
      QVERIFY(!l.pages.empty());
      for (const auto& p : l.pages) QVERIFY2(!p.say.empty() || p.firstStep == 0, l.name.c_str());
      QVERIFY(!l.quizQuestion.empty() && !l.quizAnswer.empty());
      patterns += l.pattern + ";";
    }
    for (const char* p : {"Write-Ahead Log", "Segmented Log", "Low-Water Mark", "High-Water Mark", "Quorum",
                          "Leader and Followers", "Generation Clock", "Idempotent Receiver"})
      QVERIFY2(patterns.find(p) != std::string::npos, p);
  }

  void lessonsAreFoundByNameStemOrNumber() {
    auto lessons = loadLessons(QLAB_SOURCE_DIR "/resources/lessons");
    QVERIFY(findLesson(lessons, "quorum") != nullptr);
    QVERIFY(findLesson(lessons, "06-quorum") != nullptr);
    QCOMPARE(findLesson(lessons, "6"), findLesson(lessons, "quorum"));
    QVERIFY(findLesson(lessons, "no-such-lesson") == nullptr);
  }

  void pagesCoverEveryStepInOrder() {
    auto lessons = loadLessons(QLAB_SOURCE_DIR "/resources/lessons");
    for (const auto& l : lessons) {
      int next = 0;
      for (const auto& p : l.pages) {
        QCOMPARE(p.firstStep, next);
        QVERIFY(p.lastStep >= p.firstStep);
        next = p.lastStep + 1;
      }
      QCOMPARE(next, static_cast<int>(l.scenario.steps.size()));
    }
  }

  void lessonWithoutItsBlockIsRefusedByField() {
    auto l = parseLesson(R"({"nodes": 3, "steps": [{"do": "wait", "for": "leader"}]})", "x.json");
    QVERIFY(!l.isOk());
    QVERIFY(l.status().message().find("'lesson'") != std::string::npos);
    auto q = parseLesson(R"({"lesson": {"title": "t", "pattern": "p", "summary": "s"}, "steps": []})", "y.json");
    QVERIFY(!q.isOk());
    QVERIFY(q.status().message().find("quiz") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(LessonParseTest)
#include "test_lessons_parse.moc"
