#pragma once
// verifyLog: a read-only check of one log directory, for `quorumlab verify` and `dump` and
// the fuzzer. It applies the recovery rules of docs/wal-format.md to every segment and says
// what recovery would do, without doing it: it opens files for reading only and never
// writes, truncates, removes or syncs anything. Memory is one read block (at least 1 MiB) and
// the per-segment results, however long the log.
//
// A live log may be written while it is checked: the directory is listed once, and each
// segment is read up to the size it had when it was opened, so a record being appended to
// the last segment reads as a torn tail (what recovery would cut after a crash at that
// moment) and a segment removed by LWM cleanup meanwhile is reported as vanished.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/common/status.h"
#include "core/common/types.h"
#include "core/wal/file_system.h"
#include "core/wal/record_codec.h"

namespace qlab::wal {

enum class SegmentStatus {
  kOk,
  kTornTail,     // the last segment ends in an incomplete or invalid record: recovery cuts it
  kHalfCreated,  // a last segment whose header never became durable: recovery removes it
  kCorrupt,      // recovery refuses to open the log because of this segment
  kVanished,     // listed, then gone before it could be opened (a live log removed it)
  kSkipped,      // outside the requested index range: not read
};
// "ok", "torn_tail", "half_created", "corrupt", "vanished", "skipped"
const char* segmentStatusName(SegmentStatus s);

struct SegmentCheck {
  std::string fileName;           // "00000000000000000001.wal"
  Index firstIndex = 0;           // from the name (a valid first record has this index)
  Index lastIndex = 0;            // the last valid record's index; firstIndex - 1 when none
  std::uint64_t records = 0;      // valid records
  std::uint64_t bytes = 0;        // file size when it was read
  std::uint64_t validBytes = 0;   // header + valid records: what recovery keeps
  SegmentStatus status = SegmentStatus::kOk;
  std::uint64_t problemOffset = 0;  // byte offset of the torn tail or of the corruption
  std::string reason;               // one line for a person; empty when ok
};

struct LogCheck {
  std::string dir;
  std::vector<SegmentCheck> segments;  // in index order
  std::vector<std::string> notes;      // ignored files, vanished segments
  std::uint64_t records = 0;           // valid records in the segments read
  std::uint64_t bytes = 0;             // file bytes of the segments read
  Index firstIndex = 0;                // of the valid records; both 0 when there are none
  Index lastIndex = 0;
  bool corrupt = false;        // recovery would refuse to open this log
  std::string corruption;      // the first corruption: "<file> at byte N: reason"
  bool tornTail = false;       // recovery would cut the last segment at its problemOffset
  bool complete = true;        // false when a range, the visitor or a corruption ended the scan early
};

struct VerifyOptions {
  // Segments that cannot hold an index in [fromIndex, toIndex] (judged by the names) are not
  // read (kSkipped), and the scan ends after toIndex: `dump --from/--to` on a long log.
  Index fromIndex = 0;
  Index toIndex = UINT64_MAX;
  // End the scan at the first corruption (dump) instead of checking every segment (verify).
  bool stopAtCorruption = false;
};

// Called with each valid record whose index is in [fromIndex, toIndex], in index order, up to
// the first corruption. The view (payload included) is valid during the call only. Return
// false to end the scan.
using RecordVisitor = std::function<bool(const RecordView& record)>;

// Fails only when the directory cannot be listed or a file cannot be read (kNotFound,
// kIoError); damage is a finding in LogCheck, not an error.
Result<LogCheck> verifyLog(FileSystem& fs, const std::string& dir, const VerifyOptions& options = {},
                           const RecordVisitor& visit = {});

}  // namespace qlab::wal
