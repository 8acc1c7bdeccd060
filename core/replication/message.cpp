#include "core/replication/message.h"

#include "core/common/coding.h"

namespace qlab::replication {

// Layout (little-endian), version 1:
//   u8 version, u8 type, u32 from, u32 to, u64 generation, then per type:
//   append:            u64 prevIndex, u64 prevGeneration, u64 hwm, u64 lastIndex, u32 n, n x entry
//                      entry = u64 index, u64 generation, u8 type, u8 flags, i64 ts, bytes payload
//   append response:   u8 success, u8 diverged, u64 matchIndex, u64 rejectHint,
//                      u64 hintGeneration, u64 prevIndex
//   heartbeat:         u64 hwm, u64 context, u64 lastIndex
//   heartbeat resp.:   u8 success, u64 matchIndex, u64 lastIndex, u64 context
//   vote request:      u64 lastIndex, u64 lastGeneration
//   vote response:     u8 granted
//   snapshot chunk:    u64 index, u64 generation, u32 writeQuorum, u64 bytes, u64 offset,
//                      u8 done, bytes data
//   snapshot response: u64 index, u8 success, u8 done, u64 matchIndex, u64 offset

const char* messageTypeName(MessageType t) {
  switch (t) {
    case MessageType::kAppend: return "append";
    case MessageType::kAppendResponse: return "append_ack";
    case MessageType::kHeartbeat: return "heartbeat";
    case MessageType::kHeartbeatResponse: return "heartbeat_ack";
    case MessageType::kVoteRequest: return "vote";
    case MessageType::kVoteResponse: return "vote_ack";
    case MessageType::kSnapshotChunk: return "snapshot";
    case MessageType::kSnapshotResponse: return "snapshot_ack";
  }
  return "unknown";
}

bool isValidMessageType(std::uint8_t t) { return t >= 1 && t <= 8; }

void encodeMessage(const Message& m, std::string& dst) {
  using namespace coding;
  putFixed8(dst, kMessageVersion);
  putFixed8(dst, static_cast<std::uint8_t>(m.type));
  putFixed32(dst, m.from);
  putFixed32(dst, m.to);
  putFixed64(dst, m.generation);
  switch (m.type) {
    case MessageType::kAppend:
      putFixed64(dst, m.prevIndex);
      putFixed64(dst, m.prevGeneration);
      putFixed64(dst, m.hwm);
      putFixed64(dst, m.lastIndex);
      putFixed32(dst, static_cast<std::uint32_t>(m.entries.size()));
      for (const Entry& e : m.entries) {
        putFixed64(dst, e.index);
        putFixed64(dst, e.generation);
        putFixed8(dst, static_cast<std::uint8_t>(e.type));
        putFixed8(dst, e.flags);
        putFixed64(dst, static_cast<std::uint64_t>(e.timestampMs));
        putBytes(dst, e.payload);
      }
      break;
    case MessageType::kAppendResponse:
      putFixed8(dst, m.success ? 1 : 0);
      putFixed8(dst, m.diverged ? 1 : 0);
      putFixed64(dst, m.matchIndex);
      putFixed64(dst, m.rejectHint);
      putFixed64(dst, m.hintGeneration);
      putFixed64(dst, m.prevIndex);
      break;
    case MessageType::kHeartbeat:
      putFixed64(dst, m.hwm);
      putFixed64(dst, m.context);
      putFixed64(dst, m.lastIndex);
      break;
    case MessageType::kHeartbeatResponse:
      putFixed8(dst, m.success ? 1 : 0);
      putFixed64(dst, m.matchIndex);
      putFixed64(dst, m.lastIndex);
      putFixed64(dst, m.context);
      break;
    case MessageType::kVoteRequest:
      putFixed64(dst, m.lastIndex);
      putFixed64(dst, m.lastGeneration);
      break;
    case MessageType::kVoteResponse:
      putFixed8(dst, m.success ? 1 : 0);
      break;
    case MessageType::kSnapshotChunk:
      putFixed64(dst, m.snapshotIndex);
      putFixed64(dst, m.snapshotGeneration);
      putFixed32(dst, m.snapshotWriteQuorum);
      putFixed64(dst, m.snapshotBytes);
      putFixed64(dst, m.offset);
      putFixed8(dst, m.done ? 1 : 0);
      putBytes(dst, m.data);
      break;
    case MessageType::kSnapshotResponse:
      putFixed64(dst, m.snapshotIndex);
      putFixed8(dst, m.success ? 1 : 0);
      putFixed8(dst, m.done ? 1 : 0);
      putFixed64(dst, m.matchIndex);
      putFixed64(dst, m.offset);
      break;
  }
}

std::string encodeMessage(const Message& m) {
  std::string out;
  encodeMessage(m, out);
  return out;
}

namespace {

Status bad(const std::string& why) { return Status::corruption("replication message: " + why); }

bool readBool(coding::Reader& r, bool* ok) {
  std::uint8_t v = r.u8();
  if (v > 1) *ok = false;
  return v == 1;
}

}  // namespace

Result<Message> decodeMessage(std::string_view bytes) {
  coding::Reader r(bytes);
  Message m;
  std::uint8_t version = r.u8();
  std::uint8_t type = r.u8();
  if (!r.ok()) return bad("truncated header (" + std::to_string(bytes.size()) + " bytes)");
  if (version != kMessageVersion)
    return bad("unsupported version " + std::to_string(version) + " (this build speaks " +
               std::to_string(kMessageVersion) + ")");
  if (!isValidMessageType(type)) return bad("unknown type " + std::to_string(type));
  m.type = static_cast<MessageType>(type);
  m.from = r.u32();
  m.to = r.u32();
  m.generation = r.u64();
  bool flagsOk = true;
  switch (m.type) {
    case MessageType::kAppend: {
      m.prevIndex = r.u64();
      m.prevGeneration = r.u64();
      m.hwm = r.u64();
      m.lastIndex = r.u64();
      std::uint32_t n = r.u32();
      if (!r.ok()) break;
      if (n > kMaxEntriesPerMessage) return bad("append with " + std::to_string(n) + " entries");
      // Every entry takes at least 30 bytes: refuse counts the input cannot hold before
      // reserving memory for them.
      if (static_cast<std::uint64_t>(n) * 30 > r.remaining()) return bad("truncated entries");
      m.entries.reserve(n);
      for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
        Entry e;
        e.index = r.u64();
        e.generation = r.u64();
        std::uint8_t et = r.u8();
        e.flags = r.u8();
        e.timestampMs = r.i64();
        auto payload = r.bytes(kMaxEntryPayloadBytes);
        if (!r.ok()) break;
        if (!isValidEntryType(et)) return bad("entry of unknown type " + std::to_string(et));
        if (i > 0 && e.index != m.entries.back().index + 1)
          return bad("entries not consecutive at index " + std::to_string(e.index));
        if (i == 0 && e.index != m.prevIndex + 1)
          return bad("first entry " + std::to_string(e.index) + " does not follow prevIndex " +
                     std::to_string(m.prevIndex));
        e.type = static_cast<EntryType>(et);
        e.payload.assign(payload);
        m.entries.push_back(std::move(e));
      }
      break;
    }
    case MessageType::kAppendResponse:
      m.success = readBool(r, &flagsOk);
      m.diverged = readBool(r, &flagsOk);
      m.matchIndex = r.u64();
      m.rejectHint = r.u64();
      m.hintGeneration = r.u64();
      m.prevIndex = r.u64();
      break;
    case MessageType::kHeartbeat:
      m.hwm = r.u64();
      m.context = r.u64();
      m.lastIndex = r.u64();
      break;
    case MessageType::kHeartbeatResponse:
      m.success = readBool(r, &flagsOk);
      m.matchIndex = r.u64();
      m.lastIndex = r.u64();
      m.context = r.u64();
      break;
    case MessageType::kVoteRequest:
      m.lastIndex = r.u64();
      m.lastGeneration = r.u64();
      break;
    case MessageType::kVoteResponse:
      m.success = readBool(r, &flagsOk);
      break;
    case MessageType::kSnapshotChunk: {
      m.snapshotIndex = r.u64();
      m.snapshotGeneration = r.u64();
      m.snapshotWriteQuorum = r.u32();
      m.snapshotBytes = r.u64();
      m.offset = r.u64();
      m.done = readBool(r, &flagsOk);
      auto data = r.bytes(kMaxSnapshotChunkBytes);
      if (r.ok()) m.data.assign(data);
      break;
    }
    case MessageType::kSnapshotResponse:
      m.snapshotIndex = r.u64();
      m.success = readBool(r, &flagsOk);
      m.done = readBool(r, &flagsOk);
      m.matchIndex = r.u64();
      m.offset = r.u64();
      break;
  }
  if (!r.ok()) return bad(std::string("truncated ") + messageTypeName(m.type));
  if (!flagsOk) return bad(std::string("boolean field not 0 or 1 in ") + messageTypeName(m.type));
  if (!r.atEnd())
    return bad(std::to_string(r.remaining()) + " trailing bytes after " + messageTypeName(m.type));
  if (m.from == kNoNode || m.from > static_cast<NodeId>(kMaxNodes) ||
      m.to > static_cast<NodeId>(kMaxNodes))
    return bad("node id out of range (from " + std::to_string(m.from) + ", to " +
               std::to_string(m.to) + ")");
  return m;
}

