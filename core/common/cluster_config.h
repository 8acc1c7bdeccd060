#pragma once
// The payload of a config entry (EntryType::kConfig): the cluster's write quorum. Shared by
// the protocol core (which acts on it when appended) and the state machine (which records it
// in snapshots).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/status.h"
#include "core/common/types.h"

namespace qlab {

struct ClusterConfig {
  std::uint32_t writeQuorum = 0;  // W; 0 = majority
  friend bool operator==(const ClusterConfig&, const ClusterConfig&) = default;
};
std::string encodeClusterConfig(const ClusterConfig& c);
Result<ClusterConfig> decodeClusterConfig(std::string_view payload);

}  // namespace qlab
