// The frame codec against docs/wire-format.md: layout, round trips however the bytes are
// split, and every way a frame can be bad, each rejected with its reason.
#include <QtTest>

#include <string>
#include <vector>

#include "core/common/coding.h"
#include "core/common/crc32c.h"
#include "core/common/random.h"
#include "core/net/frame.h"

using namespace qlab;
using namespace qlab::net;

Q_DECLARE_METATYPE(std::string)

namespace {

std::string patterned(std::size_t n, std::uint64_t seed = 7) {
  Random r(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(r.next());
  return s;
}

std::vector<Frame> decodeAll(FrameDecoder& d, std::string_view bytes) {
  std::vector<Frame> out;
  d.feedAll(bytes, [&](Frame&& f) { out.push_back(std::move(f)); });
  return out;
}

}  // namespace

class FrameTest : public QObject {
  Q_OBJECT

 private slots:
  void headerLayoutMatchesTheDocument() {
    const std::string payload = "hello";
    const std::string f = encodeFrame(FrameType::kPeer, payload);
    QCOMPARE(f.size(), std::size_t{16 + 5});
    QCOMPARE(f.substr(0, 4), std::string("QLF1"));
    QCOMPARE(int(static_cast<unsigned char>(f[4])), 1);
    QCOMPARE(int(static_cast<unsigned char>(f[5])), 4);
    QCOMPARE(coding::decodeFixed16(f.data() + 6), std::uint16_t{0});
    QCOMPARE(coding::decodeFixed32(f.data() + 8), std::uint32_t{5});
    std::string covered;
    covered.push_back(4);
    covered.append(f.substr(8, 4));
    covered.append(payload);
    QCOMPARE(coding::decodeFixed32(f.data() + 12), crc32c::mask(crc32c::value(covered)));
    QCOMPARE(f.substr(16), payload);
  }

  void roundTrip_data() {
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("size");
    for (int t = kMinFrameType; t <= kMaxFrameType; ++t) {
      for (int size : {0, 1, 15, 16, 17, 4096, 70000}) {
        QTest::addRow("%s/%d", frameTypeName(static_cast<FrameType>(t)), size) << t << size;
      }
    }
    QTest::addRow("peer/cap") << int(FrameType::kPeer) << int(kMaxFramePayloadBytes);
  }
  void roundTrip() {
    QFETCH(int, type);
    QFETCH(int, size);
    const std::string payload = patterned(static_cast<std::size_t>(size));
    const std::string wire = encodeFrame(static_cast<FrameType>(type), payload);
    QCOMPARE(wire.size(), kFrameHeaderBytes + payload.size());
    FrameDecoder d;
    auto frames = decodeAll(d, wire);
    QVERIFY2(!d.failed(), d.error().c_str());
    QCOMPARE(frames.size(), std::size_t{1});
    QCOMPARE(int(frames[0].type), type);
    QVERIFY(frames[0].payload == payload);
    QVERIFY(d.atFrameBoundary());
  }

  void appendFrameEqualsEncodeFrame() {
    std::string buf = "prefix";
    appendFrame(buf, FrameType::kClientRequest, "abc");
    QCOMPARE(buf, "prefix" + encodeFrame(FrameType::kClientRequest, "abc"));
  }

  void decodesFedOneByteAtATime() {
    std::string wire;
    appendFrame(wire, FrameType::kHello, "one");
    appendFrame(wire, FrameType::kPeer, "");
    appendFrame(wire, FrameType::kPeer, patterned(300));
    FrameDecoder d;
    std::vector<Frame> frames;
    for (char c : wire) {
      QCOMPARE(d.feed(std::string_view(&c, 1)), std::size_t{1});
      if (d.hasFrame()) frames.push_back(d.takeFrame());
      QVERIFY(!d.failed());
      QVERIFY(d.bufferedBytes() <= kFrameHeaderBytes + 300);
    }
    QCOMPARE(frames.size(), std::size_t{3});
    QCOMPARE(frames[0].payload, std::string("one"));
    QCOMPARE(frames[1].type, FrameType::kPeer);
    QVERIFY(frames[1].payload.empty());
    QVERIFY(frames[2].payload == patterned(300));
  }

  void decodesRandomChunkSplits() {
    Random r(42);
    std::string wire;
    std::vector<std::string> payloads;
    for (int i = 0; i < 300; ++i) {
      payloads.push_back(patterned(r.uniform(i % 10 == 0 ? 20000 : 200), r.next()));
      appendFrame(wire, FrameType::kPeer, payloads.back());
    }
    FrameDecoder d;
    std::vector<Frame> frames;
    std::string_view in(wire);
    while (!in.empty()) {
      const std::size_t chunk = std::min<std::size_t>(in.size(), 1 + r.uniform(5000));
      QVERIFY(d.feedAll(in.substr(0, chunk), [&](Frame&& f) { frames.push_back(std::move(f)); }));
      in.remove_prefix(chunk);
    }
    QCOMPARE(frames.size(), payloads.size());
    for (std::size_t i = 0; i < frames.size(); ++i) QVERIFY(frames[i].payload == payloads[i]);
  }

  void feedStopsAtTheEndOfEachFrame() {
    // The transport relies on this to raise the cap after the hello, before the next header.
    const std::string wire =
        encodeFrame(FrameType::kHello, "a") + encodeFrame(FrameType::kPeer, "bb");
    FrameDecoder d;
    QCOMPARE(d.feed(wire), kFrameHeaderBytes + 1);
    QVERIFY(d.hasFrame());
    QCOMPARE(d.feed(std::string_view(wire).substr(kFrameHeaderBytes + 1)), std::size_t{0});
    QCOMPARE(d.takeFrame().payload, std::string("a"));
  }