std::string describe(const Message& m) {
  std::string s = messageTypeName(m.type);
  s += " g" + std::to_string(m.generation);
  switch (m.type) {
    case MessageType::kAppend:
      if (m.entries.empty()) {
        s += " prev " + std::to_string(m.prevIndex);
      } else {
        s += " " + std::to_string(m.entries.front().index) + ".." +
             std::to_string(m.entries.back().index);
      }
      s += " hwm " + std::to_string(m.hwm);
      break;
    case MessageType::kAppendResponse:
      if (m.success) s += " match " + std::to_string(m.matchIndex);
      else if (m.diverged) s += " diverged";
      else s += " reject hint " + std::to_string(m.rejectHint);
      break;
    case MessageType::kHeartbeat: s += " hwm " + std::to_string(m.hwm); break;
    case MessageType::kHeartbeatResponse: s += " match " + std::to_string(m.matchIndex); break;
    case MessageType::kVoteRequest:
      s += " last " + std::to_string(m.lastIndex) + "/g" + std::to_string(m.lastGeneration);
      break;
    case MessageType::kVoteResponse: s += m.success ? " granted" : " refused"; break;
    case MessageType::kSnapshotChunk:
      s += " @" + std::to_string(m.snapshotIndex) + " " + std::to_string(m.offset) + "+" +
           std::to_string(m.data.size()) + "/" + std::to_string(m.snapshotBytes);
      break;
    case MessageType::kSnapshotResponse:
      s += m.done ? " installed " + std::to_string(m.matchIndex) : " next " + std::to_string(m.offset);
      break;
  }
  return s;
}

}  // namespace qlab::replication
