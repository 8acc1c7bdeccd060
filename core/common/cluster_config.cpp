#include "core/common/cluster_config.h"

#include "core/common/coding.h"

namespace qlab {

namespace {
constexpr std::uint8_t kConfigVersion = 1;
}

std::string encodeClusterConfig(const ClusterConfig& c) {
  std::string out;
  coding::putFixed8(out, kConfigVersion);
  coding::putFixed32(out, c.writeQuorum);
  return out;
}

Result<ClusterConfig> decodeClusterConfig(std::string_view payload) {
  coding::Reader r(payload);
  std::uint8_t version = r.u8();
  ClusterConfig c;
  c.writeQuorum = r.u32();
  if (!r.ok() || !r.atEnd()) return Status::corruption("config entry: wrong size");
  if (version != kConfigVersion)
    return Status::corruption("config entry: unsupported version " + std::to_string(version));
  if (c.writeQuorum > static_cast<std::uint32_t>(kMaxNodes))
    return Status::corruption("config entry: write quorum " + std::to_string(c.writeQuorum) +
                              " exceeds " + std::to_string(kMaxNodes));
  return c;
}

}  // namespace qlab