  void corruptFrameIsRejectedWithReason_data() {
    QTest::addColumn<std::string>("wire");
    QTest::addColumn<QString>("reason");
    const std::string good = encodeFrame(FrameType::kPeer, "payload bytes");
    auto patch = [&](std::size_t at, std::string_view with) {
      std::string s = good;
      s.replace(at, with.size(), with);
      return s;
    };
    auto u32 = [](std::uint32_t v) {
      std::string s(4, '\0');
      coding::encodeFixed32(s.data(), v);
      return s;
    };
    QTest::newRow("bad magic (HTTP)") << std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                                      << "bad magic 0x20544547 (expected 0x31464c51)";
    QTest::newRow("bad version") << patch(4, "\x02")
                                 << "unsupported frame version 2 (this build speaks 1)";
    QTest::newRow("type 0") << patch(5, std::string(1, '\0')) << "unknown frame type 0";
    QTest::newRow("type 8") << patch(5, "\x08") << "unknown frame type 8";
    QTest::newRow("type 255") << patch(5, "\xff") << "unknown frame type 255";
    QTest::newRow("reserved set") << patch(6, "\x01") << "reserved field is 0x0001, must be 0";
    QTest::newRow("oversize length")
        << patch(8, u32(900000000)) << "frame of 900000000 bytes exceeds cap 8388608";
    QTest::newRow("length cap + 1")
        << patch(8, u32(kMaxFramePayloadBytes + 1)) << "frame of 8388609 bytes exceeds cap 8388608";
    QTest::newRow("length 0xffffffff") << patch(8, u32(0xffffffffu)) << "exceeds cap";
    std::string flipped = good;
    flipped.back() ^= 0x01;
    QTest::newRow("payload bit flip") << flipped << "checksum mismatch";
    QTest::newRow("type changed to another valid type") << patch(5, "\x05") << "checksum mismatch";
    QTest::newRow("length shortened") << patch(8, u32(3)) << "checksum mismatch";
    QTest::newRow("checksum field damaged")
        << patch(12, std::string_view("\0\0", 2)) << "checksum mismatch";
  }
  void corruptFrameIsRejectedWithReason() {
    QFETCH(std::string, wire);
    QFETCH(QString, reason);
    // Whole, and one byte at a time: same verdict, and never a frame.
    for (bool byteByByte : {false, true}) {
      FrameDecoder d;
      std::vector<Frame> frames;
      if (byteByByte) {
        for (char c : wire) {
          d.feedAll(std::string_view(&c, 1), [&](Frame&& f) { frames.push_back(std::move(f)); });
        }
      } else {
        frames = decodeAll(d, wire);
      }
      QVERIFY(frames.empty());
      QVERIFY(d.failed());
      QVERIFY2(QString::fromStdString(d.error()).contains(reason), d.error().c_str());
    }
  }

  void oversizeLengthIsRejectedBeforeAnyAllocation() {
    std::string header = encodeFrame(FrameType::kPeer, "").substr(0, 16);
    coding::encodeFixed32(header.data() + 8, 900000000);
    FrameDecoder d;
    QCOMPARE(d.feed(header), std::size_t{16});
    QVERIFY(d.failed());
    QCOMPARE(d.error(), std::string("frame of 900000000 bytes exceeds cap 8388608"));
    QVERIFY(d.payloadCapacityBytes() < 64);  // nothing beyond the empty string's own buffer
  }

  void handshakeCapAppliesUntilRaised() {
    FrameDecoder d(kMaxHandshakePayloadBytes);
    const std::string big = encodeFrame(FrameType::kHello, std::string(1025, 'x'));
    decodeAll(d, big);
    QCOMPARE(d.error(), std::string("frame of 1025 bytes exceeds cap 1024"));
    FrameDecoder raised(kMaxHandshakePayloadBytes);
    raised.setMaxPayloadBytes(kMaxFramePayloadBytes);
    QCOMPARE(decodeAll(raised, big).size(), std::size_t{1});
  }

  void payloadBufferNeverExceedsTheDeclaredLength() {
    const std::size_t n = 1u << 20;
    const std::string wire = encodeFrame(FrameType::kPeer, patterned(n));
    for (std::size_t chunk : {std::size_t{1000}, std::size_t{4099}, std::size_t{300000}}) {
      FrameDecoder d;
      std::size_t frames = 0;
      for (std::size_t at = 0; at < wire.size(); at += chunk) {
        d.feedAll(std::string_view(wire).substr(at, chunk), [&](Frame&& f) {
          QCOMPARE(f.payload.size(), n);
          QVERIFY(f.payload.capacity() <= n);
          ++frames;
        });
        QVERIFY(d.payloadCapacityBytes() <= n);
      }
      QCOMPARE(frames, std::size_t{1});
    }
  }

  void errorIsSticky() {
    FrameDecoder d;
    decodeAll(d, "XXXXXXXXXXXXXXXXXXXX");
    QVERIFY(d.failed());
    const std::string reason = d.error();
    const std::string good = encodeFrame(FrameType::kPeer, "x");
    QCOMPARE(d.feed(good), std::size_t{0});
    QVERIFY(!d.hasFrame());
    QCOMPARE(d.error(), reason);
  }

  void halfFrameIsNotDelivered() {
    const std::string wire = encodeFrame(FrameType::kPeer, patterned(100));
    for (std::size_t cut :
         {std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{50}, wire.size() - 1}) {
      FrameDecoder d;
      QVERIFY(decodeAll(d, std::string_view(wire).substr(0, cut)).empty());
      QVERIFY(!d.failed());
      QVERIFY(!d.atFrameBoundary());
      QCOMPARE(d.bufferedBytes(), cut);
    }
  }
};

QTEST_GUILESS_MAIN(FrameTest)
#include "tst_frame.moc"
