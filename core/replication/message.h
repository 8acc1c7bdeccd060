#pragma once
// Messages between replicas and their versioned binary encoding (docs/wire-format.md has the
// frame around them). One struct for every type, etcd style: unused fields stay zero.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/entry.h"
#include "core/common/status.h"
#include "core/common/types.h"

namespace qlab::replication {

enum class MessageType : std::uint8_t {
  kAppend = 1,          // leader -> follower: entries after (prevIndex, prevGeneration), hwm
  kAppendResponse = 2,  // follower -> leader: success with durable match, or reject with hint
  kHeartbeat = 3,       // leader -> follower: "I am leader", hwm, read context
  kHeartbeatResponse = 4,
  kVoteRequest = 5,     // candidate -> all: lastIndex, lastGeneration
  kVoteResponse = 6,
  kSnapshotChunk = 7,   // leader -> follower: bytes [offset, offset + data.size()) of a snapshot
  kSnapshotResponse = 8,
};
const char* messageTypeName(MessageType t);
bool isValidMessageType(std::uint8_t t);

struct Message {
  MessageType type = MessageType::kHeartbeat;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  Generation generation = 0;  // the sender's current generation

  // kAppend
  Index prevIndex = 0;
  Generation prevGeneration = 0;
  std::vector<Entry> entries;
  // kAppend, kHeartbeat: the leader's HWM (heartbeats send min(HWM, follower's match))
  Index hwm = 0;

  // kAppendResponse, kHeartbeatResponse, kSnapshotResponse
  bool success = false;
  Index matchIndex = 0;        // last index durable on the follower and matching the leader
  Index rejectHint = 0;        // on reject: the follower's guess of the last matching index
  Generation hintGeneration = 0;  // generation of the follower's entry at rejectHint
  bool diverged = false;       // the conflict lies at or below the follower's HWM: send a snapshot

  // kHeartbeat / kHeartbeatResponse: read context for ReadIndex confirmation
  std::uint64_t context = 0;

  // kVoteRequest: the candidate's last entry; kVoteResponse: success = vote granted;
  // kAppend / kHeartbeat: the leader's last index (a follower whose HWM is beyond it holds
  // committed entries the leader lost: only an unsafe configuration can do that);
  // kHeartbeatResponse: the follower's last index known to match the leader
  Index lastIndex = 0;
  Generation lastGeneration = 0;

  // kSnapshotChunk / kSnapshotResponse
  Index snapshotIndex = 0;
  Generation snapshotGeneration = 0;
  std::uint32_t snapshotWriteQuorum = 0;  // the configuration the snapshot includes
  std::uint64_t snapshotBytes = 0;        // total size
  std::uint64_t offset = 0;               // chunk: where data starts; response: next wanted
  std::string data;
  bool done = false;                      // chunk: last one; response: snapshot installed

  friend bool operator==(const Message&, const Message&) = default;
};

// Limits enforced by the decoder before it allocates.
inline constexpr std::uint8_t kMessageVersion = 1;
inline constexpr std::uint32_t kMaxEntriesPerMessage = 65536;
inline constexpr std::uint32_t kMaxEntryPayloadBytes = 16u << 20;
inline constexpr std::uint32_t kMaxSnapshotChunkBytes = 4u << 20;

std::string encodeMessage(const Message& m);
void encodeMessage(const Message& m, std::string& dst);
// kCorruption with a reason for truncated, oversized or malformed input. Never crashes.
Result<Message> decodeMessage(std::string_view bytes);

// A short human description for logs and the timeline: "append 12..15 g3 hwm 11".
std::string describe(const Message& m);

}  // namespace qlab::replication
