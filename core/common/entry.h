#pragma once
// One entry of the replicated log, as the protocol core, the WAL and the exports see it.
// The WAL stores it as one record (docs/wal-format.md); the protocol sends it in appends.
#include <cstdint>
#include <string>

#include "core/common/types.h"

namespace qlab {

enum class EntryType : std::uint8_t {
  kData = 1,    // a client command for the state machine (core/kv encodes the payload)
  kNoop = 2,    // appended by a new leader so entries of earlier generations can commit
  kConfig = 3,  // cluster configuration (the write quorum)
};

inline const char* entryTypeName(EntryType t) {
  switch (t) {
    case EntryType::kData: return "data";
    case EntryType::kNoop: return "noop";
    case EntryType::kConfig: return "config";
  }
  return "unknown";
}
inline bool isValidEntryType(std::uint8_t t) { return t >= 1 && t <= 3; }

struct Entry {
  Index index = 0;
  Generation generation = 0;
  EntryType type = EntryType::kData;
  std::uint8_t flags = 0;
  std::int64_t timestampMs = 0;  // wall clock of the leader when proposed
  std::string payload;

  friend bool operator==(const Entry&, const Entry&) = default;
};

}  // namespace qlab
