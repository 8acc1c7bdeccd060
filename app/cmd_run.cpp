// quorumlab run --scenario FILE [--nodes N] [--data DIR] [--export DIR [--export-format F,...]]
//               [--record FILE] [--seed S] [--json] [--processes]
// Plays a scenario headless on a live cluster (real threads or, with --processes, real node
// processes; real TCP and disk), then prints the
// summary, optionally exports everything. Exit codes: 0 ok, 1 bad input, 3 a safety
// property the configuration promises was broken or an `expect` step was not met.
#include <cstdio>

#include <QCoreApplication>
#include <QJsonDocument>
#include <QTimer>

#include "app/args.h"
#include "app/commands.h"
#include "core/instruments/exporter.h"
#include "core/recording/run_recorder.h"
#include "core/scenario/scenario.h"
#include "core/interop/formats.h"

namespace qlab::app {

namespace {

void printSummary(const cluster::RunSummary& s, FILE* out) {
  std::fprintf(out, "%s: %llu acknowledged writes, committed up to %llu, %d leader changes, %lld ms\n",
               s.ok ? "ok" : "FAILED", static_cast<unsigned long long>(s.ackedWrites),
               static_cast<unsigned long long>(s.committed), s.leaderChanges, static_cast<long long>(s.durationMs));
  if (!s.lostAcked.empty()) {
    std::fprintf(out, "%zu acknowledged writes lost:\n", s.lostAcked.size());
    for (const auto& l : s.lostAcked)
      std::fprintf(out, "  client %llu seq %llu: %s=%s (answered at index %llu)\n",
                   static_cast<unsigned long long>(l.client), static_cast<unsigned long long>(l.seq), l.key.c_str(),
                   l.value.c_str(), static_cast<unsigned long long>(l.index));
  }
  for (const auto& v : s.violations) std::fprintf(out, "violation: %s\n", v.c_str());
  for (const auto& e : s.failedExpectations) std::fprintf(out, "not met: %s\n", e.c_str());
}

}  // namespace

int cmdRun(const Argv& argv) {
  Args args("run", argv, {"scenario", "nodes", "data", "export", "export-format", "seed", "record"}, {"json", "verbose", "processes"});
  if (!args.ok()) return usageError("run", args.error());
  if (!args.positionals().empty()) return usageError("run", "unexpected argument '" + args.positionals()[0] + "'");
  std::vector<std::string> formats;
  if (auto list = args.value("export-format")) {
    if (!args.has("export")) return usageError("run", "--export-format needs --export DIR: the formats are written there");
    auto parsed = interop::parseFormatList(*list);
    if (!parsed.isOk()) return usageError("run", "--export-format: " + parsed.status().message());
    formats = std::move(parsed.value());
  }
  auto file = args.value("scenario");
  if (!file) return usageError("run", "--scenario FILE is required");
  auto scenario = cluster::loadScenario(*file);
  if (!scenario.isOk()) {
    std::fprintf(stderr, "quorumlab run: %s\n", scenario.status().message().c_str());
    return 1;
  }
  cluster::Scenario sc = std::move(scenario.value());
  long long nodes = args.integer("nodes", sc.nodes, 1, kMaxNodes);
  long long seed = args.integer("seed", static_cast<long long>(sc.seed), 0, 1LL << 52);
  if (!args.ok()) return usageError("run", args.error());
  if (nodes != sc.nodes) {
    // Re-validate the steps against the new size (node numbers, quorum).
    sc.config.insert("nodes", static_cast<int>(nodes));
    auto again = cluster::parseScenario(QJsonDocument(sc.config).toJson().toStdString(), *file);
    if (!again.isOk()) {
      std::fprintf(stderr, "quorumlab run: with --nodes %lld: %s\n", nodes, again.status().message().c_str());
      return 1;
    }
    sc = std::move(again.value());
  }
  bool json = args.has("json");

  int argc = 1;
  char name[] = "quorumlab";
  char* argvQt[] = {name, nullptr};
  QCoreApplication app(argc, argvQt);

  cluster::ClusterOptions o = cluster::clusterOptionsFor(sc);
  if (args.has("processes")) o.backend = cluster::NodeBackend::kProcesses;
  o.dataDir = args.string("data", "");
  o.seed = static_cast<std::uint64_t>(seed);
  o.echoLogs = args.has("verbose");
  cluster::Cluster c(o);
  Status started = c.start();
  if (!started.isOk()) {
    std::fprintf(stderr, "quorumlab run: %s\n", started.toString().c_str());
    return 1;
  }
  FILE* progress = json ? stderr : stdout;
  std::unique_ptr<recording::RunRecorder> recorder;
  if (auto path = args.value("record")) {
    auto rec = recording::RunRecorder::start(c, *path, sc.config);
    if (!rec) {
      std::fprintf(stderr, "quorumlab run: %s\n", rec.status().message().c_str());
      c.stop();
      return 1;
    }
    recorder = std::move(*rec);
  }
  if (!json || args.has("verbose"))
    std::fprintf(progress, "scenario \"%s\": %d nodes in %s\n", sc.name.c_str(), sc.nodes, c.dataDir().c_str());

  cluster::ScenarioRunner runner(c, sc);
  QObject::connect(&runner, &cluster::ScenarioRunner::stepStarted, [&](int i, const QString& what) {
    if (!json || args.has("verbose"))
      std::fprintf(progress, "[%7lld ms] step %d: %s\n", static_cast<long long>(c.nowMs()), i + 1, what.toUtf8().constData());
  });
  QObject::connect(&runner, &cluster::ScenarioRunner::stepWaiting, [&](int i, const QString& what) {
    if (!json || args.has("verbose"))
      std::fprintf(progress, "[%7lld ms] step %d: %s\n", static_cast<long long>(c.nowMs()), i + 1, what.toUtf8().constData());
  });
  QObject::connect(&runner, &cluster::ScenarioRunner::stepFailed, [&](int, const QString& why) {
    std::fprintf(stderr, "quorumlab run: %s\n", why.toUtf8().constData());
  });
  QObject::connect(&runner, &cluster::ScenarioRunner::momentMarked, [&](const QString& name) {
    if (recorder) recorder->markMoment(name.toStdString());
  });
  QObject::connect(&runner, &cluster::ScenarioRunner::finished, &app, [&](bool) { app.quit(); });
  QTimer::singleShot(0, &runner, [&] { runner.start(); });
  app.exec();

  if (c.load().running()) c.load().stop(3000);
  cluster::RunSummary summary = runner.summary();
  if (recorder) {
    const Status rs = recorder->stop();
    const recording::WriterStats st = recorder->stats();
    if (!rs.isOk()) std::fprintf(stderr, "quorumlab run: %s\n", rs.message().c_str());
    else if (!json || args.has("verbose"))
      std::fprintf(progress, "recorded to %s (%.1f MB, %llu keyframes; open it with quorumlab gui --open)\n",
                   recorder->path().c_str(), static_cast<double>(st.bytes) / 1e6,
                   static_cast<unsigned long long>(st.keyframes));
  }
  if (auto dir = args.value("export")) {
    Status s = cluster::exportCluster(c, *dir, sc.config, summary, [&](const cluster::ExportProgress& p) {
      if (!json) std::fprintf(progress, "exporting %s (%d/%d)\n", p.what.c_str(), p.done + 1, p.total);
      return true;
    });
    std::vector<std::string> written;
    if (s.isOk()) s = interop::writeInteropFormats(*dir, formats, &written);
    if (!s.isOk()) {
      std::fprintf(stderr, "quorumlab run: export failed: %s\n", s.toString().c_str());
      c.stop();
      return 1;
    }
    if (!json)
      for (const auto& path : written) std::fprintf(progress, "wrote %s\n", path.c_str());
  }
  c.stop();
  if (json) std::printf("%s\n", summary.toJson().c_str());
  else printSummary(summary, stdout);
  return summary.ok ? 0 : 3;
}

}  // namespace qlab::app
