#pragma once
// Id types shared by every layer. Log positions start at 1; 0 means "none / before the log".
#include <cstdint>

namespace qlab {

using Index = std::uint64_t;       // position of an entry in the replicated log, first is 1
using Generation = std::uint64_t;  // the generation clock (Raft's term); 0 = never elected
using NodeId = std::uint32_t;      // 1..N; 0 = nobody

inline constexpr NodeId kNoNode = 0;
inline constexpr int kMaxNodes = 9;

}  // namespace qlab
