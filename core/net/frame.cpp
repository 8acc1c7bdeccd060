#include "core/net/frame.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "core/common/assert.h"
#include "core/common/coding.h"
#include "core/common/crc32c.h"

namespace qlab::net {

namespace {

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::uint32_t checksumOf(std::uint8_t type, const char* lengthBytes, std::string_view payload) {
  const char t = static_cast<char>(type);
  std::uint32_t crc = crc32c::extend(0, &t, 1);
  crc = crc32c::extend(crc, lengthBytes, 4);
  crc = crc32c::extend(crc, payload.data(), payload.size());
  return crc32c::mask(crc);
}

}  // namespace

bool isValidFrameType(std::uint8_t t) { return t >= kMinFrameType && t <= kMaxFrameType; }

const char* frameTypeName(FrameType t) {
  switch (t) {
    case FrameType::kHello: return "hello";
    case FrameType::kHelloAck: return "hello_ack";
    case FrameType::kRefuse: return "refuse";
    case FrameType::kPeer: return "peer";
    case FrameType::kClientRequest: return "client_request";
    case FrameType::kClientResponse: return "client_response";
    case FrameType::kControl: return "control";
  }
  return "unknown";
}

std::uint32_t frameChecksum(FrameType type, std::string_view payload) {
  char len[4];
  coding::encodeFixed32(len, static_cast<std::uint32_t>(payload.size()));
  return checksumOf(static_cast<std::uint8_t>(type), len, payload);
}

void encodeFrameHeader(char* dst, FrameType type, std::string_view payload) {
  QLAB_ASSERT_MSG(payload.size() <= kMaxFramePayloadBytes, "frame payload above the cap");
  QLAB_ASSERT(isValidFrameType(static_cast<std::uint8_t>(type)));
  coding::encodeFixed32(dst + frame_offset::kMagic, kFrameMagic);
  dst[frame_offset::kVersion] = static_cast<char>(kFrameVersion);
  dst[frame_offset::kType] = static_cast<char>(type);
  coding::encodeFixed16(dst + frame_offset::kReserved, 0);
  coding::encodeFixed32(dst + frame_offset::kLength, static_cast<std::uint32_t>(payload.size()));
  coding::encodeFixed32(
      dst + frame_offset::kChecksum,
      checksumOf(static_cast<std::uint8_t>(type), dst + frame_offset::kLength, payload));
}

void appendFrame(std::string& dst, FrameType type, std::string_view payload) {
  char header[kFrameHeaderBytes];
  encodeFrameHeader(header, type, payload);
  dst.reserve(dst.size() + kFrameHeaderBytes + payload.size());
  dst.append(header, kFrameHeaderBytes);
  dst.append(payload);
}

std::string encodeFrame(FrameType type, std::string_view payload) {
  std::string out;
  appendFrame(out, type, payload);
  return out;
}

FrameDecoder::FrameDecoder(std::uint32_t maxPayloadBytes) : m_maxPayloadBytes(maxPayloadBytes) {
  QLAB_ASSERT(maxPayloadBytes <= kMaxFramePayloadBytes);
}

void FrameDecoder::setMaxPayloadBytes(std::uint32_t maxPayloadBytes) {
  QLAB_ASSERT(maxPayloadBytes <= kMaxFramePayloadBytes);
  m_maxPayloadBytes = maxPayloadBytes;
}

void FrameDecoder::fail(std::string reason) {
  m_error = std::move(reason);
  // Release what the broken frame held; a failed decoder is dead weight until closed.
  std::string().swap(m_payload);
}

bool FrameDecoder::checkHeader() {
  const std::uint32_t magic = coding::decodeFixed32(m_header + frame_offset::kMagic);
  if (magic != kFrameMagic) {
    fail("bad magic " + hex32(magic) + " (expected " + hex32(kFrameMagic) + ")");
    return false;
  }
  const auto version = static_cast<std::uint8_t>(m_header[frame_offset::kVersion]);
  if (version != kFrameVersion) {
    fail("unsupported frame version " + std::to_string(version) + " (this build speaks " +
         std::to_string(kFrameVersion) + ")");
    return false;
  }
  const std::uint16_t reserved = coding::decodeFixed16(m_header + frame_offset::kReserved);
  if (reserved != 0) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "reserved field is 0x%04x, must be 0", reserved);
    fail(buf);
    return false;
  }
  const auto type = static_cast<std::uint8_t>(m_header[frame_offset::kType]);
  if (!isValidFrameType(type)) {
    fail("unknown frame type " + std::to_string(type));
    return false;
  }
  const std::uint32_t length = coding::decodeFixed32(m_header + frame_offset::kLength);
  if (length > m_maxPayloadBytes) {
    fail("frame of " + std::to_string(length) + " bytes exceeds cap " +
         std::to_string(m_maxPayloadBytes));
    return false;
  }
  m_type = static_cast<FrameType>(type);
  m_length = length;
  m_storedChecksum = coding::decodeFixed32(m_header + frame_offset::kChecksum);
  return true;
}

std::size_t FrameDecoder::feed(std::string_view in) {
  if (failed() || m_frameReady) return 0;
  std::size_t used = 0;
  if (!m_headerDone) {
    const std::size_t n = std::min(in.size(), kFrameHeaderBytes - m_headerFill);
    std::copy_n(in.data(), n, m_header + m_headerFill);
    m_headerFill += n;
    used += n;
    if (m_headerFill < kFrameHeaderBytes) return used;
    if (!checkHeader()) return used;
    m_headerDone = true;
  }
  const std::size_t want = m_length - m_payload.size();
  const std::size_t n = std::min(in.size() - used, want);
  if (n > 0) {
    // Grow geometrically for throughput but never past the declared length, so a frame
    // costs at most its own size however its bytes are split.
    const std::size_t need = m_payload.size() + n;
    if (m_payload.capacity() < need) {
      // A fresh string gets exactly the capacity asked for; reserve() on a non-empty one
      // may round up to twice its old capacity (libstdc++), which could pass the length.
      std::string bigger;
      bigger.reserve(std::min<std::size_t>(m_length, std::max(need, 2 * m_payload.capacity())));
      bigger.append(m_payload);
      m_payload.swap(bigger);
    }
    m_payload.append(in.data() + used, n);
    used += n;
  }
  if (m_payload.size() < m_length) return used;

  const std::uint32_t computed =
      checksumOf(static_cast<std::uint8_t>(m_type), m_header + frame_offset::kLength, m_payload);
  if (computed != m_storedChecksum) {
    fail("checksum mismatch (stored " + hex32(m_storedChecksum) + ", computed " + hex32(computed) +
         ") in a " + frameTypeName(m_type) + " frame of " + std::to_string(m_length) + " bytes");
    return used;
  }
  m_frameReady = true;
  return used;
}

Frame FrameDecoder::takeFrame() {
  QLAB_ASSERT(m_frameReady);
  Frame f{m_type, std::move(m_payload)};
  m_payload = std::string();
  m_frameReady = false;
  m_headerDone = false;
  m_headerFill = 0;
  m_length = 0;
  return f;
}

}  // namespace qlab::net
