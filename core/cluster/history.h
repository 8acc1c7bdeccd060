#pragma once
// Client history (CONTRACT.md history.jsonl) and the checkers that judge it: linearizability
// of the key-value history, and acknowledged writes missing from the final committed log.
// Pure functions: the simulator and the live cluster use the same ones.
#include <cstdint>
#include <string>
#include <vector>

#include "core/common/entry.h"
#include "core/common/types.h"

namespace qlab::cluster {

enum class OpKind : std::uint8_t { kWrite, kRead };
enum class OpResult : std::uint8_t {
  kOk,       // answered ok
  kFail,     // definitely had no effect (refused before it reached a log)
  kTimeout,  // unknown: the client gave up; a write may or may not have taken effect
};
const char* opResultName(OpResult r);

struct Operation {
  std::uint64_t client = 0;
  std::uint64_t seq = 0;
  OpKind kind = OpKind::kWrite;
  std::string key;
  std::string value;        // written value, or the value a read returned
  bool found = false;       // reads: the key existed
  std::int64_t invokeUs = 0;
  std::int64_t completeUs = 0;  // when answered (or when the client gave up)
  OpResult result = OpResult::kTimeout;
  Index index = 0;          // ok writes: the log index the leader answered with
  int attempts = 0;         // sends, including retries
};

struct LostWrite {
  std::uint64_t client = 0;
  std::uint64_t seq = 0;
  std::string key;
  std::string value;
  Index index = 0;
};

// Writes answered ok that never took effect in `committedLog` (the final committed entries,
// in index order, from the first index on): their (client, seq) is absent, or present only
// as a retry that the client's session rejected because a newer request applied first.
std::vector<LostWrite> findLostAcknowledged(const std::vector<Operation>& history,
                                            const std::vector<Entry>& committedLog);

// Checks that the history of single-key reads and writes is linearizable, assuming every
// write's value is unique (ours embed client and sequence). Timed-out writes may have
// happened at any time after their invocation, or never. Returns one line per violation.
std::vector<std::string> checkLinearizable(const std::vector<Operation>& history);

}  // namespace qlab::cluster
