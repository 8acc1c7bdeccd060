#pragma once
// The frame codec of docs/wire-format.md: every byte Quorum Lab sends over TCP is a frame
// (magic, version, type, reserved, payload length, masked CRC32C, payload). Pure C++, no Qt,
// no allocation beyond the one frame being decoded, so the fuzzer can hammer it directly.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace qlab::net {

enum class FrameType : std::uint8_t {
  kHello = 1,           // first frame of every connection, from the connecting side
  kHelloAck = 2,        // the listener accepts the hello
  kRefuse = 3,          // the listener refuses the hello and closes
  kPeer = 4,            // node -> node: one replication message, opaque bytes
  kClientRequest = 5,   // client -> node
  kClientResponse = 6,  // node -> client
  kControl = 7,         // observer <-> node process, on its control port only (core/remote)
};
inline constexpr std::uint8_t kMinFrameType = 1;
inline constexpr std::uint8_t kMaxFrameType = 7;
bool isValidFrameType(std::uint8_t t);
const char* frameTypeName(FrameType t);

// "QLF1" read as a little-endian u32.
inline constexpr std::uint32_t kFrameMagic = 0x31464c51u;
inline constexpr std::uint8_t kFrameVersion = 1;
inline constexpr std::size_t kFrameHeaderBytes = 16;
inline constexpr std::uint32_t kMaxFramePayloadBytes = 8u << 20;
// Before a connection's handshake completes only tiny frames are accepted, so a stranger
// cannot make a node allocate more than this.
inline constexpr std::uint32_t kMaxHandshakePayloadBytes = 1024;

// Header field offsets (docs/wire-format.md, "Frame").
namespace frame_offset {
inline constexpr std::size_t kMagic = 0;
inline constexpr std::size_t kVersion = 4;
inline constexpr std::size_t kType = 5;
inline constexpr std::size_t kReserved = 6;
inline constexpr std::size_t kLength = 8;
inline constexpr std::size_t kChecksum = 12;
}  // namespace frame_offset
static_assert(frame_offset::kChecksum + 4 == kFrameHeaderBytes);
static_assert(kMaxHandshakePayloadBytes <= kMaxFramePayloadBytes);
static_assert(kMaxFramePayloadBytes <= UINT32_MAX - kFrameHeaderBytes);
static_assert(kFrameMagic ==
              ('Q' | ('L' << 8) | ('F' << 16) | (static_cast<std::uint32_t>('1') << 24)));

// Masked CRC32C over type, the 4 wire bytes of the length, and the payload.
std::uint32_t frameChecksum(FrameType type, std::string_view payload);

// Writes the 16 header bytes for `payload` into dst. payload.size() must be <= the cap.
void encodeFrameHeader(char* dst, FrameType type, std::string_view payload);
// Appends header and payload to dst (one buffer, no intermediate copy).
void appendFrame(std::string& dst, FrameType type, std::string_view payload);
std::string encodeFrame(FrameType type, std::string_view payload);

struct Frame {
  FrameType type = FrameType::kPeer;
  std::string payload;
  // Bytes on the wire, header included.
  std::size_t wireBytes() const { return kFrameHeaderBytes + payload.size(); }
};

// Incremental frame decoder. Feed it byte chunks of any size (one byte at a time works);
// it consumes input only up to the end of the frame in progress, so it never buffers more
// than one header plus one payload, and the payload buffer grows only as bytes arrive, never
// beyond the declared length, which is checked against the cap before anything is allocated.
//
//   while (!in.empty()) {
//     in.remove_prefix(dec.feed(in));
//     if (dec.hasFrame()) handle(dec.takeFrame());
//     if (dec.failed()) { log(dec.error()); close(); break; }
//   }
//
// Errors are sticky: once failed, feed() consumes nothing and error() says why, in words a
// person can act on ("bad magic 0x20544547 (expected 0x31464c51)").
class FrameDecoder {
 public:
  explicit FrameDecoder(std::uint32_t maxPayloadBytes = kMaxFramePayloadBytes);

  // Consumes bytes from `in` until a frame completes, the input ends or an error occurs;
  // returns how many bytes it consumed. Consumes nothing while a frame waits in takeFrame().
  std::size_t feed(std::string_view in);
  bool hasFrame() const { return m_frameReady; }
  Frame takeFrame();

  bool failed() const { return !m_error.empty(); }
  const std::string& error() const { return m_error; }

  // The cap for frames whose header has not been read yet (the transport raises it from
  // the handshake cap once a hello is accepted). Must not exceed kMaxFramePayloadBytes.
  void setMaxPayloadBytes(std::uint32_t maxPayloadBytes);
  std::uint32_t maxPayloadBytes() const { return m_maxPayloadBytes; }

  // Bytes of the frame in progress held so far, and the payload buffer's capacity (tests
  // use it to prove an oversize header allocates nothing).
  std::size_t bufferedBytes() const { return m_headerFill + m_payload.size(); }
  std::size_t payloadCapacityBytes() const { return m_payload.capacity(); }
  // True when no partial frame is buffered: the stream ends cleanly here.
  bool atFrameBoundary() const { return m_headerFill == 0 && !m_frameReady; }

  // Feeds a whole buffer, calling onFrame(Frame&&) for each complete frame. Returns false
  // on a decode error (see error()). For tests, the fuzzer and simple callers.
  template <typename OnFrame>
  bool feedAll(std::string_view in, OnFrame&& onFrame) {
    for (;;) {
      in.remove_prefix(feed(in));
      if (hasFrame()) {
        onFrame(takeFrame());
        continue;
      }
      if (failed()) return false;
      if (in.empty()) return true;
    }
  }

 private:
  bool checkHeader();
  void fail(std::string reason);

  std::uint32_t m_maxPayloadBytes;
  char m_header[kFrameHeaderBytes] = {};
  std::size_t m_headerFill = 0;
  bool m_headerDone = false;
  FrameType m_type = FrameType::kPeer;
  std::uint32_t m_length = 0;
  std::uint32_t m_storedChecksum = 0;
  std::string m_payload;
  bool m_frameReady = false;
  std::string m_error;
};

}  // namespace qlab::net
