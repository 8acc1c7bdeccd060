// SimWorld: faults (crash, restart, pause, partitions, policy and quorum changes) and the
// random fault schedule.
#include "sim_world_internal.h"

namespace qlab::sim {

// ---------------------------------------------------------------------------------------
// Faults

void SimWorld::apply(const cluster::Fault& f) {
  using K = cluster::FaultKind;
  switch (f.kind) {
    case K::kKill:
      for (NodeId id : f.nodes) {
        if (f.how == node::KillKind::kCrash) {
          // The process dies, the machine does not: what reached the file system stays.
          Node& n = *m_nodes[id - 1];
          if (!n.alive) continue;
          trace("crash n" + std::to_string(id) + " (process only)");
          n.engine.reset();
          n.alive = false;
          n.paused = false;
          n.deferred.clear();
          ++n.incarnation;
          ++m_crashes;
          continue;
        }
        crash(id, f.how == node::KillKind::kPowerLoss ? wal::PowerLossMode::kDropUnsynced
                  : f.zeroedTail                       ? wal::PowerLossMode::kZeroedTail
                                                       : wal::PowerLossMode::kTornWrite);
      }
      return;
    case K::kRestart:
      for (NodeId id : f.nodes) restart(id);
      return;
    case K::kPause:
      for (NodeId id : f.nodes) pause(id);
      return;
    case K::kResume:
      for (NodeId id : f.nodes) resume(id);
      return;
    case K::kFlushPolicy:
      for (NodeId id : f.nodes) setPolicy(id, f.policy);
      return;
    case K::kFlushNow:
      for (NodeId id : f.nodes) {
        Node& nd = *m_nodes[id - 1];
        nd.run(nd.incarnation, [&nd] {
          if (nd.engine) nd.engine->flushNow();
        });
      }
      return;
    case K::kCampaign: return;  // the simulator's elections come from its own timeouts
    case K::kDropResponses:
      for (NodeId id : f.nodes) dropNextResponses(id, f.count);
      return;
    case K::kPartition: partition(f.groups); return;
    case K::kLink:
      // The simulator models cut links only (delays are its network's own).
      for (NodeId a : f.nodes)
        for (NodeId b : f.peers) {
          if (a == b || !f.link.cut) continue;
          cut(a, b);
          if (!f.oneWay) cut(b, a);
          trace("cut n" + std::to_string(a) + " -> n" + std::to_string(b));
        }
      return;
    case K::kHeal: heal(); return;
    case K::kWriteQuorum: proposeWriteQuorum(f.writeQuorum); return;
  }
}

void SimWorld::crash(NodeId id, wal::PowerLossMode mode) {
  Node& n = *m_nodes[id - 1];
  if (!n.alive) return;
  trace("crash n" + std::to_string(id) + " mode " + std::to_string(static_cast<int>(mode)));
  n.engine.reset();  // the buffer dies with the process
  n.fs->powerLoss(mode);
  n.alive = false;
  n.paused = false;
  n.deferred.clear();
  ++n.incarnation;
  ++m_crashes;
}

void SimWorld::restart(NodeId id) {
  Node& n = *m_nodes[id - 1];
  if (n.alive && n.engine && !n.engine->failed()) return;
  if (n.alive) crash(id, wal::PowerLossMode::kDropUnsynced);
  ++n.incarnation;
  n.groupFlushScheduled = false;
  n.delayedArmed = false;
  auto e = node::NodeEngine::open(optionsFor(id), *n.fs, n);
  if (!e.isOk()) {
    if (e.status().code() == Status::Code::kCorruption) {
      m_violations.push_back("node " + std::to_string(id) + " could not recover: " + e.status().toString());
      return;
    }
    // An I/O error while starting (an injected fsync failure): the node refuses to start,
    // as it should; its operator tries again a little later.
    trace("n" + std::to_string(id) + " refused to start: " + e.status().toString());
    schedule(500'000, [this, id] { restart(id); });
    return;
  }
  n.engine = std::move(e.value());
  n.alive = true;
  n.paused = false;
  n.lastHwm = n.engine->core().hwm();
  // Restarted from its own snapshot: what it had applied up to there stands.
  Index snap = n.engine->kv().appliedIndex();
  while (!n.appliedLog.empty() && n.appliedLog.back().index > snap) n.appliedLog.pop_back();
  n.tickLoop(n.incarnation);
  if (n.policy.mode == wal::FlushMode::kDelayed) n.armDelayed();
  ++m_restarts;
  trace("restart n" + std::to_string(id) + " at hwm " + std::to_string(n.lastHwm));
}

void SimWorld::pause(NodeId id) {
  Node& n = *m_nodes[id - 1];
  if (!n.alive || n.paused) return;
  n.paused = true;
  trace("pause n" + std::to_string(id));
}

void SimWorld::resume(NodeId id) {
  Node& n = *m_nodes[id - 1];
  if (!n.alive || !n.paused) return;
  n.paused = false;
  trace("resume n" + std::to_string(id));
  auto work = std::move(n.deferred);
  n.deferred.clear();
  int life = n.incarnation;
  for (auto& fn : work) n.run(life, std::move(fn));
}

void SimWorld::cut(NodeId from, NodeId to) { m_cut.insert({from, to}); }

void SimWorld::partition(const std::vector<std::vector<NodeId>>& groups) {
  m_cut.clear();
  std::map<NodeId, int> groupOf;
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (NodeId id : groups[g]) groupOf[id] = static_cast<int>(g);
  for (int a = 1; a <= m_config.nodes; ++a)
    for (int b = 1; b <= m_config.nodes; ++b) {
      auto ia = groupOf.find(static_cast<NodeId>(a));
      auto ib = groupOf.find(static_cast<NodeId>(b));
      int ga = ia == groupOf.end() ? -1 - a : ia->second;
      int gb = ib == groupOf.end() ? -1 - b : ib->second;
      if (a != b && ga != gb) m_cut.insert({static_cast<NodeId>(a), static_cast<NodeId>(b)});
    }
  trace("partition into " + std::to_string(groups.size()) + " groups");
}

void SimWorld::heal() {
  m_cut.clear();
  trace("heal");
}

void SimWorld::setPolicy(NodeId id, wal::FlushPolicy p) {
  Node& n = *m_nodes[id - 1];
  n.policy = p;
  if (!n.alive) return;
  n.run(n.incarnation, [&n, p] {
    if (n.engine) n.engine->setFlushPolicy(p);
  });
  trace("n" + std::to_string(id) + " flush policy " + modeName(p.mode));
}

void SimWorld::proposeWriteQuorum(std::uint32_t w) {
  NodeId l = leader();
  if (l == kNoNode) return;
  Node& n = *m_nodes[l - 1];
  n.run(n.incarnation, [&n, w] {
    if (n.engine) n.engine->proposeWriteQuorum(w);
  });
  trace("propose W=" + std::to_string(w) + " at n" + std::to_string(l));
}

void SimWorld::dropNextResponses(NodeId id, int count) { m_nodes[id - 1]->dropResponses += count; }

// After the fault phase an operator keeps restarting nodes that failed (a late fsync error).
void SimWorld::operatorRound() {
  for (auto& nd : m_nodes)
    if (nd->alive && nd->engine && nd->engine->failed()) restart(nd->id);
  schedule(300'000, [this] { operatorRound(); });
}

void SimWorld::faultRound() {
  if (!m_faultsOn) return;
  using cluster::Fault;
  int n = m_config.nodes;
  NodeId victim = static_cast<NodeId>(m_rng.range(1, n));
  int roll = static_cast<int>(m_rng.uniform(100));
  if (roll < 18) {
    const auto mode = m_rng.uniform(3);  // drop unsynced, torn, torn and zeroed
    Fault kill = Fault::kill({victim}, mode == 0 ? node::KillKind::kPowerLoss : node::KillKind::kTornPowerLoss);
    kill.zeroedTail = mode == 2;
    apply(kill);
    schedule(m_rng.range(200, 2000) * 1000, [this, victim] { apply(Fault::restart({victim})); });
  } else if (roll < 28) {
    apply(Fault::pause({victim}));
    schedule(m_rng.range(100, 1500) * 1000, [this, victim] { apply(Fault::resume({victim})); });
  } else if (roll < 42) {
    std::vector<NodeId> all;
    for (int i = 1; i <= n; ++i) all.push_back(static_cast<NodeId>(i));
    for (std::size_t i = all.size(); i > 1; --i) std::swap(all[i - 1], all[m_rng.uniform(i)]);
    std::size_t split = 1 + m_rng.uniform(static_cast<std::uint64_t>(n - 1));
    apply(Fault::partition({std::vector<NodeId>(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(split)),
                            std::vector<NodeId>(all.begin() + static_cast<std::ptrdiff_t>(split), all.end())}));
    schedule(m_rng.range(300, 2500) * 1000, [this] { apply(Fault::heal()); });
  } else if (roll < 50) {
    NodeId other = static_cast<NodeId>(m_rng.range(1, n));
    if (other != victim) {
      apply(Fault::setLink({victim}, {other}, net::LinkFault{true, 0, 0}, /*oneWay=*/true));
      schedule(m_rng.range(300, 2500) * 1000, [this] { apply(Fault::heal()); });
    }
  } else if (roll < 60 && m_config.changePolicies) {
    std::vector<wal::FlushMode> modes = {wal::FlushMode::kAlways, wal::FlushMode::kGroup};
    if (!m_config.safe() || m_config.policy == wal::FlushMode::kDelayed ||
        m_config.policy == wal::FlushMode::kManual) {
      modes.push_back(wal::FlushMode::kDelayed);
      modes.push_back(wal::FlushMode::kManual);
    }
    if (m_config.safe()) modes = {wal::FlushMode::kAlways, wal::FlushMode::kGroup};
    apply(Fault::flushPolicy({victim}, {modes[m_rng.uniform(modes.size())], m_rng.range(5, 80)}));
  } else if (roll < 66 && m_config.changeQuorum) {
    apply(Fault::setWriteQuorum(static_cast<std::uint32_t>(m_rng.range(0, n))));
  } else if (roll < 72) {
    apply(Fault::dropResponses({victim}, static_cast<int>(m_rng.range(1, 3))));
  } else if (roll < 78) {
    apply(Fault::flushNow({victim}));
  } else if (roll < 80 && m_config.fsyncErrorRate > 0 && m_rng.chance(m_config.fsyncErrorRate)) {
    m_nodes[victim - 1]->fs->failNextSyncs(1);
    trace("n" + std::to_string(victim) + " next fsync fails");
  }
  // A failed node (fsync error) is restarted by its operator a little later.
  for (auto& nd : m_nodes) {
    if (nd->alive && nd->engine && nd->engine->failed()) {
      NodeId id = nd->id;
      schedule(m_rng.range(200, 1000) * 1000, [this, id] { restart(id); });
    }
  }
  schedule(m_rng.range(150, 500) * 1000, [this] { faultRound(); });
}


}  // namespace qlab::sim
