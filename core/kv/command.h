#pragma once
// The payload of a data entry: one client write.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/status.h"

namespace qlab::kv {

inline constexpr std::uint32_t kMaxKeyBytes = 1024;
inline constexpr std::uint32_t kMaxValueBytes = 1u << 20;

struct Command {
  std::uint64_t client = 0;  // client id (> 0)
  std::uint64_t seq = 0;     // per-client request sequence, starting at 1
  std::string key;
  std::string value;
  friend bool operator==(const Command&, const Command&) = default;
};

std::string encodeCommand(const Command& c);
Result<Command> decodeCommand(std::string_view payload);

}  // namespace qlab::kv
