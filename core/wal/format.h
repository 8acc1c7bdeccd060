#pragma once
// The on-disk format's constants, in one place. docs/wal-format.md is the prose version;
// the static_asserts tie the two together. Change nothing here without bumping kVersion.
#include <cstddef>
#include <cstdint>

namespace qlab::wal::format {

// Segment file: a 32-byte header, then records back to back, each starting 8-byte aligned.
inline constexpr char kSegmentMagic[8] = {'Q', 'L', 'A', 'B', 'W', 'A', 'L', '1'};
inline constexpr std::uint32_t kVersion = 1;
inline constexpr std::size_t kSegmentHeaderBytes = 32;
//   [0,8)   magic "QLABWAL1"
//   [8,12)  u32 version
//   [12,16) u32 reserved, zero
//   [16,24) u64 first index (equals the number in the file name)
//   [24,28) u32 masked CRC32C of bytes [0,24)
//   [28,32) u32 reserved, zero

// Record: a 40-byte header, the payload, zero padding to the next multiple of 8.
inline constexpr std::size_t kRecordHeaderBytes = 40;
//   [0,4)   u32 masked CRC32C of bytes [4, 40 + length): header after the CRC and payload
//   [4,8)   u32 payload length
//   [8,16)  u64 index
//   [16,24) u64 generation
//   [24,32) i64 timestamp (ms)
//   [32]    u8  type (1 data, 2 noop, 3 config)
//   [33]    u8  flags
//   [34,40) reserved, zero
inline constexpr std::size_t kCrcOffset = 0;
inline constexpr std::size_t kLengthOffset = 4;
inline constexpr std::size_t kIndexOffset = 8;
inline constexpr std::size_t kGenerationOffset = 16;
inline constexpr std::size_t kTimestampOffset = 24;
inline constexpr std::size_t kTypeOffset = 32;
inline constexpr std::size_t kFlagsOffset = 33;
inline constexpr std::size_t kAlignment = 8;
inline constexpr std::uint32_t kMaxPayloadBytes = 16u << 20;  // 16 MiB

// Segment files are named by their first index, zero-padded to 20 digits so they sort.
inline constexpr std::size_t kSegmentNameDigits = 20;
inline constexpr const char* kSegmentSuffix = ".wal";

constexpr std::size_t alignUp(std::size_t n) { return (n + kAlignment - 1) & ~(kAlignment - 1); }
constexpr std::size_t recordBytes(std::size_t payloadBytes) {
  return alignUp(kRecordHeaderBytes + payloadBytes);
}

static_assert(kSegmentHeaderBytes % kAlignment == 0);
static_assert(kRecordHeaderBytes % kAlignment == 0);
static_assert(kFlagsOffset + 1 <= kRecordHeaderBytes);
static_assert(recordBytes(0) == 40 && recordBytes(1) == 48 && recordBytes(8) == 48);

}  // namespace qlab::wal::format
