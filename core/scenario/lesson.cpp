#include "core/scenario/lesson.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <cstdlib>

namespace qlab::cluster {

Result<Lesson> parseLesson(const std::string& json, const std::string& fileName) {
  auto sc = parseScenario(json, fileName);
  if (!sc.isOk()) return sc.status();
  QJsonObject meta = sc->config.value("lesson").toObject();
  auto need = [&](const char* key) -> Status {
    if (!meta.value(key).isString() || meta.value(key).toString().isEmpty())
      return Status::invalidArgument(fileName + ":1: field 'lesson." + key + "': is required (a non-empty string)");
    return Status::ok();
  };
  if (!sc->config.value("lesson").isObject())
    return Status::invalidArgument(fileName + ":1: field 'lesson': a lesson needs a \"lesson\" block (title, pattern, summary, quiz)");
  for (const char* k : {"title", "pattern", "summary"}) QLAB_RETURN_IF_ERROR(need(k));
  QJsonObject quiz = meta.value("quiz").toObject();
  for (const char* k : {"question", "answer"})
    if (!quiz.value(k).isString())
      return Status::invalidArgument(fileName + ":1: field 'lesson.quiz." + k + "': is required");
  Lesson l;
  l.name = sc->name;
  l.order = meta.value("order").toInt(0);
  l.title = meta.value("title").toString().toStdString();
  l.pattern = meta.value("pattern").toString().toStdString();
  l.summary = meta.value("summary").toString().toStdString();
  l.quizQuestion = quiz.value("question").toString().toStdString();
  l.quizAnswer = quiz.value("answer").toString().toStdString();
  l.quizExplanation = quiz.value("explanation").toString().toStdString();
  const auto& steps = sc->steps;
  for (int i = 0; i < static_cast<int>(steps.size()); ++i) {
    const QJsonObject& f = steps[static_cast<std::size_t>(i)].fields;
    if (f.contains("say") || l.pages.empty()) {
      LessonPage p;
      p.say = f.value("say").toString().toStdString();
      p.firstStep = i;
      l.pages.push_back(p);
    }
    l.pages.back().lastStep = i;
    if (f.contains("watch") && l.pages.back().watch.empty()) l.pages.back().watch = f.value("watch").toString().toStdString();
  }
  l.scenario = std::move(sc.value());
  return l;
}

std::vector<Lesson> loadLessons(const std::string& dir, std::vector<std::string>* errors) {
  std::vector<Lesson> out;
  QDir d(QString::fromStdString(dir));
  for (const auto& name : d.entryList({"*.json"}, QDir::Files, QDir::Name)) {
    QFile f(d.filePath(name));
    if (!f.open(QIODevice::ReadOnly)) {
      if (errors) errors->push_back(d.filePath(name).toStdString() + ": cannot read");
      continue;
    }
    auto l = parseLesson(f.readAll().toStdString(), d.filePath(name).toStdString());
    if (!l.isOk()) {
      if (errors) errors->push_back(l.status().message());
      continue;
    }
    out.push_back(std::move(l.value()));
  }
  std::stable_sort(out.begin(), out.end(), [](const Lesson& a, const Lesson& b) { return a.order < b.order; });
  return out;
}

const Lesson* findLesson(const std::vector<Lesson>& lessons, const std::string& name) {
  for (const auto& l : lessons) {
    std::string stem = QFileInfo(QString::fromStdString(l.scenario.file)).completeBaseName().toStdString();
    if (l.name == name || stem == name || std::to_string(l.order) == name) return &l;
  }
  return nullptr;
}

std::string lessonsDirectory() {
  if (const char* env = std::getenv("QLAB_LESSONS_DIR")) return env;
  for (const char* candidate : {QLAB_INSTALL_SHARE "/lessons", QLAB_SOURCE_SHARE "/lessons"})
    if (QDir(candidate).exists()) return candidate;
  return QLAB_SOURCE_SHARE "/lessons";
}

}  // namespace qlab::cluster
