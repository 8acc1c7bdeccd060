#pragma once
// NodeView: the immutable picture of one node that its thread publishes (rate-limited) and
// the UI, the recorder and the exporter read. Plain values only: no pointers into the node.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/common/entry.h"
#include "core/common/types.h"
#include "core/replication/ready.h"
#include "core/replication/replica_core.h"
#include "core/wal/flusher.h"

namespace qlab::node {

enum class NodeStatus : std::uint8_t { kRunning, kPaused, kDead, kFailed };
const char* nodeStatusName(NodeStatus s);

struct SegmentView {
  std::string file;
  Index firstIndex = 0;
  Index lastIndex = 0;
  std::uint64_t bytes = 0;
  std::uint64_t durableBytes = 0;
  bool sealed = false;
  friend bool operator==(const SegmentView&, const SegmentView&) = default;
};

// One log entry, decoded for display.
struct EntryView {
  Index index = 0;
  Generation generation = 0;
  EntryType type = EntryType::kData;
  std::int64_t timestampMs = 0;
  std::uint64_t client = 0;
  std::uint64_t seq = 0;
  std::string key;
  std::string value;      // cut to a display length
  std::uint32_t payloadBytes = 0;
  bool duplicate = false; // applied as a duplicate (client retry) and ignored
  friend bool operator==(const EntryView&, const EntryView&) = default;
};

struct Counters {
  std::uint64_t appended = 0;         // entries appended to this node's log
  std::uint64_t flushes = 0;          // durable-end moves seen
  std::uint64_t messagesIn = 0;
  std::uint64_t messagesOut = 0;
  std::uint64_t truncatedEntries = 0;
  std::uint64_t snapshotsTaken = 0;
  std::uint64_t snapshotsInstalled = 0;
  std::uint64_t duplicatesIgnored = 0;
  std::uint64_t clientWrites = 0;     // answered ok by this node as leader
  std::uint64_t clientReads = 0;
  std::uint64_t segmentsDeleted = 0;
};

struct NodeView {
  NodeId id = kNoNode;
  NodeStatus status = NodeStatus::kDead;
  std::string failure;                 // why, when status == kFailed
  std::uint64_t version = 0;           // bumps on every publish
  std::int64_t publishedMs = 0;
  std::uint16_t port = 0;

  replication::Role role = replication::Role::kFollower;
  Generation generation = 0;
  NodeId votedFor = kNoNode;
  NodeId leader = kNoNode;

  Index firstIndex = 1;   // first entry still in the log (segments below were deleted)
  Index lwm = 1;          // low-water mark: what the node may delete below
  Index lastIndex = 0;    // log end (buffered included)
  Index durableEnd = 0;   // covered by a completed flush
  Index ackEnd = 0;       // what the node acknowledges: durableEnd, or lastIndex under delayed/manual
  Index hwm = 0;
  Index applied = 0;
  replication::SnapshotMeta snapshot;
  int writeQuorum = 0;           // effective W
  std::uint32_t configuredWriteQuorum = 0;  // 0 = majority

  wal::FlushPolicy flush;
  std::uint64_t bufferedBytes = 0;
  std::vector<SegmentView> segments;
  std::vector<EntryView> recent;           // the newest entries (a window for the UI)
  std::vector<Index> duplicates;           // recent indices applied as duplicates (ignored)
  std::vector<replication::PeerProgress> peers;  // on the leader
  std::map<std::string, std::string> kv;   // state applied at the HWM (first keys only)
  std::size_t kvKeys = 0;
  Counters counters;
};

}  // namespace qlab::node
