#pragma once
// NodeHandle: how a cluster talks to one node, whatever runs it. A node is a thread in this
// process (LiveNode) or a process of its own (ProcessNode, `quorumlab node`); the cluster, the
// scenario runner and the GUI see only this interface:
//
//   commands     start, kill (crash or power loss), restart, pause, flush policy, link faults...
//   the picture  view(): the newest immutable NodeView the node published
//   log reads    entries() / logExtent() / readLog(): requests the node answers (a node that is
//                down or cannot answer gives nothing, never stale data as if it were live)
//   its stream   NodeSink: events, applied entries, restarts and every published picture,
//                delivered on the node's side (any thread), in order
//
// NodeSpec is everything a backend needs to run a node; the cluster fills it once per node.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/entry.h"
#include "core/common/status.h"
#include "core/net/link_fault.h"
#include "core/node/node_engine.h"
#include "core/node/node_event.h"
#include "core/node/node_view.h"

namespace spdlog {
class logger;
}

namespace qlab::node {

// What a node reports, whatever runs it. Called on any thread: thread-safe and quick, no
// calls back into the node.
struct NodeSink {
  std::function<void(const NodeEvent&)> onEvent;
  std::function<void(NodeId, const Entry&, bool duplicate)> onApplied;
  std::function<void(NodeId, const replication::SnapshotMeta&, NodeId from)> onStateReplaced;
  std::function<void(NodeId, Index appliedAtStart)> onStarted;  // after recovery, before serving
  // Every picture as view() would return it, in publish order, each time it changes (a
  // publish, a pause, a resume). Called under the node's view lock (the run recording,
  // core/recording, keeps every picture this way).
  std::function<void(const std::shared_ptr<const NodeView>&)> onPublish;
  std::function<std::int64_t()> clock;  // cluster clock in ms (event and picture times)
};

struct NodeSpec {
  EngineOptions engine;
  std::string clusterName = "quorumlab";
  std::string host = "127.0.0.1";                // where it listens (peers and clients)
  std::uint16_t port = 0;                        // fixed across restarts once chosen
  std::map<NodeId, std::uint16_t> peerPorts;     // peers on this machine
  std::map<NodeId, std::string> peerAddresses;   // peers elsewhere: "host:port" (wins over peerPorts)
  int tickMs = 20;
  int publishIntervalMs = 33;                    // ~30 Hz
  std::uint64_t seed = 1;
  std::shared_ptr<spdlog::logger> logger;        // one per node ("node-2")
  // Hand every append to the OS at once (write()), fdatasync still per the flush policy, so
  // the page cache holds what the process wrote: a node process does, a thread node does not.
  bool writeThrough = false;
  NodeSink sink;
};

// How a node goes down.
enum class KillKind : std::uint8_t {
  kPowerLoss,      // the machine loses power: everything not fdatasync'ed is gone
  kTornPowerLoss,  // the same, and a random part of the last unsynced write reaches the file
  kCrash,          // the process dies (kill -9): its user-space buffers are gone, what it
                   // wrote to the OS (the page cache) survives
};
const char* killKindName(KillKind k);

// The extent of a node's log as it holds it now (buffered entries included).
struct LogExtent {
  Index first = 0;       // first index held (last + 1 when empty)
  Index last = 0;        // last appended, buffered or not
  Index durableEnd = 0;  // last index covered by a completed flush
};

class NodeHandle {
 public:
  virtual ~NodeHandle() = default;

  virtual NodeId id() const = 0;
  virtual std::uint16_t port() const = 0;
  // What runs the node, for the UI: "thread" or "process 4711".
  virtual std::string backendName() const = 0;

  // Starts the node and recovers it from disk. Returns once it serves or has failed (the
  // reason is in view()->failure); never hangs past its timeout.
  virtual Status start() = 0;
  virtual void kill(KillKind how) = 0;
  virtual Status restart() = 0;
  virtual void pause() = 0;
  virtual void resume() = 0;
  virtual bool running() const = 0;  // started and not killed
  virtual bool paused() const = 0;
  // Time travel: the node stands still (no log line, no change to its view) until unfrozen.
  virtual void setFrozen(bool on) = 0;

  virtual void setFlushPolicy(const wal::FlushPolicy& p) = 0;
  virtual wal::FlushPolicy flushPolicy() const = 0;  // also across restarts
  virtual void flushNow() = 0;
  virtual void proposeWriteQuorum(std::uint32_t w) = 0;
  virtual void campaign() = 0;
  virtual void setLinkFault(NodeId to, const net::LinkFault& f) = 0;
  virtual void clearLinkFaults() = 0;
  virtual void dropNextResponses(int count) = 0;

  // The newest published picture (never null). Thread-safe.
  virtual std::shared_ptr<const NodeView> view() const = 0;
  // Hands the current picture to the sink's onPublish again, in order with publishes.
  virtual void tapView() const = 0;
  // Entries [from, to] decoded for display. Empty when the node is down or cannot answer.
  virtual std::vector<EntryView> entries(Index from, Index to) const = 0;
  // nullopt when the node is down: then what it holds is exactly what is in its files.
  virtual std::optional<LogExtent> logExtent() const = 0;
  // Full entries [from, to], stopping early once maxBytes of payload are read.
  virtual Status readLog(Index from, Index to, std::size_t maxBytes, std::vector<Entry>* out) const = 0;
};

}  // namespace qlab::node
