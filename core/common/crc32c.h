#pragma once
// CRC32C (Castagnoli), the checksum of WAL records, snapshots and wire frames. Uses the
// SSE4.2 crc32 instruction when the CPU has it, a slicing-by-8 table otherwise; both give
// the same value (tested against the RFC 3720 vectors).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace qlab::crc32c {

// CRC32C of data appended to a stream whose CRC so far is `crc` (0 to start).
std::uint32_t extend(std::uint32_t crc, const char* data, std::size_t n);
inline std::uint32_t value(const char* data, std::size_t n) { return extend(0, data, n); }
inline std::uint32_t value(std::string_view s) { return extend(0, s.data(), s.size()); }

// The portable path, exposed so tests can check both paths agree.
std::uint32_t extendPortable(std::uint32_t crc, const char* data, std::size_t n);
bool hardwareAccelerated();

// A CRC stored next to the data it covers is masked (rotated and offset), so that the CRC of
// a string that itself contains CRCs is not trivially related to them (LevelDB's rule).
inline constexpr std::uint32_t kMaskDelta = 0xa282ead8u;
inline std::uint32_t mask(std::uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline std::uint32_t unmask(std::uint32_t masked) {
  std::uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace qlab::crc32c
