#pragma once
// Little-endian fixed-width encoding, the byte order of every format Quorum Lab writes
// (WAL records, meta, snapshots, wire messages). memcpy keeps it alignment-safe; on x86 it
// compiles to a plain load or store.
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace qlab::coding {

static_assert(std::endian::native == std::endian::little,
              "Quorum Lab formats are little-endian; add byte swaps before porting");

inline void encodeFixed16(char* dst, std::uint16_t v) { std::memcpy(dst, &v, sizeof v); }
inline void encodeFixed32(char* dst, std::uint32_t v) { std::memcpy(dst, &v, sizeof v); }
inline void encodeFixed64(char* dst, std::uint64_t v) { std::memcpy(dst, &v, sizeof v); }

inline std::uint16_t decodeFixed16(const char* src) {
  std::uint16_t v;
  std::memcpy(&v, src, sizeof v);
  return v;
}
inline std::uint32_t decodeFixed32(const char* src) {
  std::uint32_t v;
  std::memcpy(&v, src, sizeof v);
  return v;
}
inline std::uint64_t decodeFixed64(const char* src) {
  std::uint64_t v;
  std::memcpy(&v, src, sizeof v);
  return v;
}

inline void putFixed8(std::string& dst, std::uint8_t v) { dst.push_back(static_cast<char>(v)); }
inline void putFixed16(std::string& dst, std::uint16_t v) {
  char b[2];
  encodeFixed16(b, v);
  dst.append(b, 2);
}
inline void putFixed32(std::string& dst, std::uint32_t v) {
  char b[4];
  encodeFixed32(b, v);
  dst.append(b, 4);
}
inline void putFixed64(std::string& dst, std::uint64_t v) {
  char b[8];
  encodeFixed64(b, v);
  dst.append(b, 8);
}
// A u32 length followed by the bytes.
inline void putBytes(std::string& dst, std::string_view s) {
  putFixed32(dst, static_cast<std::uint32_t>(s.size()));
  dst.append(s);
}

// Reads fixed-width values from a byte range, bounds-checked. Once a read runs past the end
// the reader is "failed" and every later read returns zero: check ok() once at the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : m_in(in) {}
  std::uint8_t u8() { return take(1) ? static_cast<std::uint8_t>(m_in[m_pos - 1]) : 0; }
  std::uint16_t u16() { return take(2) ? decodeFixed16(m_in.data() + m_pos - 2) : 0; }
  std::uint32_t u32() { return take(4) ? decodeFixed32(m_in.data() + m_pos - 4) : 0; }
  std::uint64_t u64() { return take(8) ? decodeFixed64(m_in.data() + m_pos - 8) : 0; }
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  // A u32 length then that many bytes; fails if the length exceeds maxLen or the input.
  std::string_view bytes(std::size_t maxLen = SIZE_MAX) {
    std::uint32_t n = u32();
    if (!m_ok || n > maxLen || !take(n)) {
      m_ok = false;
      return {};
    }
    return m_in.substr(m_pos - n, n);
  }
  std::string_view raw(std::size_t n) { return take(n) ? m_in.substr(m_pos - n, n) : std::string_view{}; }
  bool ok() const { return m_ok; }
  bool atEnd() const { return m_pos == m_in.size(); }
  std::size_t remaining() const { return m_in.size() - m_pos; }
  std::size_t position() const { return m_pos; }
  void fail() { m_ok = false; }

 private:
  bool take(std::size_t n) {
    if (!m_ok || m_in.size() - m_pos < n) {
      m_ok = false;
      return false;
    }
    m_pos += n;
    return true;
  }
  std::string_view m_in;
  std::size_t m_pos = 0;
  bool m_ok = true;
};

}  // namespace qlab::coding
