#pragma once
// Client history (history.jsonl, docs/export-format.md) and the checkers that judge it:
// linearizability of the key-value history, and acknowledged writes missing from the final
// committed log.
// Pure functions: the simulator and the live cluster use the same ones.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/common/entry.h"
#include "core/common/status.h"
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

// Judges acknowledged writes against one committed log, streamed in index order (so a log of
// millions of entries is never held in memory). A write answered ok is kept when its
// (client, seq) took effect in that log: walking the committed data entries in index order,
// an entry takes effect when its seq is newer than every earlier seq of the same client in
// the log (a late retry of an older request sits in the log without taking effect). A write
// not kept is lost, unless its index lies below the log's first index: then its entry was
// compacted into a snapshot before the log was read, and it cannot be judged here.
// docs/export-format.md states this rule so that a reader can recompute it from an export.
//
// First the log (see), then the history, one operation at a time (judge), so neither has to
// be held whole.
class AckJudge {
 public:
  // The next committed entry of the log (index order; non-data entries are skipped).
  void see(const Entry& e);
  // One operation of the history (any kind; only ok writes count), once the log was seen.
  // `firstIndex` = the first index the log held (0 or 1: the whole log from the start).
  void judge(const Operation& op, Index firstIndex);
  struct Verdict {
    std::vector<LostWrite> lost;  // in the order judged
    std::uint64_t unjudged = 0;   // not kept, but below `firstIndex`
  };
  const Verdict& verdict() const { return m_verdict; }

 private:
  Verdict m_verdict;
  std::set<std::pair<std::uint64_t, std::uint64_t>> m_applied;
  std::unordered_map<std::uint64_t, std::uint64_t> m_newestSeq;
};

// One history.jsonl line read back, every field checked; kInvalidArgument "field 'x': what
// is wrong" (history_file.cpp).
Result<Operation> parseOperationLine(std::string_view line);
// A whole history.jsonl; errors say "FILE:LINE: field 'x': what is wrong". Blank lines skipped.
Result<std::vector<Operation>> loadHistoryFile(const std::string& path);

// The whole committed log at once (from the first index on): AckJudge's lost writes.
std::vector<LostWrite> findLostAcknowledged(const std::vector<Operation>& history,
                                            const std::vector<Entry>& committedLog);

// Checks that the history of single-key reads and writes is linearizable, assuming every
// write's value is unique (ours embed client and sequence). Timed-out writes may have
// happened at any time after their invocation, or never. Returns one line per violation.
std::vector<std::string> checkLinearizable(const std::vector<Operation>& history);

}  // namespace qlab::cluster
