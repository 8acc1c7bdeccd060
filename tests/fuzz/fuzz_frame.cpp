// Fuzz target for the frame decoder and the handshake payload decoders.
//
// Input: byte 0 picks the decoder cap (handshake or full) and seeds the chunk schedule; the
// rest is the byte stream as it would arrive on a socket. Checked on every input:
// - decoding the stream in random chunks gives exactly the frames (and the error) of
//   decoding it whole: where reads split the bytes never matters;
// - the decoder never holds more than one header plus the cap, and never a payload buffer
//   larger than the declared length;
// - every frame it yields re-encodes to exactly the bytes it was read from;
// - an error is sticky and consumes nothing more;
// - whatever hello / hello_ack / refuse decodes re-encodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/assert.h"
#include "core/common/random.h"
#include "core/net/frame.h"
#include "core/net/handshake.h"

using namespace qlab;
using namespace qlab::net;

namespace {

struct Decoded {
  std::vector<Frame> frames;
  std::string error;
};

void checkBounds(const FrameDecoder& d) {
  QLAB_ASSERT(d.bufferedBytes() <= kFrameHeaderBytes + d.maxPayloadBytes());
  QLAB_ASSERT(d.payloadCapacityBytes() <= std::max<std::size_t>(d.maxPayloadBytes(), 15));
}

// Decodes `stream` in chunks of 1..maxChunk bytes; checks each frame against its bytes.
Decoded decode(std::string_view stream, std::uint32_t cap, Random* chunks, std::size_t maxChunk) {
  FrameDecoder d(cap);
  Decoded out;
  std::size_t pos = 0;
  std::size_t frameStart = 0;
  while (pos < stream.size()) {
    const std::size_t chunk = chunks ? 1 + chunks->uniform(maxChunk) : stream.size() - pos;
    std::string_view in = stream.substr(pos, chunk);
    while (!in.empty()) {
      if (d.atFrameBoundary()) frameStart = pos;
      const std::size_t used = d.feed(in);
      in.remove_prefix(used);
      pos += used;
      checkBounds(d);
      if (d.hasFrame()) {
        Frame f = d.takeFrame();
        QLAB_ASSERT(f.payload.size() <= cap);
        QLAB_ASSERT(encodeFrame(f.type, f.payload) == stream.substr(frameStart, pos - frameStart));
        out.frames.push_back(std::move(f));
      } else if (d.failed()) {
        QLAB_ASSERT(d.feed(in) == 0);
        QLAB_ASSERT(!d.error().empty());
        out.error = d.error();
        return out;
      } else {
        QLAB_ASSERT(in.empty());
      }
    }
  }
  return out;
}

void checkHandshakePayloads(std::string_view payload) {
  if (auto h = decodeHello(payload)) QLAB_ASSERT(encodeHello(*h) == payload);
  if (auto a = decodeHelloAck(payload)) QLAB_ASSERT(encodeHelloAck(*a) == payload);
  if (auto r = decodeRefuse(payload)) QLAB_ASSERT(encodeRefuse(*r) == payload);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto control = static_cast<std::uint8_t>(input[0]);
  const std::string_view stream = input.substr(1);
  const std::uint32_t cap = (control & 1) ? kMaxHandshakePayloadBytes : kMaxFramePayloadBytes;

  const Decoded whole = decode(stream, cap, nullptr, 0);
  Random chunks(control);
  const Decoded split = decode(stream, cap, &chunks, (control & 2) ? 3 : 257);
  QLAB_ASSERT(whole.error == split.error);
  QLAB_ASSERT(whole.frames.size() == split.frames.size());
  for (std::size_t i = 0; i < whole.frames.size(); ++i) {
    QLAB_ASSERT(whole.frames[i].type == split.frames[i].type);
    QLAB_ASSERT(whole.frames[i].payload == split.frames[i].payload);
    checkHandshakePayloads(whole.frames[i].payload);
  }
  // The raw bytes as a handshake payload too, so the fuzzer reaches those decoders directly.
  checkHandshakePayloads(stream);
  return 0;
}
