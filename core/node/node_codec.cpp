// The node codec: NodeView pictures (as deltas against the previous one), EntryView rows and
// NodeEvents to bytes and back. The run recording (core/recording) stores them this way and a
// node process (core/remote) streams them to its observers the same way.
#include "core/node/node_codec.h"

namespace qlab::node::codec {

using coding::putFixed16;
using coding::putFixed32;
using coding::putFixed64;
using coding::putFixed8;
using coding::Reader;

void putStr(std::string& out, std::string_view s) { coding::putBytes(out, s); }
bool getStr(Reader& in, std::string& s) {
  std::string_view v = in.bytes(kMaxString);
  s.assign(v);
  return in.ok();
}
void putI64(std::string& out, std::int64_t v) { putFixed64(out, static_cast<std::uint64_t>(v)); }
namespace {
constexpr std::int64_t kSaneMs = std::int64_t{1} << 40;  // ~35 years
}  // namespace
bool saneMs(std::int64_t ms) { return ms > -kSaneMs && ms < kSaneMs; }

std::uint32_t count(Reader& in) {
  std::uint32_t n = in.u32();
  if (n > kMaxCount || n > in.remaining()) in.fail();
  return in.ok() ? n : 0;
}

namespace {
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

bool sameEntry(const EntryView& a, const EntryView& b) { return a == b; }
}  // namespace

// ---- entries, views ----

void putEntry(std::string& out, const EntryView& e) {
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

bool getEntry(Reader& in, EntryView& e) {
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

void putView(std::string& out, const NodeView& v, const NodeView* previous) {
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
  const Counters& c = v.counters;
  for (std::uint64_t x : {c.appended, c.flushes, c.messagesIn, c.messagesOut, c.truncatedEntries, c.snapshotsTaken,
                          c.snapshotsInstalled, c.duplicatesIgnored, c.clientWrites, c.clientReads, c.segmentsDeleted})
    putFixed64(out, x);
}

bool getView(Reader& in, const NodeView* previous, NodeView& v) {
  v = NodeView{};
  v.id = in.u32();
  v.status = static_cast<NodeStatus>(in.u8());
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
    SegmentView s;
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
    EntryView e;
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
  Counters& c = v.counters;
  for (std::uint64_t* x : {&c.appended, &c.flushes, &c.messagesIn, &c.messagesOut, &c.truncatedEntries,
                           &c.snapshotsTaken, &c.snapshotsInstalled, &c.duplicatesIgnored, &c.clientWrites,
                           &c.clientReads, &c.segmentsDeleted})
    *x = in.u64();
  return in.ok() && v.status <= NodeStatus::kFailed && v.role <= replication::Role::kLeader;
}

void putEvent(std::string& out, const NodeEvent& e) {
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

bool getEvent(Reader& in, NodeEvent& e) {
  e.tMs = in.i64();
  e.node = in.u32();
  e.kind = static_cast<EventKind>(in.u8());
  e.peer = in.u32();
  e.msgType = in.u8();
  e.generation = in.u64();
  e.a = in.u64();
  e.b = in.u64();
  getStr(in, e.detail);
  return in.ok() && e.kind <= EventKind::kThaw && saneMs(e.tMs);
}

}  // namespace qlab::node::codec
