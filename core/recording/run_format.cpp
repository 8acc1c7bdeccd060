#include "core/recording/run_format.h"

#include <zlib.h>

#include <QByteArray>
#include <QJsonDocument>

#include "core/common/crc32c.h"
#include "core/node/node_codec.h"

namespace qlab::recording {

using coding::putFixed16;
using coding::putFixed32;
using coding::putFixed64;
using coding::putFixed8;
using coding::Reader;
using node::codec::count;
using node::codec::getStr;
using node::codec::putI64;
using node::codec::putStr;
using node::codec::saneMs;

// ---- cluster state ----

void putState(std::string& out, const ClusterState& s) {
  putFixed32(out, static_cast<std::uint32_t>(s.nodes));
  putFixed32(out, static_cast<std::uint32_t>(s.links.size()));
  for (const auto& l : s.links) {
    putFixed8(out, l.cut ? 1 : 0);
    putFixed32(out, static_cast<std::uint32_t>(l.delayMs));
    putI64(out, static_cast<std::int64_t>(l.drop * 1e9));
  }
  putFixed32(out, s.writeQuorum);
  putStr(out, s.writeQuorumWarning);
  putFixed8(out, s.loadRunning ? 1 : 0);
  putFixed32(out, static_cast<std::uint32_t>(s.load.clients));
  putI64(out, static_cast<std::int64_t>(s.load.rate * 1000));
  putFixed32(out, static_cast<std::uint32_t>(s.load.keys));
  putI64(out, static_cast<std::int64_t>(s.load.readRatio * 1e9));
  putFixed32(out, static_cast<std::uint32_t>(s.load.valueBytes));
  putFixed32(out, static_cast<std::uint32_t>(s.load.attemptTimeoutMs));
  putFixed32(out, static_cast<std::uint32_t>(s.load.deadlineMs));
  putFixed8(out, s.frozen ? 1 : 0);
}

bool getState(Reader& in, ClusterState& s) {
  s = ClusterState{};
  s.nodes = static_cast<int>(in.u32());
  const std::uint32_t links = count(in);
  if (s.nodes < 0 || s.nodes > 64 || links != static_cast<std::uint32_t>(s.nodes * s.nodes)) return false;
  for (std::uint32_t i = 0; i < links && in.ok(); ++i) {
    cluster::LinkState l;
    l.cut = in.u8() != 0;
    l.delayMs = static_cast<int>(in.u32());
    l.drop = static_cast<double>(in.i64()) / 1e9;
    s.links.push_back(l);
  }
  s.writeQuorum = in.u32();
  getStr(in, s.writeQuorumWarning);
  s.loadRunning = in.u8() != 0;
  s.load.clients = static_cast<int>(in.u32());
  s.load.rate = static_cast<double>(in.i64()) / 1000;
  s.load.keys = static_cast<int>(in.u32());
  s.load.readRatio = static_cast<double>(in.i64()) / 1e9;
  s.load.valueBytes = static_cast<int>(in.u32());
  s.load.attemptTimeoutMs = static_cast<int>(in.u32());
  s.load.deadlineMs = static_cast<int>(in.u32());
  s.frozen = in.u8() != 0;
  return in.ok();
}

// ---- streams ----

void putEvent(std::string& out, const cluster::RecordedEvent& r) {
  putFixed64(out, r.seq);
  node::codec::putEvent(out, r.event);
}

bool getEvent(Reader& in, cluster::RecordedEvent& r) {
  r.seq = in.u64();
  return node::codec::getEvent(in, r.event);
}

void putOperation(std::string& out, const cluster::Operation& op) {
  putFixed64(out, op.client);
  putFixed64(out, op.seq);
  putFixed8(out, static_cast<std::uint8_t>(op.kind));
  putStr(out, op.key);
  putStr(out, op.value);
  putFixed8(out, op.found ? 1 : 0);
  putI64(out, op.invokeUs);
  putI64(out, op.completeUs);
  putFixed8(out, static_cast<std::uint8_t>(op.result));
  putFixed64(out, op.index);
  putFixed32(out, static_cast<std::uint32_t>(op.attempts));
}

bool getOperation(Reader& in, cluster::Operation& op) {
  op.client = in.u64();
  op.seq = in.u64();
  op.kind = static_cast<cluster::OpKind>(in.u8());
  getStr(in, op.key);
  getStr(in, op.value);
  op.found = in.u8() != 0;
  op.invokeUs = in.i64();
  op.completeUs = in.i64();
  op.result = static_cast<cluster::OpResult>(in.u8());
  op.index = in.u64();
  op.attempts = static_cast<int>(in.u32());
  return in.ok() && op.kind <= cluster::OpKind::kRead && op.result <= cluster::OpResult::kTimeout &&
         saneMs(op.invokeUs / 1000) && saneMs(op.completeUs / 1000);
}

void putLogLine(std::string& out, const cluster::LogLine& l) {
  putFixed64(out, l.seq);
  putI64(out, l.tMs);
  putFixed32(out, l.node);
  putFixed8(out, static_cast<std::uint8_t>(l.level));
  putStr(out, l.text);
}

bool getLogLine(Reader& in, cluster::LogLine& l) {
  l.seq = in.u64();
  l.tMs = in.i64();
  l.node = in.u32();
  l.level = in.u8();
  getStr(in, l.text);
  return in.ok() && saneMs(l.tMs);
}

void putFinding(std::string& out, const cluster::Finding& f) {
  putI64(out, f.tMs);
  putFixed8(out, f.violation ? 1 : 0);
  putStr(out, f.text);
}

bool getFinding(Reader& in, cluster::Finding& f) {
  f.tMs = in.i64();
  f.violation = in.u8() != 0;
  getStr(in, f.text);
  return in.ok() && saneMs(f.tMs);
}

void putMarker(std::string& out, const Marker& m) {
  putI64(out, m.tUs);
  putFixed8(out, static_cast<std::uint8_t>(m.kind));
  putFixed32(out, m.node);
  putFixed64(out, m.a);
  putFixed64(out, m.b);
  putStr(out, m.detail);
  putStr(out, m.text);
}

bool getMarker(Reader& in, Marker& m) {
  m.tUs = in.i64();
  m.kind = static_cast<node::EventKind>(in.u8());
  m.node = in.u32();
  m.a = in.u64();
  m.b = in.u64();
  getStr(in, m.detail);
  getStr(in, m.text);
  return in.ok() && m.kind <= node::EventKind::kThaw && saneMs(m.tUs / 1000);
}

std::string markerText(const node::NodeEvent& e) {
  using K = node::EventKind;
  const std::string n = "node " + std::to_string(e.node);
  switch (e.kind) {
    case K::kKill: return n + (e.detail.empty() ? " killed" : " killed (" + e.detail + ")");
    case K::kRestart: return n + " restarted";
    case K::kPause: return n + " paused";
    case K::kResume: return n + " resumed";
    case K::kFailed: return n + " failed";
    case K::kPartition: return "partition " + e.detail;
    case K::kHeal: return "healed";
    case K::kLinkFault: return "link fault " + e.detail;
    case K::kFlushPolicy: return n + " flush " + e.detail;
    case K::kQuorumChange: return "write quorum " + e.detail;
    case K::kElected: return n + " elected leader (generation " + std::to_string(e.generation) + ")";
    case K::kLostWrite: return "acknowledged write lost at index " + std::to_string(e.a) + ": " + e.detail;
    case K::kViolation: return "violation: " + e.detail;
    case K::kTornTail: return n + " cut a torn tail";
    case K::kFreeze: return "frozen";
    case K::kThaw: return "thawed";
    default: return {};
  }
}

// ---- framing ----

std::string encodeHeader(const std::string& json) {
  std::string out(kMagic, sizeof kMagic);
  putFixed32(out, kFormatVersion);
  putFixed32(out, static_cast<std::uint32_t>(json.size()));
  out += json;
  putFixed32(out, crc32c::value(out.data(), out.size()));
  return out;
}

Result<Header> decodeHeader(std::string_view data, const std::string& file) {
  if (data.size() < sizeof kMagic || data.substr(0, sizeof kMagic) != std::string_view(kMagic, sizeof kMagic))
    return Status::invalidArgument(file + " is not a Quorum Lab recording (no QLABRUN header): open a .qlabrun file "
                                   "saved by File > Save run or `quorumlab run --record`");
  Reader in(data.substr(sizeof kMagic));
  Header h;
  h.version = in.u32();
  const std::uint32_t n = in.u32();
  std::string_view json = in.raw(std::min<std::size_t>(n, 1u << 20));
  const std::uint32_t crc = in.u32();
  if (!in.ok() || h.version == 0 || n > (1u << 20))
    return Status::corruption(file + ": the recording's header is cut short or damaged: the file is not usable");
  h.bytes = sizeof kMagic + 4 + 4 + n + 4;
  // The checksum first: a damaged version byte is damage, not a newer version.
  if (crc32c::value(data.data(), h.bytes - 4) != crc)
    return Status::corruption(file + ": the recording's header fails its checksum: the file is damaged");
  if (h.version > kFormatVersion)
    return Status::invalidArgument(file + " is a recording of format version " + std::to_string(h.version) +
                                   ", newer than this Quorum Lab reads (" + std::to_string(kFormatVersion) +
                                   "): open it with a newer Quorum Lab");
  h.json.assign(json);
  QJsonParseError err{};
  QJsonDocument::fromJson(QByteArray(h.json.data(), static_cast<qsizetype>(h.json.size())), &err);
  if (err.error != QJsonParseError::NoError)
    return Status::corruption(file + ": the recording's header holds no valid JSON: the file is damaged");
  return h;
}

std::string frameRecord(RecordType type, std::int64_t tUs, std::string_view payload, bool compress,
                        std::string_view clear) {
  std::string body;
  std::uint8_t flags = 0;
  if (compress && payload.size() >= 256) {
    QByteArray z = qCompress(reinterpret_cast<const uchar*>(payload.data()), static_cast<qsizetype>(payload.size()), 1);
    if (static_cast<std::size_t>(z.size()) < payload.size()) {
      body.assign(z.constData(), static_cast<std::size_t>(z.size()));
      flags |= kFlagZlib;
    }
  }
  if (!(flags & kFlagZlib)) body.assign(payload);
  std::string rec;
  rec.reserve(kFrameHeaderBytes + kRecordPrefixBytes + 2 + clear.size() + body.size());
  rec.resize(kFrameHeaderBytes);
  putFixed8(rec, static_cast<std::uint8_t>(type));
  putFixed8(rec, flags);
  putI64(rec, tUs);
  putFixed16(rec, static_cast<std::uint16_t>(clear.size()));
  rec.append(clear);
  rec.append(body);
  const auto len = static_cast<std::uint32_t>(rec.size() - kFrameHeaderBytes);
  coding::encodeFixed32(rec.data(), len);
  coding::encodeFixed32(rec.data() + 4, crc32c::value(rec.data() + kFrameHeaderBytes, len));
  return rec;
}

FrameCheck readFrame(std::string_view data, RecordRef& out, bool verify) {
  if (data.size() < kFrameHeaderBytes) return FrameCheck::kIncomplete;
  const std::uint32_t len = coding::decodeFixed32(data.data());
  const std::uint32_t crc = coding::decodeFixed32(data.data() + 4);
  if (len < kRecordPrefixBytes + 2 || len > kMaxRecordBytes) return FrameCheck::kCorrupt;
  if (data.size() - kFrameHeaderBytes < len) return FrameCheck::kIncomplete;
  const char* p = data.data() + kFrameHeaderBytes;
  if (verify && crc32c::value(p, len) != crc) return FrameCheck::kCorrupt;
  out.type = static_cast<RecordType>(static_cast<std::uint8_t>(p[0]));
  out.flags = static_cast<std::uint8_t>(p[1]);
  out.tUs = static_cast<std::int64_t>(coding::decodeFixed64(p + 2));
  const std::uint16_t clearLen = coding::decodeFixed16(p + kRecordPrefixBytes);
  const std::size_t bodyAt = kRecordPrefixBytes + 2 + clearLen;
  if (bodyAt > len) return FrameCheck::kCorrupt;
  out.clear = std::string_view(p + kRecordPrefixBytes + 2, clearLen);
  out.body = std::string_view(p + bodyAt, len - bodyAt);
  out.bytes = kFrameHeaderBytes + len;
  return FrameCheck::kOk;
}

std::optional<std::string> payloadOf(const RecordRef& r) {
  if (!(r.flags & kFlagZlib)) return std::string(r.body);
  if (r.body.size() < 4) return std::nullopt;
  // qCompress's layout: the uncompressed size (big-endian u32), then a zlib stream. Inflate
  // into exactly that many bytes, no more (a crafted record cannot make us allocate beyond
  // the record size limit), and refuse a stream that does not fill it exactly.
  const std::uint32_t expands = (static_cast<std::uint32_t>(static_cast<std::uint8_t>(r.body[0])) << 24) |
                                (static_cast<std::uint32_t>(static_cast<std::uint8_t>(r.body[1])) << 16) |
                                (static_cast<std::uint32_t>(static_cast<std::uint8_t>(r.body[2])) << 8) |
                                static_cast<std::uint32_t>(static_cast<std::uint8_t>(r.body[3]));
  if (expands > kMaxRecordBytes) return std::nullopt;
  std::string out(expands, '\0');
  uLongf outLen = expands;
  uLong inLen = static_cast<uLong>(r.body.size() - 4);
  const int rc = ::uncompress2(reinterpret_cast<Bytef*>(out.data()), &outLen,
                               reinterpret_cast<const Bytef*>(r.body.data() + 4), &inLen);
  if (rc != Z_OK || outLen != expands) return std::nullopt;
  return out;
}

}  // namespace qlab::recording
