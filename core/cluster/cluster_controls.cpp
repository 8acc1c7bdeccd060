// Cluster controls: what the user clicks (kill, restart, pause, flush policy, elections,
// dropped responses), the network (partitions, per-link faults) and the write quorum.
#include "core/cluster/cluster.h"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "core/replication/quorum.h"

namespace qlab::cluster {

// ---------------------------------------------------------------------------------------
// Controls

Status Cluster::apply(const Fault& f) {
  Status result;
  const auto each = [&](const auto& fn) {
    for (NodeId id : f.nodes) fn(id);
  };
  switch (f.kind) {
    case FaultKind::kKill: each([&](NodeId id) { kill(id, f.how); }); break;
    case FaultKind::kRestart:
      each([&](NodeId id) {
        Status s = restart(id);
        if (!s.isOk() && result.isOk()) result = Status::failed("node " + std::to_string(id) + " did not restart: " + s.toString());
      });
      break;
    case FaultKind::kPause: each([&](NodeId id) { pause(id); }); break;
    case FaultKind::kResume: each([&](NodeId id) { resume(id); }); break;
    case FaultKind::kFlushPolicy: each([&](NodeId id) { setFlushPolicy(id, f.policy); }); break;
    case FaultKind::kFlushNow: each([&](NodeId id) { flushNow(id); }); break;
    case FaultKind::kCampaign: each([&](NodeId id) { campaign(id); }); break;
    case FaultKind::kDropResponses: each([&](NodeId id) { dropResponses(id, f.count); }); break;
    case FaultKind::kPartition: partition(f.groups); break;
    case FaultKind::kLink:
      for (NodeId a : f.nodes)
        for (NodeId b : f.peers)
          if (a != b) setLink(a, b, f.link, f.oneWay);
      break;
    case FaultKind::kHeal: heal(); break;
    case FaultKind::kWriteQuorum: setWriteQuorum(f.writeQuorum); break;
  }
  return result;
}

void Cluster::kill(NodeId id, node::KillKind how) {
  if (id < 1 || id > m_nodes.size() || !m_nodes[id - 1]->running()) return;
  clusterEvent(node::EventKind::kKill, id, node::killKindName(how));
  m_nodes[id - 1]->kill(how);
  emit nodeStatusChanged(id);
}

Status Cluster::restart(NodeId id) {
  if (id < 1 || id > m_nodes.size()) return Status::invalidArgument("no node " + std::to_string(id));
  auto& n = m_nodes[id - 1];
  if (n->running()) return Status::ok();
  ++m_lives[id];
  clusterEvent(node::EventKind::kRestart, id, "recovering from " + nodeDir(id));
  Status s = n->restart();
  if (s.isOk()) {
    // The new transport starts without faults: put this node's outgoing ones back.
    for (const auto& [link, st] : m_links)
      if (link.first == id) n->setLinkFault(link.second, net::LinkFault{st.cut, st.delayMs, st.drop});
  }
  emit nodeStatusChanged(id);
  return s;
}

void Cluster::pause(NodeId id) {
  if (id < 1 || id > m_nodes.size() || !m_nodes[id - 1]->running()) return;
  clusterEvent(node::EventKind::kPause, id, "thread frozen, sockets open");
  m_nodes[id - 1]->pause();
  emit nodeStatusChanged(id);
}

void Cluster::resume(NodeId id) {
  if (id < 1 || id > m_nodes.size() || !m_nodes[id - 1]->paused()) return;
  clusterEvent(node::EventKind::kResume, id, "");
  m_nodes[id - 1]->resume();
  emit nodeStatusChanged(id);
}

void Cluster::setFlushPolicy(NodeId id, const wal::FlushPolicy& p) {
  for (auto& n : m_nodes) {
    if (id != kNoNode && n->id() != id) continue;
    n->setFlushPolicy(p);
    clusterEvent(node::EventKind::kFlushPolicy, n->id(),
                 std::string(wal::flushModeName(p.mode)) +
                     (p.mode == wal::FlushMode::kDelayed ? " " + std::to_string(p.delayMs) + " ms" : ""),
                 static_cast<Index>(p.mode), static_cast<Index>(p.delayMs));
  }
  updateSafety();
}

wal::FlushPolicy Cluster::flushPolicy(NodeId id) const {
  if (id < 1 || id > m_nodes.size()) return m_options.flush;
  return m_nodes[id - 1]->flushPolicy();
}

void Cluster::flushNow(NodeId id) {
  for (auto& n : m_nodes)
    if (id == kNoNode || n->id() == id) n->flushNow();
}

void Cluster::campaign(NodeId id) {
  if (id >= 1 && id <= m_nodes.size()) m_nodes[id - 1]->campaign();
}

void Cluster::dropResponses(NodeId id, int count) {
  for (auto& n : m_nodes) {
    if (id != kNoNode && n->id() != id) continue;
    n->dropNextResponses(count);
    clusterEvent(node::EventKind::kLinkFault, n->id(), "drops its next " + std::to_string(count) + " client responses");
  }
}

void Cluster::partition(const std::vector<std::vector<NodeId>>& groups) {
  std::map<NodeId, int> groupOf;
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (NodeId id : groups[g]) groupOf[id] = static_cast<int>(g);
  int lone = static_cast<int>(groups.size());
  for (int i = 1; i <= m_options.nodes; ++i)
    if (!groupOf.count(static_cast<NodeId>(i))) groupOf[static_cast<NodeId>(i)] = lone++;
  m_links.clear();
  std::string desc;
  for (const auto& g : groups) {
    desc += desc.empty() ? "{" : " | {";
    for (std::size_t k = 0; k < g.size(); ++k) desc += (k ? "," : "") + std::to_string(g[k]);
    desc += "}";
  }
  for (int a = 1; a <= m_options.nodes; ++a)
    for (int b = 1; b <= m_options.nodes; ++b)
      if (a != b && groupOf[static_cast<NodeId>(a)] != groupOf[static_cast<NodeId>(b)])
        m_links[{static_cast<NodeId>(a), static_cast<NodeId>(b)}] = LinkState{true, 0, 0};
  applyLinks();
  clusterEvent(node::EventKind::kPartition, kNoNode, desc);
  m_log->warn("partition {}", desc);
}

void Cluster::setLink(NodeId from, NodeId to, const net::LinkFault& f, bool oneWay) {
  LinkState st{f.cut, f.delayMs, f.dropProbability};
  auto put = [&](NodeId a, NodeId b) {
    if (st == LinkState{}) m_links.erase({a, b});
    else m_links[{a, b}] = st;
  };
  put(from, to);
  if (!oneWay) put(to, from);
  applyLinks();
  clusterEvent(node::EventKind::kLinkFault, from,
               "link " + std::to_string(from) + (oneWay ? " -> " : " <-> ") + std::to_string(to) +
                   (f.cut ? ": cut" : ": delay " + std::to_string(f.delayMs) + " ms, drop " +
                                          std::to_string(static_cast<int>(f.dropProbability * 100)) + "%"),
               to, 0);
}

void Cluster::heal() {
  m_links.clear();
  applyLinks();
  clusterEvent(node::EventKind::kHeal, kNoNode, "all links restored");
  m_log->info("healed: every link restored");
}

LinkState Cluster::link(NodeId from, NodeId to) const {
  auto it = m_links.find({from, to});
  return it == m_links.end() ? LinkState{} : it->second;
}

void Cluster::applyLinks() {
  for (auto& n : m_nodes) {
    n->clearLinkFaults();
    for (const auto& [link, st] : m_links)
      if (link.first == n->id()) n->setLinkFault(link.second, net::LinkFault{st.cut, st.delayMs, st.drop});
  }
}

bool Cluster::setWriteQuorum(std::uint32_t w) {
  w = std::min<std::uint32_t>(w, static_cast<std::uint32_t>(m_options.nodes));
  m_writeQuorum = w;
  clusterEvent(node::EventKind::kQuorumChange, kNoNode, "write quorum " + writeQuorumName(w), w);
  m_log->info("write quorum set to {}", writeQuorumName(w));
  updateSafety();
  NodeId l = leader();
  if (l == kNoNode) {
    m_pendingWriteQuorum = w;
    return false;
  }
  m_pendingWriteQuorum.reset();
  m_nodes[l - 1]->proposeWriteQuorum(w);
  return true;
}

std::uint32_t Cluster::writeQuorum() const { return m_writeQuorum; }

std::string Cluster::writeQuorumWarning() const {
  int n = m_options.nodes;
  int w = replication::effectiveWriteQuorum(static_cast<int>(m_writeQuorum), n);
  int maj = replication::majority(n);
  std::string of = "W=" + std::to_string(w) + " of " + std::to_string(n);
  if (w < maj)
    return of + ": a write counts as committed once " + std::to_string(w) +
           (w == 1 ? " node has" : " nodes have") + " it, fewer than a majority (" + std::to_string(maj) +
           "). A new leader is elected by a majority that may not include those nodes, so an "
           "acknowledged write can be lost on failover. Safety traded for speed.";
  if (w == n && n > 1)
    return of + ": every node must have a write before it commits. With any one node down or "
           "cut off, nothing commits. Liveness traded for safety.";
  return "";
}


}  // namespace qlab::cluster
