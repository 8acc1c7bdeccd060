#pragma once
// Ready: everything one call into ReplicaCore asks the caller to do, in this order:
//   1. persist hardState (generation and vote) durably        - before any message goes out
//   2. write snapshotChunk into the incoming snapshot file
//   3. install installSnapshot (replace the state machine, reset the log after it), durably
//   4. truncateAfter (cut the log, durably)
//   5. append entries (to the WAL buffer; durability is reported back with onDurable)
//   6. send messages
//   7. apply committed entries up to hwm
//   8. answer reads whose readIndex is applied; record events
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/common/entry.h"
#include "core/replication/message.h"
#include "core/replication/storage.h"

namespace qlab::replication {

struct HardState {
  Generation generation = 0;
  NodeId votedFor = kNoNode;
  friend bool operator==(const HardState&, const HardState&) = default;
};

enum class Role : std::uint8_t { kFollower, kCandidate, kLeader };
const char* roleName(Role r);

// Things worth a mark on the timeline. The core never logs; the node turns these into log
// lines and recorder events.
enum class EventKind : std::uint8_t {
  kElectionStarted,   // became candidate for `generation`
  kElected,           // became leader of `generation`
  kSteppedDown,       // leader/candidate became follower; detail says why
  kVoted,             // granted a vote to `peer`
  kTruncated,         // cut the log after `a` (entries a+1..b removed)
  kDiverged,          // a conflict at or below this node's HWM: asked the leader for a snapshot
  kSnapshotSendStarted,  // leader started sending snapshot `a` to `peer`
  kSnapshotSent,         // peer installed snapshot `a`
  kSnapshotInstalled,    // this node installed snapshot `a` (replacing its log)
  kConfigChanged,        // write quorum is now `a` (0 = majority), from config entry `b`
  kStaleMessage,         // ignored or rejected a message of an older generation from `peer`
};
const char* eventKindName(EventKind k);

struct Event {
  EventKind kind = EventKind::kElected;
  Generation generation = 0;
  NodeId peer = kNoNode;
  Index a = 0;
  Index b = 0;
  std::string detail;
};

struct SnapshotChunkWrite {
  SnapshotMeta meta;
  std::uint64_t offset = 0;  // 0 = start a new incoming snapshot file
  std::string data;
};

struct ReadResult {
  std::uint64_t requestId = 0;
  bool ok = false;         // false: not the leader (any more); retry at leaderHint
  Index readIndex = 0;     // answer once the state machine has applied this index
  NodeId leaderHint = kNoNode;
};

struct Ready {
  std::optional<HardState> hardState;
  std::optional<SnapshotChunkWrite> snapshotChunk;
  std::optional<SnapshotMeta> installSnapshot;
  std::optional<Index> truncateAfter;
  std::vector<Entry> append;
  std::vector<Message> messages;
  Index hwm = 0;             // current HWM (always filled)
  std::vector<ReadResult> reads;
  std::vector<Event> events;
  // propose(): index given to the first / last proposed entry, 0 when not the leader.
  Index proposedFirst = 0;
  Index proposedLast = 0;

  bool hasLogWork() const {
    return hardState || snapshotChunk || installSnapshot || truncateAfter || !append.empty();
  }
};

}  // namespace qlab::replication
