// `quorumlab gui`: the explorer window on a live cluster (docs/cli-tools.md). By default a 3-node
// cluster in a fresh temporary directory with a gentle client load (2 clients, 20 ops/s) so
// something moves. Hidden options for screenshots and measurements:
//   --demo-state healthy|leader-killed|delayed-loss|partition   drive the cluster into a state
//   --bench-ui SECONDS [--bench-out FILE]   full client load, per-frame cost and memory as JSON
//   --clients C --rate R --no-load          the client load to start with
//   --lesson-page N                         with --lesson: press Next until page N is shown
//   --seek-ms MS                            the time bar's cursor to MS into the run (once it is there)
//   --timeline-highlight SECONDS            then pause the timeline and follow a recent request in it
// Documented: --open FILE replays a saved run (.qlabrun) with no live cluster; --presentation
// starts in presentation mode (F11); --no-record does not record the live cluster (no time bar).
#include <algorithm>
#include <optional>

#include <QApplication>
#include <QHostAddress>
#include <QIcon>
#include <QTimer>

#include "app/args.h"
#include "app/commands.h"
#include "core/common/thread_priority.h"
#include "core/scenario/lesson.h"
#include "core/recording/run_reader.h"
#include "ui/source/time_travel.h"
#include "ui/lesson/lesson_controller.h"
#include "ui/source/cluster_host.h"
#include "ui/window/demo_driver.h"
#include "ui/window/file_actions.h"
#include "ui/window/frame_benchmark.h"
#include "ui/window/main_window.h"
#include "ui/view/timeline_view.h"
#include "ui/window/presentation_mode.h"

