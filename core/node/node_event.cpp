#include "core/node/node_event.h"

namespace qlab::node {

const char* eventKindName(EventKind k) {
  switch (k) {
    case EventKind::kSend: return "send";
    case EventKind::kRecv: return "recv";
    case EventKind::kElectionStarted: return "election";
    case EventKind::kElected: return "elected";
    case EventKind::kStepDown: return "step_down";
    case EventKind::kVoted: return "vote";
    case EventKind::kFlush: return "flush";
    case EventKind::kSegmentRoll: return "segment_roll";
    case EventKind::kSegmentDelete: return "segment_delete";
    case EventKind::kTruncate: return "truncate";
    case EventKind::kSnapshot: return "snapshot";
    case EventKind::kSnapshotSend: return "snapshot_send";
    case EventKind::kSnapshotInstall: return "snapshot_install";
    case EventKind::kDiverged: return "diverged";
    case EventKind::kConfig: return "config";
    case EventKind::kKill: return "kill";
    case EventKind::kRestart: return "restart";
    case EventKind::kPause: return "pause";
    case EventKind::kResume: return "resume";
    case EventKind::kFailed: return "failed";
    case EventKind::kPartition: return "partition";
    case EventKind::kHeal: return "heal";
    case EventKind::kLinkFault: return "link";
    case EventKind::kFlushPolicy: return "flush_policy";
    case EventKind::kQuorumChange: return "quorum";
    case EventKind::kClientWrite: return "client_write";
    case EventKind::kClientRead: return "client_read";
    case EventKind::kLostWrite: return "lost_write";
    case EventKind::kViolation: return "violation";
    case EventKind::kStale: return "stale";
    case EventKind::kTornTail: return "torn_tail";
    case EventKind::kRecovery: return "recovery";
    case EventKind::kFreeze: return "freeze";
    case EventKind::kThaw: return "thaw";
  }
  return "unknown";
}

}  // namespace qlab::node
