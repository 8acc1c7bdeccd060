#pragma once
// What the protocol core reads: the node's log and its latest snapshot. core/node implements
// it over the SegmentedLog and the snapshot files; tests use MemStorage. Reads may do I/O in
// the implementation, but must be deterministic for a given disk state.
//
// Contract: before calling the core again, the caller has applied the previous Ready's
// installSnapshot, truncateAfter and append to what this interface returns.
#include <optional>
#include <string>
#include <vector>

#include "core/common/entry.h"
#include "core/common/status.h"

namespace qlab::replication {

struct SnapshotMeta {
  Index index = 0;            // last index the snapshot includes (0 = the empty initial state)
  Generation generation = 0;  // generation of that entry
  std::uint64_t bytes = 0;    // encoded size
  std::uint32_t writeQuorum = 0;  // configuration at that index (0 = majority)
  friend bool operator==(const SnapshotMeta&, const SnapshotMeta&) = default;
};

class LogStorage {
 public:
  virtual ~LogStorage() = default;
  // First index still in the log (entries below were compacted into the snapshot).
  // lastIndex() + 1 when the log is empty.
  virtual Index firstIndex() const = 0;
  virtual Index lastIndex() const = 0;
  // Generation of the entry at index, nullopt if not in the log.
  virtual std::optional<Generation> generationAt(Index index) const = 0;
  // Entries [from, to], stopping after maxBytes of payload (at least one entry).
  virtual Status entries(Index from, Index to, std::size_t maxBytes,
                         std::vector<Entry>* out) const = 0;
  // Bytes [offset, offset + maxBytes) of the snapshot with the given meta. For index 0 the
  // snapshot is the empty initial state. kNotFound if that snapshot is gone (a newer one
  // replaced it): the core then starts over with the newest.
  virtual Result<std::string> snapshotChunk(const SnapshotMeta& meta, std::uint64_t offset,
                                            std::size_t maxBytes) const = 0;
};

}  // namespace qlab::replication