namespace qlab::app {

namespace {
// An unknown --lesson NAME is refused before any window opens, with the names to choose from.
bool lessonExists(const std::string& name, std::string* error) {
  std::vector<std::string> errors;
  const std::string dir = cluster::lessonsDirectory();
  auto lessons = cluster::loadLessons(dir, &errors);
  if (cluster::findLesson(lessons, name)) return true;
  std::string names;
  for (const auto& l : lessons) names += (names.empty() ? "" : ", ") + std::to_string(l.order) + " " + l.name;
  *error = lessons.empty() ? "no lessons found in " + dir + (errors.empty() ? "" : " (" + errors.front() + ")")
                           : "no lesson '" + name + "'; give a name or number: " + names;
  return false;
}
}  // namespace

int cmdGui(int argc, char** argv, const Argv& argvRest) {
  Args args("gui", argvRest,
            {"nodes", "data", "scenario", "lesson", "lesson-page", "demo-state", "bench-ui", "bench-out", "clients", "rate",
             "open", "seek-ms", "timeline-highlight", "attach"},
            {"no-load", "presentation", "no-record", "processes"});
  const bool nodesGiven = args.has("nodes");
  const long long nodes = args.integer("nodes", 3, 1, kMaxNodes);
  const long long benchSeconds = args.integer("bench-ui", 0, 1, 24 * 3600);
  const long long clients = args.integer("clients", benchSeconds > 0 ? 8 : 2, 1, 64);
  const double rate = args.number("rate", benchSeconds > 0 ? 0 : 20, 0, 1e6);
  const std::string demo = args.string("demo-state", "");
  if (args.ok() && !demo.empty() && !ui::DemoDriver::stateNames().contains(QString::fromStdString(demo)))
    args.fail("--demo-state must be one of " + ui::DemoDriver::stateNames().join(QStringLiteral(", ")).toStdString() +
              ", not '" + demo + "'");
  if (args.ok() && !args.positionals().empty()) args.fail("unexpected argument '" + args.positionals()[0] + "'");
  const long long lessonPage = args.integer("lesson-page", 1, 1, 1000);
  const auto lesson = args.value("lesson");
  if (args.ok() && lesson && args.has("scenario")) args.fail("give --scenario or --lesson, not both");
  const auto runFile = args.value("open");
  if (args.ok() && runFile && (lesson || args.has("scenario") || args.has("demo-state")))
    args.fail("--open replays a saved run: give it alone (no --scenario, --lesson or --demo-state)");
  const long long seekMs = args.integer("seek-ms", -1, 0, 1LL << 40);
  const long long highlightS = args.integer("timeline-highlight", 0, 1, 3600);
  const auto attachFile = args.value("attach");
  if (args.ok() && attachFile && (runFile || lesson || args.has("scenario") || args.has("processes") || nodesGiven))
    args.fail("--attach shows nodes that already run elsewhere: give it without --open, --lesson, --scenario, "
              "--processes or --nodes");
  if (!args.ok()) return usageError("gui", args.error());
  std::optional<cluster::ClusterOptions> attached;
  if (attachFile) {
    auto o = cluster::attachOptions(*attachFile);
    if (!o.isOk()) return inputError("gui", o.status().message());
    attached = *o;
  }
  if (runFile) {
    // Refused before any window opens, with the reason naming the file.
    if (auto probe = recording::RunReader::open(*runFile); !probe) return inputError("gui", probe.status().message());
  }
  if (std::string why; lesson && !lessonExists(*lesson, &why)) return inputError("gui", why);

  QApplication app(argc, argv);
  // The window comes first: the cluster's threads (nodes, flushers, client load) run 10 nice
  // levels below the GUI thread, which at full load on two cores otherwise waited for a core
  // about as long as it worked (docs/BENCHMARKS.md "Explorer UI").
  setClusterThreadNiceBelowThisThread(10);
  QApplication::setOrganizationName(QStringLiteral("QuorumLab"));
  QApplication::setApplicationName(QStringLiteral("quorumlab"));
  QApplication::setApplicationDisplayName(QStringLiteral("Quorum Lab"));
  QApplication::setApplicationVersion(QStringLiteral(QLAB_VERSION));
  QApplication::setDesktopFileName(QStringLiteral("org.quorumlab.QuorumLab"));
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/quorumlab.svg")));

  ui::MainWindow window;
  window.timeTravel()->setRecordingEnabled(!args.has("no-record"));
  const ui::AppSettings settings = ui::AppSettings::load();
  window.applySettings(settings);
  ui::ClusterHost host;
  host.setProcesses(args.has("processes"));
  window.setHost(&host);
  window.show();

  if (runFile) {
    if (!window.fileActions()->openRun(QString::fromStdString(*runFile))) {
      std::fprintf(stderr, "quorumlab gui: %s\n", window.fileActions()->lastError().toUtf8().constData());
      return 1;
    }
  } else if (lesson) {
    // The lesson's own cluster (its scenario's settings, in a fresh directory).
    if (!window.requestLesson(QString::fromStdString(*lesson))) {
      std::fprintf(stderr, "quorumlab gui: %s\n", window.lessons()->lastError().toUtf8().constData());
      return 1;
    }
    if (lessonPage > 1) window.lessons()->advanceTo(static_cast<int>(lessonPage) - 1);
  } else if (auto scenario = args.value("scenario")) {
    if (!window.fileActions()->runScenarioFile(QString::fromStdString(*scenario))) {
      std::fprintf(stderr, "quorumlab gui: %s\n", window.fileActions()->lastError().toUtf8().constData());
      return 1;
    }
  } else if (attached) {
    cluster::ClusterOptions o = *attached;
    o.dataDir = args.string("data", "");
    // Clients connect to IP addresses (a name would need resolving: no load then).
    const bool local = std::all_of(o.attachNodes.begin(), o.attachNodes.end(), [](const remote::ClusterMember& m) {
      return !QHostAddress(QString::fromStdString(m.address.host)).isNull();
    });
    cluster::LoadOptions load;
    load.clients = static_cast<int>(clients);
    load.rate = rate;
    const Status s = host.start(o, args.has("no-load") || !local ? nullptr : &load);
    if (!s.isOk()) {
      std::fprintf(stderr, "quorumlab gui: %s\n", s.toString().c_str());
      return 1;
    }
    if (!local) window.showStatus(QStringLiteral("Attached. No client load: the cluster file names its nodes by host name, not IP address"));
  } else {
    cluster::ClusterOptions o;
    o.nodes = static_cast<int>(nodesGiven ? nodes : settings.clusterSize);
    if (benchSeconds > 0 && !nodesGiven) o.nodes = 5;
    o.dataDir = args.string("data", "");
    o.flush = settings.policy;
    o.electionTimeoutMs = settings.electionTimeoutMs;
    cluster::LoadOptions load;
    load.clients = static_cast<int>(clients);
    load.rate = rate;
    const Status s = host.start(o, args.has("no-load") ? nullptr : &load);
    if (!s.isOk()) {
      std::fprintf(stderr, "quorumlab gui: %s\n", s.toString().c_str());
      return 1;
    }
  }

  ui::DemoDriver demoDriver;
  if (!demo.empty()) {
    demoDriver.start(QString::fromStdString(demo), host.source(), host.source());
    QObject::connect(&demoDriver, &ui::DemoDriver::stepDone, &window, [&](const QString& what) {
      window.showStatus(what);
      // After a loss, show it: scroll the lanes to the first lost write once the checker knows.
      if (demoDriver.finished() && demo == "delayed-loss") {
        auto* retry = new QTimer(&window);
        QObject::connect(retry, &QTimer::timeout, &window, [&window, retry] {
          if (window.showLostWrites()) retry->deleteLater();
        });
        retry->start(500);
      }
    });
  }
  if (highlightS > 0) {
    // Freeze the timeline and follow the newest append sent in its upper half (so its fsyncs
    // and acks are in view too).
    QTimer::singleShot(static_cast<int>(highlightS * 1000), &window, [&window] {
      ui::TimelineView* t = window.timeline();
      t->setPaused(true);
      const ui::TimelineLayout l = t->layout();
      const double half = (l.top + l.bottom) / 2;
      Index pick = 0;
      for (const auto& a : l.arrows)
        if (ui::timelineKindOf(a.m.type) == ui::TimelineKind::kAppend && a.p1.y() < half) pick = std::max(pick, a.m.b);
      t->setHighlight(pick);
    });
  }
  std::unique_ptr<ui::FrameBenchmark> bench;
  if (benchSeconds > 0) {
    bench = std::make_unique<ui::FrameBenchmark>(&window, static_cast<int>(benchSeconds),
                                                 QString::fromStdString(args.string("bench-out", "")));
    QTimer::singleShot(2000, bench.get(), [&] { bench->start(); });  // after start-up settles
  }
  if (args.has("presentation")) window.presentation()->setOn(true);
  if (seekMs >= 0) {
    // Screenshots of the past: once the run reaches MS + 1.5 s, the cursor goes back to MS.
    auto* seek = new QTimer(&window);
    QObject::connect(seek, &QTimer::timeout, &window, [&window, seek, seekMs] {
      ui::TimeTravel* t = window.timeTravel();
      if (!t->hasRun()) return;
      const std::int64_t target = t->startUs() + seekMs * 1000;
      if (t->liveAttached() && t->endUs() < target + 1'500'000) return;
      t->seekUs(target);
      seek->deleteLater();
    });
    seek->start(100);
  }
  const int rc = QApplication::exec();
  window.setCluster(nullptr, nullptr);
  return rc;
}

}  // namespace qlab::app
