#pragma once
// Encoding and decoding of single records and segment headers (docs/wal-format.md). Pure
// functions over bytes: the SegmentedLog, `quorumlab verify`/`dump`, the UI's record view and
// the fuzzer all go through here.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/entry.h"
#include "core/common/status.h"

namespace qlab::wal {

// Appends the encoded record (header, payload, zero padding) to dst.
void encodeRecord(const Entry& e, std::string& dst);
std::string encodeSegmentHeader(Index firstIndex);

enum class DecodeOutcome {
  kOk,         // a complete, valid record
  kTruncated,  // the input ends before the record does (a torn tail, if at the end of a file)
  kBadChecksum,
  kBadHeader,  // impossible length, unknown type, nonzero reserved bytes or padding
};

struct DecodedRecord {
  DecodeOutcome outcome = DecodeOutcome::kOk;
  Entry entry;                   // valid when outcome == kOk
  std::size_t bytes = 0;         // encoded size including padding, when kOk
  std::uint32_t storedCrc = 0;   // masked CRC as stored (also for kBadChecksum)
  std::uint32_t computedCrc = 0; // masked CRC of the bytes as they are
  std::string detail;            // for a person: what exactly is wrong
};

// Decodes the record starting at in[0]. Never reads past `in`, never allocates more than the
// payload it returns (bounded by format::kMaxPayloadBytes).
DecodedRecord decodeRecord(std::string_view in);

// The same checks as decodeRecord without copying anything: recovery and reads scan
// gigabytes through this, so it must not allocate. `payload` points into `in`.
struct RecordView {
  DecodeOutcome outcome = DecodeOutcome::kOk;
  Index index = 0;
  Generation generation = 0;
  std::int64_t timestampMs = 0;
  EntryType type = EntryType::kData;
  std::uint8_t flags = 0;
  std::string_view payload;       // valid when outcome == kOk
  std::size_t bytes = 0;          // encoded size including padding (when the length is sane)
  std::uint32_t storedCrc = 0;
  std::uint32_t computedCrc = 0;
  const char* detail = "";        // static text: what is wrong
};
RecordView viewRecord(std::string_view in);
// Cheap pre-check of a record header (no CRC): length in range, known type, zero reserved
// bytes, index >= 1. Needs at least format::kRecordHeaderBytes bytes. Used when recovery
// scans for a valid record after a damaged one.
bool plausibleRecordHeader(std::string_view in);
// The entry a view describes (copies the payload).
Entry toEntry(const RecordView& v);

// Checks a segment header; returns its first index or kCorruption naming what is wrong.
Result<Index> decodeSegmentHeader(std::string_view in);

// "00000000000000000001.wal" <-> 1. parseSegmentName fails (nullopt-like 0) on other names.
std::string segmentFileName(Index firstIndex);
bool parseSegmentFileName(std::string_view name, Index* firstIndex);

}  // namespace qlab::wal
