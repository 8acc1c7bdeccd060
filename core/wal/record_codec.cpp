#include "core/wal/record_codec.h"

#include <cstdio>

#include "core/common/coding.h"
#include "core/common/crc32c.h"
#include "core/wal/format.h"

namespace qlab::wal {
namespace {

using namespace format;
using coding::decodeFixed32;
using coding::decodeFixed64;

// Byte [34,40) of a record header and [12,16), [28,32) of a segment header.
constexpr std::size_t kRecordReservedOffset = kFlagsOffset + 1;
constexpr std::size_t kSegmentHeaderCrcOffset = 24;

bool allZero(const char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

std::uint32_t segmentHeaderCrc(const char* p) {
  return crc32c::mask(crc32c::value(p, kSegmentHeaderCrcOffset));
}

}  // namespace

void encodeRecord(const Entry& e, std::string& dst) {
  QLAB_ASSERT(e.payload.size() <= kMaxPayloadBytes);
  // Header built on the stack, then appended with the payload and the padding: the payload
  // is copied once and nothing is zero-filled twice (this is the append hot path).
  char h[kRecordHeaderBytes] = {};
  coding::encodeFixed32(h + kLengthOffset, static_cast<std::uint32_t>(e.payload.size()));
  coding::encodeFixed64(h + kIndexOffset, e.index);
  coding::encodeFixed64(h + kGenerationOffset, e.generation);
  coding::encodeFixed64(h + kTimestampOffset, static_cast<std::uint64_t>(e.timestampMs));
  h[kTypeOffset] = static_cast<char>(e.type);
  h[kFlagsOffset] = static_cast<char>(e.flags);
  std::uint32_t crc = crc32c::value(h + kLengthOffset, kRecordHeaderBytes - kLengthOffset);
  crc = crc32c::extend(crc, e.payload.data(), e.payload.size());
  coding::encodeFixed32(h + kCrcOffset, crc32c::mask(crc));
  static constexpr char kZeros[kAlignment] = {};
  dst.append(h, kRecordHeaderBytes);
  dst.append(e.payload);
  dst.append(kZeros, recordBytes(e.payload.size()) - kRecordHeaderBytes - e.payload.size());
}

std::string encodeSegmentHeader(Index firstIndex) {
  std::string h(kSegmentHeaderBytes, '\0');
  std::memcpy(h.data(), kSegmentMagic, sizeof kSegmentMagic);
  coding::encodeFixed32(h.data() + 8, kVersion);
  coding::encodeFixed64(h.data() + 16, firstIndex);
  coding::encodeFixed32(h.data() + kSegmentHeaderCrcOffset, segmentHeaderCrc(h.data()));
  return h;
}

bool plausibleRecordHeader(std::string_view in) {
  if (in.size() < kRecordHeaderBytes) return false;
  const char* p = in.data();
  return decodeFixed32(p + kLengthOffset) <= kMaxPayloadBytes &&
         isValidEntryType(static_cast<std::uint8_t>(p[kTypeOffset])) &&
         allZero(p + kRecordReservedOffset, kRecordHeaderBytes - kRecordReservedOffset) &&
         decodeFixed64(p + kIndexOffset) != 0;
}

RecordView viewRecord(std::string_view in) {
  RecordView v;
  if (in.size() < kRecordHeaderBytes) {
    v.outcome = DecodeOutcome::kTruncated;
    v.detail = "incomplete record header";
    return v;
  }
  const char* p = in.data();
  const std::uint32_t length = decodeFixed32(p + kLengthOffset);
  v.storedCrc = decodeFixed32(p + kCrcOffset);
  v.index = decodeFixed64(p + kIndexOffset);
  v.generation = decodeFixed64(p + kGenerationOffset);
  v.timestampMs = static_cast<std::int64_t>(decodeFixed64(p + kTimestampOffset));
  const auto type = static_cast<std::uint8_t>(p[kTypeOffset]);
  v.flags = static_cast<std::uint8_t>(p[kFlagsOffset]);
  v.outcome = DecodeOutcome::kBadHeader;
  if (length > kMaxPayloadBytes) {
    v.detail = "record length exceeds the 16 MiB maximum";
    return v;
  }
  v.bytes = recordBytes(length);
  if (!isValidEntryType(type)) {
    v.detail = "unknown record type";
    return v;
  }
  v.type = static_cast<EntryType>(type);
  if (!allZero(p + kRecordReservedOffset, kRecordHeaderBytes - kRecordReservedOffset)) {
    v.detail = "nonzero reserved header bytes";
    return v;
  }
  if (v.index == 0) {
    v.detail = "record index 0";
    return v;
  }
  if (in.size() < v.bytes) {
    v.outcome = DecodeOutcome::kTruncated;
    v.detail = "record extends past the end of the data";
    return v;
  }
  v.computedCrc = crc32c::mask(crc32c::value(p + kLengthOffset, kRecordHeaderBytes - kLengthOffset + length));
  if (v.computedCrc != v.storedCrc) {
    v.outcome = DecodeOutcome::kBadChecksum;
    v.detail = "checksum mismatch";
    return v;
  }
  const std::size_t payloadEnd = kRecordHeaderBytes + length;
  if (!allZero(p + payloadEnd, v.bytes - payloadEnd)) {
    v.detail = "nonzero padding after the payload";
    return v;
  }
  v.payload = in.substr(kRecordHeaderBytes, length);
  v.outcome = DecodeOutcome::kOk;
  v.detail = "";
  return v;
}

Entry toEntry(const RecordView& v) {
  Entry e;
  e.index = v.index;
  e.generation = v.generation;
  e.type = v.type;
  e.flags = v.flags;
  e.timestampMs = v.timestampMs;
  e.payload.assign(v.payload.data(), v.payload.size());
  return e;
}

DecodedRecord decodeRecord(std::string_view in) {
  const RecordView v = viewRecord(in);
  DecodedRecord d;
  d.outcome = v.outcome;
  d.storedCrc = v.storedCrc;
  d.computedCrc = v.computedCrc;
  d.detail = v.detail;
  if (v.outcome == DecodeOutcome::kOk) {
    d.entry = toEntry(v);
    d.bytes = v.bytes;
  }
  return d;
}

Result<Index> decodeSegmentHeader(std::string_view in) {
  if (in.size() < kSegmentHeaderBytes) {
    return Status::corruption("segment header is cut short (" + std::to_string(in.size()) +
                              " of " + std::to_string(kSegmentHeaderBytes) + " bytes)");
  }
  const char* p = in.data();
  if (std::memcmp(p, kSegmentMagic, sizeof kSegmentMagic) != 0) {
    return Status::corruption("segment header has a bad magic (not a Quorum Lab WAL segment)");
  }
  const std::uint32_t version = decodeFixed32(p + 8);
  if (version != kVersion) {
    return Status::corruption("segment header has unsupported version " + std::to_string(version) +
                              " (this build reads version " + std::to_string(kVersion) + ")");
  }
  if (decodeFixed32(p + kSegmentHeaderCrcOffset) != segmentHeaderCrc(p)) {
    return Status::corruption("segment header checksum mismatch");
  }
  if (!allZero(p + 12, 4) || !allZero(p + 28, 4)) {
    return Status::corruption("segment header has nonzero reserved bytes");
  }
  const Index first = decodeFixed64(p + 16);
  if (first == 0) return Status::corruption("segment header has first index 0");
  return first;
}

std::string segmentFileName(Index firstIndex) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu%s", static_cast<unsigned long long>(firstIndex),
                kSegmentSuffix);
  return buf;
}

bool parseSegmentFileName(std::string_view name, Index* firstIndex) {
  const std::string_view suffix(kSegmentSuffix);
  if (name.size() != kSegmentNameDigits + suffix.size()) return false;
  if (name.substr(kSegmentNameDigits) != suffix) return false;
  Index v = 0;
  for (std::size_t i = 0; i < kSegmentNameDigits; ++i) {
    const char c = name[i];
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<Index>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;  // does not fit in 64 bits
    v = v * 10 + d;
  }
  if (v == 0) return false;
  if (firstIndex != nullptr) *firstIndex = v;
  return true;
}

}  // namespace qlab::wal
