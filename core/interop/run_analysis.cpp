#include "core/interop/run_analysis.h"

#include <algorithm>
#include <deque>
#include <map>
#include <tuple>
#include <unordered_map>

#include "core/replication/message.h"

namespace qlab::interop {

using node::EventKind;

std::vector<std::ptrdiff_t> matchMessages(const std::vector<node::NodeEvent>& events) {
  std::vector<std::ptrdiff_t> match(events.size(), kNoSend);
  // Unmatched sends per directed link (from, to), oldest first.
  std::map<std::pair<NodeId, NodeId>, std::deque<std::size_t>> inFlight;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const node::NodeEvent& e = events[i];
    if (e.kind == EventKind::kSend) {
      inFlight[{e.node, e.peer}].push_back(i);
    } else if (e.kind == EventKind::kRecv) {
      auto link = inFlight.find({e.peer, e.node});
      if (link == inFlight.end() || !replication::isValidMessageType(e.msgType)) continue;
      std::deque<std::size_t>& q = link->second;
      auto same = std::find_if(q.begin(), q.end(), [&](std::size_t s) {
        const node::NodeEvent& m = events[s];
        return m.msgType == e.msgType && m.a == e.a && m.b == e.b && m.tMs <= e.tMs;
      });
      if (same == q.end()) continue;  // its send is unknown: a local event
      match[i] = static_cast<std::ptrdiff_t>(*same);
      q.erase(q.begin(), same + 1);   // it and the older ones, lost on the way
    }
  }
  return match;
}

std::vector<const cluster::Operation*> byInvocation(const std::vector<cluster::Operation>& ops) {
  std::vector<const cluster::Operation*> out;
  out.reserve(ops.size());
  for (const auto& op : ops) out.push_back(&op);
  std::stable_sort(out.begin(), out.end(), [](const cluster::Operation* a, const cluster::Operation* b) {
    return std::tie(a->invokeUs, a->client, a->seq) < std::tie(b->invokeUs, b->client, b->seq);
  });
  return out;
}

std::vector<std::uint64_t> processNumbers(const std::vector<const cluster::Operation*>& ops) {
  std::vector<std::uint64_t> out;
  out.reserve(ops.size());
  std::unordered_map<std::uint64_t, std::uint64_t> current;  // client -> its live process
  std::uint64_t next = 0;
  for (const cluster::Operation* op : ops) {
    auto it = current.find(op->client);
    if (it == current.end()) it = current.emplace(op->client, next++).first;
    out.push_back(it->second);
    if (op->result == cluster::OpResult::kTimeout) current.erase(it);
  }
  return out;
}

bool isFault(EventKind k) {
  switch (k) {
    case EventKind::kKill: case EventKind::kRestart: case EventKind::kPause: case EventKind::kResume:
    case EventKind::kPartition: case EventKind::kHeal: case EventKind::kLinkFault:
      return true;
    default:
      return false;
  }
}

bool isElection(EventKind k) {
  return k == EventKind::kElectionStarted || k == EventKind::kElected || k == EventKind::kStepDown ||
         k == EventKind::kVoted;
}

std::string describeEvent(const node::NodeEvent& e) {
  const bool send = e.kind == EventKind::kSend;
  if (send || e.kind == EventKind::kRecv) {
    const char* type = replication::isValidMessageType(e.msgType)
                           ? replication::messageTypeName(static_cast<replication::MessageType>(e.msgType))
                           : "unknown";
    return std::string(send ? "send " : "recv ") + type + " " + std::to_string(e.a) + ".." + std::to_string(e.b) +
           (send ? " to node " : " from node ") + std::to_string(e.peer);
  }
  std::string s = node::eventKindName(e.kind);
  if (e.peer != kNoNode) s += " peer " + std::to_string(e.peer);
  if (e.a != 0 || e.b != 0) s += " a=" + std::to_string(e.a) + " b=" + std::to_string(e.b);
  s += " (generation " + std::to_string(e.generation) + ")";
  if (!e.detail.empty()) s += ": " + e.detail;
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return s;
}

}  // namespace qlab::interop
