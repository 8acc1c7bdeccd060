#include "core/replication/quorum.h"

#include <algorithm>
#include <array>
#include <functional>

#include "core/common/assert.h"

namespace qlab::replication {

Index quorumIndex(std::span<const Index> durableEnds, int writeQuorum) {
  if (durableEnds.empty()) return 0;
  QLAB_ASSERT(durableEnds.size() <= static_cast<std::size_t>(kMaxNodes));
  std::array<Index, kMaxNodes> sorted{};
  std::copy(durableEnds.begin(), durableEnds.end(), sorted.begin());
  auto end = sorted.begin() + static_cast<std::ptrdiff_t>(durableEnds.size());
  std::sort(sorted.begin(), end, std::greater<>());
  int w = std::clamp(writeQuorum, 1, static_cast<int>(durableEnds.size()));
  return sorted[static_cast<std::size_t>(w - 1)];
}

}  // namespace qlab::replication
