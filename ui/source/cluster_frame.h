#pragma once
// ClusterFrame: what the explorer knows about the cluster after one poll (~30 Hz). The
// node pictures are the immutable snapshots the nodes published; the vectors at the end are
// what happened since the previous frame. Every view and model updates from one of these,
// on the GUI thread, and keeps nothing but values.
#include <cstdint>
#include <string>
#include <vector>

#include "ui/source/cluster_source.h"

namespace qlab::ui {

struct ClusterFrame {
  std::uint64_t number = 0;    // 1, 2, ... per poller; restarts at 1 after a source change
  bool sourceChanged = false;  // a new cluster (reset): drop everything held from the old one
  std::int64_t nowMs = 0;
  int size = 0;
  std::vector<ViewPtr> views;  // views[i]->id == i + 1
  NodeId leader = kNoNode;
  Index hwm = 0;
  std::vector<LinkInfo> links;  // size * size, row = from - 1, column = to - 1
  std::uint32_t writeQuorum = 0;
  std::string writeQuorumWarning;
  bool loadRunning = false;
  double loadRate = 0;
  int loadClients = 0;
  bool frozen = false;         // the cluster stands still (its clock too)

  // Since the previous frame.
  std::vector<cluster::RecordedEvent> events;
  std::vector<cluster::LogLine> logLines;
  std::vector<cluster::Operation> operations;
  std::vector<cluster::Finding> findings;

  // This frame without the streams (what a view keeps between frames).
  ClusterFrame pictures() const {
    ClusterFrame f;
    f.number = number;
    f.nowMs = nowMs;
    f.size = size;
    f.views = views;
    f.leader = leader;
    f.hwm = hwm;
    f.links = links;
    f.writeQuorum = writeQuorum;
    f.writeQuorumWarning = writeQuorumWarning;
    f.loadRunning = loadRunning;
    f.loadRate = loadRate;
    f.loadClients = loadClients;
    f.frozen = frozen;
    return f;
  }

  const node::NodeView* view(NodeId id) const {
    return id >= 1 && id <= views.size() ? views[id - 1].get() : nullptr;
  }
  LinkInfo link(NodeId from, NodeId to) const {
    if (from < 1 || to < 1 || static_cast<int>(from) > size || static_cast<int>(to) > size) return {};
    return links[static_cast<std::size_t>(from - 1) * static_cast<std::size_t>(size) + (to - 1)];
  }
  // The write quorum in force: the leader's effective W, else what was asked for (or majority).
  int effectiveWriteQuorum() const {
    if (const node::NodeView* l = view(leader); l && l->writeQuorum > 0) return l->writeQuorum;
    if (writeQuorum > 0) return static_cast<int>(writeQuorum);
    return size / 2 + 1;
  }
};

}  // namespace qlab::ui
