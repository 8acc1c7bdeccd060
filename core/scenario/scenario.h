#pragma once
// Scenario files (docs/scenarios.md): parsing with errors that name the file,
// line and field, and a runner that plays the steps against a live Cluster on the event
// loop. The lessons (resources/lessons/) are scenarios too.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <QJsonObject>
#include <QObject>
#include <QTimer>

#include "core/cluster/cluster.h"
#include "core/instruments/run_judge.h"

namespace qlab::cluster {

struct Step {
  std::string kind;                 // "write", "load", "kill", ... (docs/scenarios.md table)
  std::optional<std::int64_t> atMs; // wait until this many ms after the start first
  QJsonObject fields;               // the step as written, validated
  int line = 0;                     // where it is in the file, for messages
  std::optional<Fault> fault;       // a fault step, typed (its nodes are picked when it runs)
};

struct Scenario {
  std::string name;
  std::string file;
  int nodes = 3;
  std::uint32_t writeQuorum = 0;
  std::uint64_t segmentBytes = 64 * 1024;
  std::uint64_t snapshotEvery = 1000;
  wal::FlushPolicy flush;
  int electionTimeoutMs = kDefaultElectionTimeoutMs;
  std::uint64_t seed = 1;
  bool hasSeed = false;
  bool processes = false;           // every node its own process (`quorumlab node`)
  std::vector<Step> steps;
  QJsonObject config;               // the top-level keys as written (for cluster.json)
};

// Parses and validates. kInvalidArgument with "FILE:LINE: field 'x': what is wrong".
Result<Scenario> parseScenario(const std::string& json, const std::string& fileName);
Result<Scenario> loadScenario(const std::string& path);


// The cluster a scenario asks for (nodes, W, segment size, snapshots, flush, seed), in a
// fresh temporary directory.
ClusterOptions clusterOptionsFor(const Scenario& s);

// Plays a scenario against a started cluster. Emits stepStarted for each step and
// finished once all ran (or one failed: a `wait` that timed out does not stop the run, an
// unmet `expect` is recorded and the run goes on).
//
// Lessons play one page at a time: with a stop set (setStopAfter, or start(lastStep)), the
// runner stops once that step is done and emits pausedAt(); resumeUntil() runs on to the next
// stop. Time standing paused does not count towards `at_ms`. Without a stop (the default,
// and what `quorumlab run` uses) it runs straight through.
class ScenarioRunner : public QObject {
  Q_OBJECT
 public:
  static constexpr int kNoStop = -1;
  static constexpr std::int64_t kDefaultRoleWaitMs = 5000;
  ScenarioRunner(Cluster& cluster, Scenario scenario, QObject* parent = nullptr);
  void start(int stopAfterStep = kNoStop);
  void cancel();
  // Stop after step `index` (0-based) is done; kNoStop runs to the end.
  void setStopAfter(int index) { m_stopAfter = index; }
  int stopAfter() const { return m_stopAfter; }
  // Continues a paused run up to and including step `index` (kNoStop: to the end). False
  // when the runner is not paused.
  bool resumeUntil(int index);
  bool running() const { return m_running; }
  bool paused() const { return m_paused; }
  int currentStep() const { return m_index; }
  const Scenario& scenario() const { return m_scenario; }
  // The summary as of now (final once finished() was emitted).
  RunSummary summary() const;

 signals:
  void stepStarted(int index, const QString& description);
  void stepFailed(int index, const QString& why);
  // The step names "leader" or "follower" and there is none yet: it waits (up to its
  // timeout_ms, default kDefaultRoleWaitMs) before it runs. `what` says so in words.
  void stepWaiting(int index, const QString& what);
  // The run stopped after step `lastDone` as setStopAfter asked; resumeUntil goes on.
  void pausedAt(int lastDone);
  // A `mark` step: this moment has a name (a recording keeps it; the time bar shows it).
  void momentMarked(const QString& name);
  // A `look_back` step: the explorer's time bar should go back to that named moment.
  void lookBackRequested(const QString& moment);
  void finished(bool ok);

 private:
  void next();
  void proceed();  // next(), from the event loop
  void runStep(const Step& s);
  void checkExpectations(const QJsonObject& f);
  void fail(const std::string& why);
  void waitUntil(std::function<bool()> pred, std::int64_t timeoutMs, const std::string& what,
                 std::function<void()> then);
  std::vector<NodeId> nodesOf(const QJsonValue& v) const;
  bool waitForRole(const Step& s);  // true: waiting, runStep(s) comes again after
  static std::string describe(const Step& s);

  Cluster& m_cluster;
  Scenario m_scenario;
  int m_index = -1;
  bool m_running = false;
  bool m_paused = false;
  int m_stopAfter = kNoStop;
  std::int64_t m_pausedAtMs = 0;
  std::int64_t m_startMs = 0;
  std::vector<std::string> m_failedExpectations;
  QTimer m_timer;
  std::function<bool()> m_waitPred;
  std::int64_t m_waitDeadlineMs = 0;
  std::string m_waitWhat;
  std::function<void()> m_afterWait;
  Index m_hwmAtStepStart = 0;
  Index m_ackedIndex = 0;  // the highest index a write of this scenario was answered ok at
};

}  // namespace qlab::cluster
