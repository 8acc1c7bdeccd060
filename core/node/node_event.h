#pragma once
// One mark on the timeline. Small and copyable: the recorder keeps hundreds of thousands.
// `kind` names are the ones docs/export-format.md lists for events.jsonl.
#include <cstdint>
#include <string>

#include "core/common/types.h"

namespace qlab::node {

enum class EventKind : std::uint8_t {
  kSend, kRecv,                       // a replication message (msgType, a..b = entry range)
  kElectionStarted, kElected, kStepDown, kVoted,
  kFlush,                             // durable end moved to `a` (`b` = flushes so far)
  kSegmentRoll, kSegmentDelete,       // detail = file name
  kTruncate,                          // entries a+1..b removed
  kSnapshot,                          // local snapshot at `a`
  kSnapshotSend, kSnapshotInstall,
  kDiverged,                          // committed entries differ from the leader's (unsafe config)
  kConfig,                            // write quorum now `a`
  kKill, kRestart, kPause, kResume, kFailed,
  kPartition, kHeal, kLinkFault, kFlushPolicy, kQuorumChange,
  kClientWrite, kClientRead,          // this node answered a client ok (a = index, b = the request's seq)
  kLostWrite,                         // an acknowledged write is no longer in the committed log
  kViolation,                         // the live checker found a broken safety property
  kStale,                             // rejected a message of an older generation
  kTornTail,                          // recovery cut a torn record: a = byte offset, b = bytes cut
  kRecovery,                          // recovered from disk: a = first index, b = last index
  kFreeze, kThaw,                     // the whole cluster stood still (time travel's freeze) / went on
};
const char* eventKindName(EventKind k);

struct NodeEvent {
  std::int64_t tMs = 0;       // cluster clock (ms since the cluster started)
  NodeId node = kNoNode;      // 0 = the cluster itself
  EventKind kind = EventKind::kSend;
  NodeId peer = kNoNode;
  std::uint8_t msgType = 0;   // replication::MessageType for send/recv
  Generation generation = 0;
  Index a = 0;
  Index b = 0;
  std::string detail;
};

}  // namespace qlab::node
