#include "core/recording/run_format.h"

#include <zlib.h>

#include <QByteArray>
#include <QJsonDocument>

#include "core/common/crc32c.h"

namespace qlab::recording {

using coding::putFixed16;
using coding::putFixed32;
using coding::putFixed64;
using coding::putFixed8;
using coding::Reader;

namespace {

constexpr std::size_t kMaxString = 1u << 20;
constexpr std::uint32_t kMaxCount = 1u << 20;

void putStr(std::string& out, std::string_view s) { coding::putBytes(out, s); }
bool getStr(Reader& in, std::string& s) {
  std::string_view v = in.bytes(kMaxString);
  s.assign(v);
  return in.ok();
}
void putI64(std::string& out, std::int64_t v) { putFixed64(out, static_cast<std::uint64_t>(v)); }
// Times in a sane range (a crafted value must not overflow when turned into microseconds).
constexpr std::int64_t kSaneMs = std::int64_t{1} << 40;  // ~35 years
bool saneMs(std::int64_t ms) { return ms > -kSaneMs && ms < kSaneMs; }

std::uint32_t count(Reader& in) {
  std::uint32_t n = in.u32();
  if (n > kMaxCount || n > in.remaining()) in.fail();
  return in.ok() ? n : 0;
}

// PeerProgress::state points at one of a few fixed names.
const char* peerStateName(std::uint8_t code) {
  switch (code) {
    case 1: return "replicate";
    case 2: return "snapshot";
    default: return "probe";
  }
}
std::uint8_t peerStateCode(const char* s) {
  std::string_view v = s ? s : "";
  return v == "replicate" ? 1 : v == "snapshot" ? 2 : 0;
}

bool sameEntry(const node::EntryView& a, const node::EntryView& b) { return a == b; }

}  // namespace

// ---- entries, views ----

void putEntry(std::string& out, const node::EntryView& e) {
  putFixed64(out, e.index);
  putFixed64(out, e.generation);
  putFixed8(out, static_cast<std::uint8_t>(e.type));
  putI64(out, e.timestampMs);
  putFixed64(out, e.client);
  putFixed64(out, e.seq);
  putStr(out, e.key);
  putStr(out, e.value);
  putFixed32(out, e.payloadBytes);
  putFixed8(out, e.duplicate ? 1 : 0);
}

bool getEntry(Reader& in, node::EntryView& e) {
  e.index = in.u64();
  e.generation = in.u64();
  e.type = static_cast<EntryType>(in.u8());
  e.timestampMs = in.i64();
  e.client = in.u64();
  e.seq = in.u64();
  getStr(in, e.key);
  getStr(in, e.value);
  e.payloadBytes = in.u32();
  e.duplicate = in.u8() != 0;
  return in.ok();
}

void putView(std::string& out, const node::NodeView& v, const node::NodeView* previous) {
  putFixed32(out, v.id);
  putFixed8(out, static_cast<std::uint8_t>(v.status));
  putStr(out, v.failure);
  putFixed64(out, v.version);
  putI64(out, v.publishedMs);
  putFixed16(out, v.port);
  putFixed8(out, static_cast<std::uint8_t>(v.role));
  putFixed64(out, v.generation);
  putFixed32(out, v.votedFor);
  putFixed32(out, v.leader);
  for (Index i : {v.firstIndex, v.lwm, v.lastIndex, v.durableEnd, v.ackEnd, v.hwm, v.applied}) putFixed64(out, i);
  putFixed64(out, v.snapshot.index);
  putFixed64(out, v.snapshot.generation);
  putFixed64(out, v.snapshot.bytes);
  putFixed32(out, v.snapshot.writeQuorum);
  putFixed32(out, static_cast<std::uint32_t>(v.writeQuorum));
  putFixed32(out, v.configuredWriteQuorum);
  putFixed8(out, static_cast<std::uint8_t>(v.flush.mode));
  putI64(out, v.flush.delayMs);
  putFixed64(out, v.bufferedBytes);
  putFixed32(out, static_cast<std::uint32_t>(v.segments.size()));
  for (const auto& s : v.segments) {
    putStr(out, s.file);
    putFixed64(out, s.firstIndex);
    putFixed64(out, s.lastIndex);
    putFixed64(out, s.bytes);
    putFixed64(out, s.durableBytes);
    putFixed8(out, s.sealed ? 1 : 0);
  }
  // `recent` slides: keep the previous picture's entries from `from` on (`kept` of them),
  // then the new ones. A keyframe (no previous) writes them all.
  std::uint32_t from = 0, kept = 0;
  if (previous && !v.recent.empty()) {
    const auto& p = previous->recent;
    for (std::size_t j = 0; j < p.size(); ++j) {
      if (!sameEntry(p[j], v.recent[0])) continue;
      std::size_t k = 0;
      while (j + k < p.size() && k < v.recent.size() && sameEntry(p[j + k], v.recent[k])) ++k;
      if (j + k == p.size()) {  // the rest of the previous window, in order
        from = static_cast<std::uint32_t>(j);
        kept = static_cast<std::uint32_t>(k);
      }
      break;
    }
  }
  putFixed32(out, from);
  putFixed32(out, kept);
  putFixed32(out, static_cast<std::uint32_t>(v.recent.size() - kept));
  for (std::size_t i = kept; i < v.recent.size(); ++i) putEntry(out, v.recent[i]);
  putFixed32(out, static_cast<std::uint32_t>(v.duplicates.size()));
  for (Index i : v.duplicates) putFixed64(out, i);
  putFixed32(out, static_cast<std::uint32_t>(v.peers.size()));
  for (const auto& p : v.peers) {
    putFixed32(out, p.id);
    putFixed64(out, p.match);
    putFixed64(out, p.next);
    putFixed8(out, peerStateCode(p.state));
    putFixed8(out, p.recentlyActive ? 1 : 0);
    putFixed64(out, p.snapshotIndex);
    putFixed64(out, p.snapshotOffset);
    putFixed64(out, p.snapshotBytes);
  }
  putFixed32(out, static_cast<std::uint32_t>(v.kv.size()));
  for (const auto& [k, val] : v.kv) {
    putStr(out, k);
    putStr(out, val);
  }
  putFixed64(out, v.kvKeys);
  const node::Counters& c = v.counters;
  for (std::uint64_t x : {c.appended, c.flushes, c.messagesIn, c.messagesOut, c.truncatedEntries, c.snapshotsTaken,
                          c.snapshotsInstalled, c.duplicatesIgnored, c.clientWrites, c.clientReads, c.segmentsDeleted})
    putFixed64(out, x);
}

bool getView(Reader& in, const node::NodeView* previous, node::NodeView& v) {
  v = node::NodeView{};
  v.id = in.u32();
  v.status = static_cast<node::NodeStatus>(in.u8());
  getStr(in, v.failure);
  v.version = in.u64();
  v.publishedMs = in.i64();
  v.port = in.u16();
  v.role = static_cast<replication::Role>(in.u8());
  v.generation = in.u64();
  v.votedFor = in.u32();
  v.leader = in.u32();
  for (Index* i : {&v.firstIndex, &v.lwm, &v.lastIndex, &v.durableEnd, &v.ackEnd, &v.hwm, &v.applied}) *i = in.u64();
  v.snapshot.index = in.u64();
  v.snapshot.generation = in.u64();
  v.snapshot.bytes = in.u64();
  v.snapshot.writeQuorum = in.u32();
  v.writeQuorum = static_cast<int>(in.u32());
  v.configuredWriteQuorum = in.u32();
  const std::uint8_t mode = in.u8();
  if (mode > static_cast<std::uint8_t>(wal::FlushMode::kManual)) in.fail();
  v.flush.mode = static_cast<wal::FlushMode>(mode);
  v.flush.delayMs = in.i64();
  v.bufferedBytes = in.u64();
  for (std::uint32_t n = count(in); n > 0 && in.ok(); --n) {
    node::SegmentView s;
    getStr(in, s.file);
    s.firstIndex = in.u64();
    s.lastIndex = in.u64();
    s.bytes = in.u64();
    s.durableBytes = in.u64();
    s.sealed = in.u8() != 0;
    v.segments.push_back(std::move(s));
  }
  const std::uint32_t from = in.u32(), kept = in.u32();
  if (kept > 0) {
    if (!previous || static_cast<std::size_t>(from) + kept > previous->recent.size()) return false;
    v.recent.assign(previous->recent.begin() + from, previous->recent.begin() + from + kept);
  }
  for (std::uint32_t n = count(in); n > 0 && in.ok(); --n) {
    node::EntryView e;
    if (getEntry(in, e)) v.recent.push_back(std::move(e));
  }
  for (std::uint32_t n = count(in); n > 0 && in.ok(); --n) v.duplicates.push_back(in.u64());
  for (std::uint32_t n = count(in); n > 0 && in.ok(); --n) {
    replication::PeerProgress p;
    p.id = in.u32();
    p.match = in.u64();
    p.next = in.u64();
    p.state = peerStateName(in.u8());
    p.recentlyActive = in.u8() != 0;
    p.snapshotIndex = in.u64();
    p.snapshotOffset = in.u64();
    p.snapshotBytes = in.u64();
    v.peers.push_back(p);
  }
  for (std::uint32_t n = count(in); n > 0 && in.ok(); --n) {
    std::string k, val;
    getStr(in, k);
    getStr(in, val);
    v.kv.emplace(std::move(k), std::move(val));
  }
  v.kvKeys = in.u64();
  node::Counters& c = v.counters;
  for (std::uint64_t* x : {&c.appended, &c.flushes, &c.messagesIn, &c.messagesOut, &c.truncatedEntries,
                           &c.snapshotsTaken, &c.snapshotsInstalled, &c.duplicatesIgnored, &c.clientWrites,
                           &c.clientReads, &c.segmentsDeleted})
    *x = in.u64();
  return in.ok() && v.status <= node::NodeStatus::kFailed && v.role <= replication::Role::kLeader;
}

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
  const node::NodeEvent& e = r.event;
  putFixed64(out, r.seq);
  putI64(out, e.tMs);
  putFixed32(out, e.node);
  putFixed8(out, static_cast<std::uint8_t>(e.kind));
  putFixed32(out, e.peer);
  putFixed8(out, e.msgType);
  putFixed64(out, e.generation);
  putFixed64(out, e.a);
  putFixed64(out, e.b);
  putStr(out, e.detail);
}

bool getEvent(Reader& in, cluster::RecordedEvent& r) {
  node::NodeEvent& e = r.event;
  r.seq = in.u64();
  e.tMs = in.i64();
  e.node = in.u32();
  e.kind = static_cast<node::EventKind>(in.u8());
  e.peer = in.u32();
  e.msgType = in.u8();
  e.generation = in.u64();
  e.a = in.u64();
  e.b = in.u64();
  getStr(in, e.detail);
  return in.ok() && e.kind <= node::EventKind::kThaw && saneMs(e.tMs);
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
