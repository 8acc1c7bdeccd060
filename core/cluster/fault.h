#pragma once
// Fault: one vocabulary for everything that can be done to a running cluster: kill (a power
// loss, a torn write, a process crash), restart, pause and resume, flush policy and flush now,
// start an election, drop client responses, partitions, link faults, heal, and the write
// quorum. A scenario step is parsed into one (core/scenario), the GUI's actions build them
// (ui/view), the live cluster applies them (Cluster::apply) and the simulator applies the same
// ones to its simulated nodes (tests/sim). A new fault kind is a case here, in Cluster::apply
// and in the simulator's apply; its scenario step and button follow from it.
//
//   cluster.apply(Fault::kill({2}, node::KillKind::kCrash));
//   cluster.apply(Fault::link({1}, {3}, {.cut = true}, /*oneWay=*/true));
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/common/types.h"
#include "core/net/link_fault.h"
#include "core/node/node_handle.h"
#include "core/wal/flusher.h"

namespace qlab::cluster {

enum class FaultKind : std::uint8_t {
  kKill,
  kRestart,
  kPause,
  kResume,
  kFlushPolicy,
  kFlushNow,
  kCampaign,
  kDropResponses,
  kPartition,
  kLink,
  kHeal,
  kWriteQuorum,
};
inline constexpr FaultKind kLastFaultKind = FaultKind::kWriteQuorum;

// The scenario step that carries it ("kill", "flush", "quorum", ...).
const char* faultKindName(FaultKind k);
std::optional<FaultKind> faultKindFromName(const std::string& name);
// Whether the fault acts on listed nodes (Fault::nodes); the others act on the cluster.
bool faultTargetsNodes(FaultKind k);

struct Fault {
  FaultKind kind = FaultKind::kHeal;
  std::vector<NodeId> nodes;                    // the nodes it acts on; for a link: from
  std::vector<NodeId> peers;                    // a link: to
  node::KillKind how = node::KillKind::kPowerLoss;
  bool zeroedTail = false;                      // simulator only: torn bytes read back as zeros
  wal::FlushPolicy policy;                      // flush policy
  int count = 0;                                // drop responses
  std::vector<std::vector<NodeId>> groups;      // partition
  net::LinkFault link;                          // link
  bool oneWay = false;                          // link
  std::uint32_t writeQuorum = 0;                // W; 0 = majority

  static Fault kill(std::vector<NodeId> nodes, node::KillKind how);
  static Fault restart(std::vector<NodeId> nodes);
  static Fault pause(std::vector<NodeId> nodes);
  static Fault resume(std::vector<NodeId> nodes);
  static Fault flushPolicy(std::vector<NodeId> nodes, const wal::FlushPolicy& p);
  static Fault flushNow(std::vector<NodeId> nodes);
  static Fault campaign(std::vector<NodeId> nodes);
  static Fault dropResponses(std::vector<NodeId> nodes, int count);
  static Fault partition(std::vector<std::vector<NodeId>> groups);
  static Fault setLink(std::vector<NodeId> from, std::vector<NodeId> to, const net::LinkFault& f, bool oneWay);
  static Fault heal();
  static Fault setWriteQuorum(std::uint32_t w);

  // For logs and the GUI's status bar: "kill node 2 (process crash)".
  std::string describe() const;
};

}  // namespace qlab::cluster
