#include <algorithm>

#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>

#include "core/scenario/scenario.h"

namespace qlab::cluster {

namespace {
constexpr int kPollMs = 20;
std::int64_t num(const QJsonObject& o, const char* k, std::int64_t def) {
  return o.contains(k) ? static_cast<std::int64_t>(o.value(k).toDouble()) : def;
}
}  // namespace

ScenarioRunner::ScenarioRunner(Cluster& cluster, Scenario scenario, QObject* parent)
    : QObject(parent), m_cluster(cluster), m_scenario(std::move(scenario)) {
  m_timer.setInterval(kPollMs);
  connect(&m_timer, &QTimer::timeout, this, [this] {
    bool done = m_waitPred && m_waitPred();
    if (!done && m_cluster.nowMs() < m_waitDeadlineMs) return;
    m_timer.stop();
    if (!done) fail("timed out waiting for " + m_waitWhat);
    auto then = std::move(m_afterWait);
    m_waitPred = nullptr;
    m_afterWait = nullptr;
    if (then) then();
  });
}

ClusterOptions clusterOptionsFor(const Scenario& s) {
  ClusterOptions o;
  o.name = "quorumlab";
  o.nodes = s.nodes;
  o.writeQuorum = s.writeQuorum;
  o.segmentBytes = s.segmentBytes;
  o.snapshotEvery = s.snapshotEvery;
  o.flush = s.flush;
  o.electionTimeoutMs = s.electionTimeoutMs;
  if (s.hasSeed) o.seed = s.seed;
  if (s.processes) o.backend = NodeBackend::kProcesses;
  return o;
}

void ScenarioRunner::start(int stopAfterStep) {
  m_running = true;
  m_paused = false;
  m_stopAfter = stopAfterStep;
  m_index = -1;
  m_startMs = m_cluster.nowMs();
  m_hwmAtStepStart = m_cluster.hwm();
  QTimer::singleShot(0, this, [this] { next(); });
}

void ScenarioRunner::cancel() {
  if (!m_running) return;
  m_timer.stop();
  m_running = false;
  m_paused = false;
  emit finished(false);
}

bool ScenarioRunner::resumeUntil(int index) {
  if (!m_running || !m_paused) return false;
  m_paused = false;
  m_stopAfter = index;
  m_startMs += m_cluster.nowMs() - m_pausedAtMs;  // `at_ms` counts time spent running
  proceed();
  return true;
}

void ScenarioRunner::fail(const std::string& why) {
  const Step& s = m_scenario.steps[static_cast<std::size_t>(m_index)];
  std::string msg = "step " + std::to_string(m_index + 1) + " (" + m_scenario.file + ":" + std::to_string(s.line) +
                    ", " + s.kind + "): " + why;
  m_failedExpectations.push_back(msg);
  emit stepFailed(m_index, QString::fromStdString(msg));
}

void ScenarioRunner::waitUntil(std::function<bool()> pred, std::int64_t timeoutMs, const std::string& what,
                               std::function<void()> then) {
  m_waitPred = std::move(pred);
  m_waitDeadlineMs = m_cluster.nowMs() + timeoutMs;
  m_waitWhat = what;
  m_afterWait = std::move(then);
  m_timer.start();
}

void ScenarioRunner::next() {
  if (!m_running || m_paused) return;
  if (m_stopAfter != kNoStop && m_index >= m_stopAfter && m_index + 1 < static_cast<int>(m_scenario.steps.size())) {
    m_paused = true;
    m_pausedAtMs = m_cluster.nowMs();
    emit pausedAt(m_index);
    return;
  }
  ++m_index;
  if (m_index >= static_cast<int>(m_scenario.steps.size())) {
    m_running = false;
    emit finished(m_failedExpectations.empty());
    return;
  }
  const Step& s = m_scenario.steps[static_cast<std::size_t>(m_index)];
  emit stepStarted(m_index, QString::fromStdString(describe(s)));
  if (s.atMs) {
    std::int64_t due = m_startMs + *s.atMs;
    if (m_cluster.nowMs() < due) {
      waitUntil([this, due] { return m_cluster.nowMs() >= due; }, due - m_cluster.nowMs() + 1000, "at_ms",
                [this] { runStep(m_scenario.steps[static_cast<std::size_t>(m_index)]); });
      return;
    }
  }
  runStep(s);
}

void ScenarioRunner::proceed() {
  QTimer::singleShot(0, this, [this] { next(); });
}

std::vector<NodeId> ScenarioRunner::nodesOf(const QJsonValue& v) const {
  std::vector<NodeId> out;
  if (v.isDouble()) {
    out.push_back(static_cast<NodeId>(v.toInt()));
  } else if (v.toString() == "leader") {
    if (NodeId l = m_cluster.leader(); l != kNoNode) out.push_back(l);
  } else if (v.toString() == "follower") {
    // A follower follows a leader: before the first election there is none to name.
    NodeId l = m_cluster.leader();
    if (l == kNoNode) return out;
    for (const auto& view : m_cluster.views())
      if (view->id != l && view->status == node::NodeStatus::kRunning && view->role == replication::Role::kFollower) {
        out.push_back(view->id);
        break;
      }
  } else if (v.toString() == "all") {
    for (int i = 1; i <= m_cluster.size(); ++i) out.push_back(static_cast<NodeId>(i));
  }
  return out;
}

bool ScenarioRunner::waitForRole(const Step& s) {
  for (const char* key : {"node", "from", "to"}) {
    const QJsonValue v = s.fields.value(key);
    const QString role = v.toString();
    if (role != "leader" && role != "follower") continue;
    if (!nodesOf(v).empty()) continue;
    const std::int64_t timeout = num(s.fields, "timeout_ms", kDefaultRoleWaitMs);
    const std::string what = "a " + role.toStdString() + " (" + std::to_string(timeout) + " ms; the step did not run)";
    const std::string text = "waiting for a " + role.toStdString() + ", up to " + std::to_string(timeout) + " ms";
    m_cluster.logs().add(kNoNode, 2, "scenario step " + std::to_string(m_index + 1) + " (" + s.kind + "): " + text);
    emit stepWaiting(m_index, QString::fromStdString(text));
    const int index = m_index;
    waitUntil([this, v] { return !nodesOf(v).empty(); }, timeout, what, [this, v, index] {
      if (nodesOf(v).empty()) return proceed();  // timed out: the failure is recorded, go on
      m_cluster.logs().add(kNoNode, 2, "scenario step " + std::to_string(index + 1) + ": found a " +
                                           v.toString().toStdString() + ", going on");
      runStep(m_scenario.steps[static_cast<std::size_t>(index)]);
    });
    return true;
  }
  return false;
}

void ScenarioRunner::runStep(const Step& s) {
  const QJsonObject& f = s.fields;
  const std::string& k = s.kind;
  // "kill the leader at 1 s" means the leader once there is one: wait for it (bounded).
  if (waitForRole(s)) return;
  // The HWM a step starts from. Views may be a publish interval old, but a write answered ok
  // at index i proves the HWM reached i: without that, a stale view could make the HWM seem
  // to move during a step that really stalled.
  if (k != "expect" && k != "note" && k != "wait" && k != "mark" && k != "look_back") m_hwmAtStepStart = std::max(m_cluster.hwm(), m_ackedIndex);
  auto nodes = [&](const char* key) {
    auto ids = nodesOf(f.value(key));
    if (ids.empty()) fail("no node matches " + f.value(key).toVariant().toString().toStdString());
    return ids;
  };
  if (k == "write" || k == "read") {
    std::optional<std::string> value;
    if (k == "write") value = f.value("value").toString().toStdString();
    int timeout = static_cast<int>(num(f, "timeout_ms", 5000));
    std::optional<QJsonValue> equals;
    if (f.contains("equals")) equals = f.value("equals");
    // The answer may come after the runner was cancelled and deleted (a lesson stopped).
    m_cluster.load().submit(f.value("key").toString().toStdString(), value,
                            [this, guard = QPointer<ScenarioRunner>(this), k, equals](const Operation& op) {
                              if (!guard || !m_running) return;
                              if (op.result == OpResult::kOk && op.kind == OpKind::kWrite)
                                m_ackedIndex = std::max(m_ackedIndex, op.index);
                              if (op.result != OpResult::kOk)
                                emit stepFailed(m_index, QString::fromStdString(k + " did not succeed: " + opResultName(op.result)));
                              else if (equals) {
                                std::string want = equals->isNull() ? "<absent>" : equals->toString().toStdString();
                                std::string got = op.found ? op.value : "<absent>";
                                if (want != got) fail("expected the read to return " + want + ", got " + got);
                              }
                              proceed();
                            },
                            timeout);
    return;
  }
  if (k == "load") {
    LoadOptions o;
    o.clients = static_cast<int>(num(f, "clients", 4));
    o.rate = f.value("rate").toDouble(100);
    o.keys = static_cast<int>(num(f, "keys", 100));
    o.readRatio = f.value("read_ratio").toDouble(0);
    m_cluster.load().start(o);
  } else if (k == "stop_load") {
    m_cluster.load().requestStop();
    waitUntil([this] { return m_cluster.load().inFlight() == 0; }, 7000, "in-flight requests to finish", [this] {
      m_cluster.load().stop(0);
      proceed();
    });
    return;
  } else if (s.fault) {
    Fault fault = *s.fault;
    if (fault.kind == FaultKind::kLink) {
      fault.nodes = nodes("from");
      fault.peers = nodes("to");
    } else if (faultTargetsNodes(fault.kind)) {
      fault.nodes = nodes("node");
    }
    if (Status st = m_cluster.apply(fault); !st.isOk()) fail(st.message());
  } else if (k == "mark") {
    emit momentMarked(f.value("name").toString());
  } else if (k == "look_back") {
    emit lookBackRequested(f.value("moment").toString());
  } else if (k == "wait") {
    std::string what = f.value("for").toString().toStdString();
    std::int64_t timeout = num(f, "timeout_ms", 10000);
    if (what == "leader") {
      waitUntil([this] { return m_cluster.leader() != kNoNode; }, timeout, "a leader", [this] { proceed(); });
    } else if (what == "caught_up") {
      std::int64_t since = m_cluster.nowMs();
      waitUntil([this, since] { return m_cluster.viewsFresh(since) && m_cluster.caughtUp(); }, timeout,
                "every node to catch up", [this] { proceed(); });
    } else if (what == "hwm") {
      Index idx = static_cast<Index>(num(f, "index", 0));
      waitUntil([this, idx] { return m_cluster.hwm() >= idx; }, timeout, "HWM " + std::to_string(idx), [this] { proceed(); });
    } else {
      std::int64_t due = m_cluster.nowMs() + num(f, "ms", 0);
      waitUntil([this, due] { return m_cluster.nowMs() >= due; }, num(f, "ms", 0) + 1000, "time", [this] { proceed(); });
    }
    return;
  } else if (k == "expect") {
    // Judge views published after this step began, not ones from before the last action.
    std::int64_t since = m_cluster.nowMs();
    waitUntil([this, since] { return m_cluster.viewsFresh(since); }, 3000, "fresh node views",
              [this, f] {
                checkExpectations(f);
                proceed();
              });
    return;
  }
  proceed();
}

void ScenarioRunner::checkExpectations(const QJsonObject& f) {
  RunSummary now = summarize(m_cluster, m_cluster.nowMs() - m_startMs, {});
  auto expectEq = [&](const char* key, std::uint64_t actual, const std::string& about) {
    if (!f.contains(key)) return;
    auto want = static_cast<std::uint64_t>(f.value(key).toDouble());
    if (actual != want) fail(std::string("expected ") + key + " = " + std::to_string(want) + ", got " + std::to_string(actual) + about);
  };
  auto expectMin = [&](const char* key, std::uint64_t actual) {
    if (!f.contains(key)) return;
    auto want = static_cast<std::uint64_t>(f.value(key).toDouble());
    if (actual < want) fail(std::string("expected ") + key + " >= " + std::to_string(want) + ", got " + std::to_string(actual));
  };
  std::string lostList;
  for (const auto& l : now.lostAcked) lostList += (lostList.empty() ? " (" : ", ") + l.key + "=" + l.value + "@" + std::to_string(l.index);
  if (!lostList.empty()) lostList += ")";
  expectEq("lost_acked", now.lostAcked.size(), lostList);
  expectMin("lost_acked_min", now.lostAcked.size());
  expectMin("committed_min", now.committed);
  expectEq("violations", now.violations.size(), now.violations.empty() ? "" : " (" + now.violations.front() + ")");
  expectMin("leader_changes_min", static_cast<std::uint64_t>(now.leaderChanges));
  std::uint64_t duplicates = 0;
  for (const auto& v : m_cluster.views()) duplicates = std::max<std::uint64_t>(duplicates, v->counters.duplicatesIgnored);
  expectMin("duplicates_min", duplicates);
  expectMin("truncations_min", m_cluster.recorder().count(node::EventKind::kTruncate));
  expectMin("snapshot_installs_min", m_cluster.recorder().count(node::EventKind::kSnapshotInstall));
  expectMin("segments_deleted_min", m_cluster.recorder().count(node::EventKind::kSegmentDelete));
  expectMin("torn_tails_min", m_cluster.recorder().count(node::EventKind::kTornTail));
  expectMin("stale_min", m_cluster.recorder().count(node::EventKind::kStale));
  std::uint64_t segments = 0;
  for (const auto& v : m_cluster.views()) segments = std::max<std::uint64_t>(segments, v->segments.size());
  expectMin("segments_min", segments);
  if (f.contains("kv")) {
    NodeId l = m_cluster.leader();
    auto lv = l == kNoNode ? nullptr : m_cluster.view(l);
    if (!lv) {
      fail("expected a leader to compare its key-value state");
    } else {
      QJsonObject want = f.value("kv").toObject();
      for (auto it = want.begin(); it != want.end(); ++it) {
        auto have = lv->kv.find(it.key().toStdString());
        std::string got = have == lv->kv.end() ? "<absent>" : have->second;
        std::string exp = it.value().isNull() ? "<absent>" : it.value().toString().toStdString();
        if (got != exp) fail("expected " + it.key().toStdString() + " = " + exp + " at the HWM, got " + got);
      }
    }
  }
  if (f.contains("hwm_stalled")) {
    bool stalled = m_cluster.hwm() == m_hwmAtStepStart;
    if (stalled != f.value("hwm_stalled").toBool())
      fail(std::string("expected the HWM ") + (stalled ? "to move" : "to stall") + " during the previous step; it " +
           (stalled ? "stayed at " : "moved from " + std::to_string(m_hwmAtStepStart) + " to ") + std::to_string(m_cluster.hwm()));
  }
}

std::string ScenarioRunner::describe(const Step& s) {
  if (s.fields.contains("say")) return s.fields.value("say").toString().toStdString();
  QJsonObject f = s.fields;
  f.remove("do");
  f.remove("note");
  f.remove("say");
  f.remove("watch");
  std::string args;
  for (const auto& key : f.keys()) {
    QJsonValue v = f.value(key);
    std::string val = v.isString() ? v.toString().toStdString()
                      : v.isBool() ? (v.toBool() ? "true" : "false")
                      : v.isArray() ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact).toStdString()
                                    : std::to_string(v.toDouble()).substr(0, std::to_string(v.toDouble()).find('.'));
    args += " " + key.toStdString() + "=" + val;
  }
  return s.kind + args;
}

RunSummary ScenarioRunner::summary() const {
  if (!m_running) m_cluster.awaitFreshViews();
  return summarize(m_cluster, m_cluster.nowMs() - m_startMs, m_failedExpectations);
}

}  // namespace qlab::cluster
