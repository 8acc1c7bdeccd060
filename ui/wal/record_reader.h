#pragma once
// Reading one record's bytes from a segment file, read-only, for the inspector's record view:
// the exact bytes on disk, decoded and with the checksum recomputed (core/wal/record_codec.h).
// Walks the segment from its header using each record's length field; opens the file for
// reading only and never writes, truncates or syncs (a live node may be appending to it).
#include <cstdint>
#include <string>

#include "core/common/status.h"
#include "core/wal/record_codec.h"

namespace qlab::ui {

struct RecordBytes {
  std::string file;            // path read
  std::uint64_t offset = 0;    // byte offset of the record in the file
  std::string bytes;           // the whole record: header, payload, padding
  wal::DecodedRecord decoded;  // outcome, entry, stored and computed CRC
};

// kNotFound when the file holds no record with that index (not flushed yet, or the segment
// was deleted or cut); kIoError when the file cannot be read.
Result<RecordBytes> readRecordBytes(const std::string& segmentPath, Index index);

}  // namespace qlab::ui
