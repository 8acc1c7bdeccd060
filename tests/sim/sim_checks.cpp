// SimWorld: the checkers run after every event and at the end of a run (one leader per
// generation, HWM never back, log matching, lost writes, linearizability).
#include "sim_world_internal.h"

namespace qlab::sim {

// ---------------------------------------------------------------------------------------
// Checkers

void SimWorld::nodeEvent(const node::NodeEvent& e) {
  m_eventCounts[static_cast<int>(e.kind)]++;
  if (e.kind == EventKind::kElected) {
    auto [it, inserted] = m_leaderOf.emplace(e.generation, e.node);
    if (!inserted && it->second != e.node)
      m_violations.push_back("two leaders in generation " + std::to_string(e.generation) + ": node " +
                             std::to_string(it->second) + " and node " + std::to_string(e.node));
    ++m_leaderChanges;
    trace("n" + std::to_string(e.node) + " elected g" + std::to_string(e.generation));
  } else if (e.kind == EventKind::kTruncate || e.kind == EventKind::kDiverged ||
             e.kind == EventKind::kSnapshotInstall || e.kind == EventKind::kFailed ||
             e.kind == EventKind::kStepDown) {
    trace("n" + std::to_string(e.node) + " " + node::eventKindName(e.kind) + " " + e.detail);
  }
  if (e.kind == EventKind::kDiverged) {
    if (m_config.safe())
      m_violations.push_back("node " + std::to_string(e.node) + " diverged below its HWM in a safe configuration: " + e.detail);
    else
      m_notes.push_back("node " + std::to_string(e.node) + " diverged: " + e.detail);
  }
}

void SimWorld::checkAfterEvent() {
  for (auto& n : m_nodes)
    if (n->alive && n->engine) checkNode(*n);
}

void SimWorld::checkNode(Node& n) {
  Index hwm = n.engine->core().hwm();
  if (hwm < n.lastHwm) {
    // Only a snapshot install after divergence may move it back (unsafe configurations).
    if (m_config.safe())
      m_violations.push_back("node " + std::to_string(n.id) + " HWM went back from " +
                             std::to_string(n.lastHwm) + " to " + std::to_string(hwm));
  }
  n.lastHwm = hwm;
}

// Log matching for committed entries: the first entry any node applied at an index is the
// only one any node may ever apply there (checked at every application).
void SimWorld::checkApplied(NodeId id, const Entry& e) {
  auto [it, inserted] = m_committed.emplace(e.index, CommittedEntry{e.generation, e.type, e.payload});
  if (inserted) return;
  const CommittedEntry& c = it->second;
  if (c.generation == e.generation && c.type == e.type && c.payload == e.payload) return;
  std::string msg = "node " + std::to_string(id) + " applied a different entry at committed index " +
                    std::to_string(e.index) + " (generation " + std::to_string(e.generation) + " vs " +
                    std::to_string(c.generation) + ")";
  if (m_config.safe()) m_violations.push_back(msg);
  else m_notes.push_back(msg);
  it->second = CommittedEntry{e.generation, e.type, e.payload};
}

int SimWorld::eventCount(EventKind k) const {
  auto it = m_eventCounts.find(static_cast<int>(k));
  return it == m_eventCounts.end() ? 0 : it->second;
}

NodeId SimWorld::leader() const {
  NodeId best = kNoNode;
  Generation g = 0;
  for (const auto& n : m_nodes) {
    if (!n->alive || n->paused || !n->engine || n->engine->failed()) continue;
    if (n->engine->core().role() == replication::Role::kLeader && n->engine->core().generation() >= g) {
      g = n->engine->core().generation();
      best = n->id;
    }
  }
  return best;
}

node::NodeEngine* SimWorld::engine(NodeId id) { return m_nodes[id - 1]->engine.get(); }
bool SimWorld::alive(NodeId id) const { return m_nodes[id - 1]->alive; }

// ---------------------------------------------------------------------------------------

SimResult SimWorld::run() {
  SimResult r;
  m_faultsOn = m_config.faults;
  startLoad();
  if (m_faultsOn) schedule(m_rng.range(300, 800) * 1000, [this] { faultRound(); });
  runFor(m_config.faultPhaseMs);
  // Heal everything and let the cluster settle.
  m_faultsOn = false;
  stopLoad();
  heal();
  for (int i = 1; i <= m_config.nodes; ++i) {
    m_nodes[i - 1]->fs->failNextSyncs(0);  // disarm one-shot faults: the storm is over
    resume(static_cast<NodeId>(i));
    if (!alive(static_cast<NodeId>(i)) || m_nodes[i - 1]->engine->failed()) restart(static_cast<NodeId>(i));
  }
  operatorRound();
  runUntil([this] {
    for (auto& c : m_clients)
      if (c->busy) return false;
    return true;
  }, kClientDeadlineUs / 1000 + 1000);
  finalChecks(&r);
  return r;
}

void SimWorld::finalChecks(SimResult* r) {
  // Liveness: after healing, one leader commits an entry of its generation and every node
  // holds the whole committed log.
  auto converged = [this] {
    NodeId l = leader();
    if (l == kNoNode) return false;
    auto& core = m_nodes[l - 1]->engine->core();
    if (!core.committedInCurrentGeneration() || core.hwm() != core.lastIndex()) return false;
    for (auto& n : m_nodes) {
      if (!n->alive || !n->engine || n->engine->failed()) return false;
      if (n->engine->core().hwm() != core.hwm() || n->engine->kv().appliedIndex() != core.hwm())
        return false;
    }
    return true;
  };
  if (!runUntil(converged, m_config.quiesceMs)) {
    std::string state;
    for (auto& n : m_nodes) {
      if (!n->engine) {
        state += " n" + std::to_string(n->id) + "=down";
        continue;
      }
      auto& c = n->engine->core();
      state += " n" + std::to_string(n->id) + "=" + replication::roleName(c.role()) + "/g" +
               std::to_string(c.generation()) + "/last" + std::to_string(c.lastIndex()) + "/hwm" +
               std::to_string(c.hwm()) + (n->engine->failed() ? "/FAILED:" + n->engine->failure().message() : "");
    }
    m_violations.push_back("the cluster did not converge within " + std::to_string(m_config.quiesceMs) +
                           " ms after healing:" + state);
  }

  NodeId l = leader();
  if (l != kNoNode) {
    Node& ln = *m_nodes[l - 1];
    // State machine safety: every node applied the same sequence (compare with the leader).
    for (auto& n : m_nodes) {
      if (!n->engine) continue;
      std::size_t common = std::min(n->appliedLog.size(), ln.appliedLog.size());
      for (std::size_t i = 0; i < common; ++i) {
        const Entry& a = n->appliedLog[i];
        const Entry& b = ln.appliedLog[i];
        if (a.index != b.index || a.generation != b.generation || a.payload != b.payload) {
          std::string msg = "node " + std::to_string(n->id) + " applied a different entry at index " +
                            std::to_string(a.index) + " than leader " + std::to_string(l);
          if (m_config.safe()) m_violations.push_back(msg);
          else m_notes.push_back(msg);
          break;
        }
      }
    }
    // The recorded sequence must rebuild exactly the leader's real state machine.
    kv::KvStore replay;
    bool replayOk = true;
    for (const Entry& e : ln.appliedLog) {
      if (e.index != replay.appliedIndex() + 1) {
        replayOk = false;
        break;
      }
      replay.apply(e);
    }
    if (!replayOk || replay.data() != ln.engine->kv().data())
      m_violations.push_back("the recorded applied entries do not rebuild the leader's state (checker bug)");
    r->lost = cluster::findLostAcknowledged(m_history, ln.appliedLog);
    // Oracle: an acknowledged write survived iff the state machine applied its (client, seq)
    // as a first application (not a duplicate).
    kv::KvStore oracle;
    std::set<std::pair<std::uint64_t, std::uint64_t>> firstApplied;
    for (const Entry& e : ln.appliedLog) {
      auto ar = oracle.apply(e);
      if (ar.isCommand && !ar.duplicate) firstApplied.emplace(ar.client, ar.seq);
    }
    for (const Operation& op : m_history)
      if (op.kind == OpKind::kWrite && op.result == OpResult::kOk && !firstApplied.count({op.client, op.seq}))
        r->lostByOracle.push_back({op.client, op.seq, op.key, op.value, op.index});
    r->finalHwm = ln.engine->core().hwm();
    r->duplicatesIgnored = static_cast<int>(ln.engine->kv().duplicatesIgnored());
  }

  if (m_config.safe()) {
    for (const auto& lw : r->lost)
      m_violations.push_back("acknowledged write lost: client " + std::to_string(lw.client) + " seq " +
                             std::to_string(lw.seq) + " at index " + std::to_string(lw.index));
    for (const auto& v : cluster::checkLinearizable(m_history))
      m_violations.push_back("not linearizable: " + v);
  }
  for (const auto& op : m_history) {
    if (op.result == OpResult::kOk && op.kind == OpKind::kWrite) r->ackedWrites++;
    if (op.result == OpResult::kOk && op.kind == OpKind::kRead) r->okReads++;
    if (op.result == OpResult::kTimeout) r->timedOut++;
  }
  r->violations = m_violations;
  r->notes = m_notes;
  r->ok = m_violations.empty();
  r->leaderChanges = m_leaderChanges;
  r->crashes = m_crashes;
  r->restarts = m_restarts;
  r->snapshotsInstalled = eventCount(EventKind::kSnapshotInstall);
  r->truncations = eventCount(EventKind::kTruncate);
  r->segmentsDeleted = eventCount(EventKind::kSegmentDelete);
  r->events = m_events;
  if (!r->ok) {
    std::string t;
    for (std::size_t i = 0; i < kTraceLines; ++i) {
      const auto& line = m_trace[(m_traceNext + i) % kTraceLines];
      if (!line.empty()) t += "  " + line + "\n";
    }
    r->trace = t;
  }
}

}  // namespace qlab::sim
