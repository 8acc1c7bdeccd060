#pragma once
// ClusterSource and ClusterControl: everything the explorer reads from and asks of a cluster,
// as two small interfaces. LiveClusterSource implements them over core/cluster's Cluster;
// tests implement them with synthetic NodeView values (tests/ui/fake_source.h).
//
// Rules that keep the UI honest and smooth (docs/architecture.md "Threads and the UI"):
//   - everything returned is a value or an immutable snapshot (shared_ptr<const NodeView>);
//     no pointer into a node ever escapes, and nothing here hands out a lock;
//   - reads are cheap enough for a 30 Hz timer, except entries() (reads the node's log) and
//     lostWrites() (walks the checker's history): callers fetch those sparingly.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/instruments/history.h"
#include "core/instruments/live_checker.h"
#include "core/cluster/fault.h"
#include "core/cluster/load_generator.h"
#include "core/instruments/log_hub.h"
#include "core/instruments/recorder.h"
#include "core/net/link_fault.h"
#include "core/node/node_handle.h"
#include "core/node/node_view.h"
#include "core/wal/flusher.h"

namespace qlab::ui {

using ViewPtr = std::shared_ptr<const node::NodeView>;

// One direction of one link as the UI shows it (mirrors cluster::LinkState).
struct LinkInfo {
  bool cut = false;
  int delayMs = 0;
  double drop = 0;
  bool degraded() const { return cut || delayMs > 0 || drop > 0; }
  friend bool operator==(const LinkInfo&, const LinkInfo&) = default;
};

class ClusterSource {
 public:
  virtual ~ClusterSource() = default;

  virtual int size() const = 0;
  virtual std::int64_t nowMs() const = 0;
  // One view per node, ordered by id (views()[i]->id == i + 1). Never null.
  virtual std::vector<ViewPtr> views() const = 0;
  virtual NodeId leader() const = 0;
  virtual Index hwm() const = 0;
  virtual LinkInfo link(NodeId from, NodeId to) const = 0;
  virtual std::uint32_t writeQuorum() const = 0;  // as last asked for; 0 = majority
  virtual std::string writeQuorumWarning() const = 0;
  virtual std::string dataDir() const = 0;
  virtual std::string nodeDir(NodeId id) const = 0;

  // Entries [from, to] of one node's log, decoded (reads its log: call for windows only).
  virtual std::vector<node::EntryView> entries(NodeId id, Index from, Index to) const = 0;

  virtual std::vector<cluster::RecordedEvent> eventsSince(std::uint64_t afterSeq,
                                                          std::size_t limit) const = 0;
  virtual std::vector<cluster::RecordedEvent> eventsBetween(std::int64_t fromMs, std::int64_t toMs,
                                                            std::size_t limit) const = 0;
  virtual std::vector<cluster::Operation> operationsSince(std::int64_t afterUs) const = 0;
  virtual std::vector<cluster::LogLine> logsSince(std::uint64_t afterSeq, std::size_t limit) const = 0;
  // Findings from position `first` on (the list only grows).
  virtual std::vector<cluster::Finding> findingsFrom(std::size_t first) const = 0;
  // Acknowledged writes no longer in the committed log (computed now: call at a low rate).
  virtual std::vector<cluster::LostWrite> lostWrites() const = 0;

  virtual bool loadRunning() const = 0;
  virtual cluster::LoadOptions loadOptions() const = 0;
  // The whole cluster stands still (Cluster::freeze): nothing moves until it is thawed.
  virtual bool frozen() const = 0;
};

class ClusterControl {
 public:
  virtual ~ClusterControl() = default;

  // Every fault and control of core/cluster/fault.h (kill, restart, pause, flush policy,
  // partitions and links, W, ...). Empty on success, otherwise why, for the status bar (a node
  // that could not start; a write quorum kept until a leader can propose it).
  virtual std::string apply(const cluster::Fault& f) = 0;
  virtual void setFrozen(bool on) = 0;
  virtual void startLoad(const cluster::LoadOptions& o) = 0;
  virtual void stopLoad() = 0;
  virtual void setLoadRate(double opsPerSecond) = 0;
  // One client write; `done` runs on the GUI thread with the finished operation.
  virtual void submit(const std::string& key, const std::string& value,
                      std::function<void(const cluster::Operation&)> done) = 0;
};

}  // namespace qlab::ui
