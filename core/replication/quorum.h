#pragma once
// The high-water mark as a small pure function (etcd quorum/majority.go habit).
#include <cstddef>
#include <span>

#include "core/common/types.h"

namespace qlab::replication {

// n/2 + 1: the election quorum, and the default write quorum.
constexpr int majority(int voters) { return voters / 2 + 1; }

// The W-th largest of the voters' durable ends: the highest index that at least W voters
// (the leader included) hold durably. W is clamped to [1, voters]; 0 voters gives 0.
Index quorumIndex(std::span<const Index> durableEnds, int writeQuorum);

// The effective write quorum for a configured value: 0 means "majority".
constexpr int effectiveWriteQuorum(int configured, int voters) {
  if (configured <= 0) return majority(voters);
  return configured > voters ? voters : configured;
}

}  // namespace qlab::replication
