#include "core/cluster/fault.h"

namespace qlab::cluster {

namespace {

std::string list(const std::vector<NodeId>& ids) {
  std::string s;
  for (NodeId id : ids) s += (s.empty() ? "" : ",") + std::to_string(id);
  return s;
}

Fault on(FaultKind k, std::vector<NodeId> nodes) {
  Fault f;
  f.kind = k;
  f.nodes = std::move(nodes);
  return f;
}

}  // namespace

const char* faultKindName(FaultKind k) {
  switch (k) {
    case FaultKind::kKill: return "kill";
    case FaultKind::kRestart: return "restart";
    case FaultKind::kPause: return "pause";
    case FaultKind::kResume: return "resume";
    case FaultKind::kFlushPolicy: return "flush";
    case FaultKind::kFlushNow: return "flush_now";
    case FaultKind::kCampaign: return "campaign";
    case FaultKind::kDropResponses: return "drop_responses";
    case FaultKind::kPartition: return "partition";
    case FaultKind::kLink: return "link";
    case FaultKind::kHeal: return "heal";
    case FaultKind::kWriteQuorum: return "quorum";
  }
  return "?";
}

std::optional<FaultKind> faultKindFromName(const std::string& name) {
  for (int k = 0; k <= static_cast<int>(kLastFaultKind); ++k)
    if (name == faultKindName(static_cast<FaultKind>(k))) return static_cast<FaultKind>(k);
  return std::nullopt;
}

bool faultTargetsNodes(FaultKind k) {
  return k != FaultKind::kPartition && k != FaultKind::kHeal && k != FaultKind::kWriteQuorum;
}

Fault Fault::kill(std::vector<NodeId> nodes, node::KillKind how) {
  Fault f = on(FaultKind::kKill, std::move(nodes));
  f.how = how;
  return f;
}
Fault Fault::restart(std::vector<NodeId> nodes) { return on(FaultKind::kRestart, std::move(nodes)); }
Fault Fault::pause(std::vector<NodeId> nodes) { return on(FaultKind::kPause, std::move(nodes)); }
Fault Fault::resume(std::vector<NodeId> nodes) { return on(FaultKind::kResume, std::move(nodes)); }
Fault Fault::flushPolicy(std::vector<NodeId> nodes, const wal::FlushPolicy& p) {
  Fault f = on(FaultKind::kFlushPolicy, std::move(nodes));
  f.policy = p;
  return f;
}
Fault Fault::flushNow(std::vector<NodeId> nodes) { return on(FaultKind::kFlushNow, std::move(nodes)); }
Fault Fault::campaign(std::vector<NodeId> nodes) { return on(FaultKind::kCampaign, std::move(nodes)); }
Fault Fault::dropResponses(std::vector<NodeId> nodes, int count) {
  Fault f = on(FaultKind::kDropResponses, std::move(nodes));
  f.count = count;
  return f;
}
Fault Fault::partition(std::vector<std::vector<NodeId>> groups) {
  Fault f;
  f.kind = FaultKind::kPartition;
  f.groups = std::move(groups);
  return f;
}
Fault Fault::setLink(std::vector<NodeId> from, std::vector<NodeId> to, const net::LinkFault& lf, bool oneWay) {
  Fault f = on(FaultKind::kLink, std::move(from));
  f.peers = std::move(to);
  f.link = lf;
  f.oneWay = oneWay;
  return f;
}
Fault Fault::heal() {
  Fault f;
  f.kind = FaultKind::kHeal;
  return f;
}
Fault Fault::setWriteQuorum(std::uint32_t w) {
  Fault f;
  f.kind = FaultKind::kWriteQuorum;
  f.writeQuorum = w;
  return f;
}

std::string Fault::describe() const {
  const std::string who = (nodes.size() == 1 ? "node " : "nodes ") + list(nodes);
  switch (kind) {
    case FaultKind::kKill: return "kill " + who + " (" + node::killKindName(how) + ")";
    case FaultKind::kRestart: return "restart " + who;
    case FaultKind::kPause: return "pause " + who;
    case FaultKind::kResume: return "resume " + who;
    case FaultKind::kFlushPolicy:
      return "flush policy of " + who + ": " + wal::flushModeName(policy.mode) +
             (policy.mode == wal::FlushMode::kDelayed ? " " + std::to_string(policy.delayMs) + " ms" : "");
    case FaultKind::kFlushNow: return "flush " + who + " now";
    case FaultKind::kCampaign: return "election on " + who;
    case FaultKind::kDropResponses: return "drop the next " + std::to_string(count) + " responses of " + who;
    case FaultKind::kPartition: {
      std::string s = "partition";
      for (const auto& g : groups) s += " {" + list(g) + "}";
      return s;
    }
    case FaultKind::kLink:
      return "link " + list(nodes) + (oneWay ? " -> " : " <-> ") + list(peers) +
             (link.cut ? " cut" : "") + (link.delayMs > 0 ? " delay " + std::to_string(link.delayMs) + " ms" : "") +
             (link.dropProbability > 0 ? " drop " + std::to_string(static_cast<int>(link.dropProbability * 100)) + "%" : "") +
             (link.isNone() ? " healthy" : "");
    case FaultKind::kHeal: return "heal every link";
    case FaultKind::kWriteQuorum: return "write quorum " + (writeQuorum == 0 ? std::string("majority") : std::to_string(writeQuorum));
  }
  return "?";
}

}  // namespace qlab::cluster
