#pragma once
// Static settings of one ReplicaCore, and the configuration entry (the write quorum) that
// travels through the log.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/cluster_config.h"
#include "core/common/status.h"
#include "core/common/types.h"

namespace qlab::replication {

struct CoreConfig {
  NodeId self = 1;
  std::vector<NodeId> voters = {1};  // every node, self included
  int heartbeatTicks = 1;            // leader sends heartbeats every this many ticks
  int electionTicks = 10;            // election timeout is random in [electionTicks, 2*electionTicks)
  bool checkQuorum = true;           // a leader steps down after an election timeout without a majority
  std::uint64_t seed = 1;            // election timeout randomness
  std::size_t maxAppendBytes = 256 * 1024;   // payload bytes per append message
  std::size_t maxAppendEntries = 1024;       // entries per append message
  Index maxInflightEntries = 16384;          // sent but not yet acknowledged, per follower
  std::size_t snapshotChunkBytes = 64 * 1024;
  int initialWriteQuorum = 0;        // 0 = majority; used until a config entry says otherwise
};


// One configuration change found in the log: the config entry's index and its content.
struct ConfigChange {
  Index index = 0;
  ClusterConfig config;
};

}  // namespace qlab::replication
