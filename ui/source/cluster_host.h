#pragma once
// ClusterHost: owns the live Cluster the explorer shows, and replaces it on "Reset cluster"
// (stop, then a new cluster in a fresh data directory). Emits clusterChanged after every
// (re)start so the window re-points its poller, actions and file commands.
#include <memory>

#include <QObject>

#include "core/cluster/cluster.h"
#include "ui/source/live_cluster_source.h"

namespace qlab::ui {

class ClusterHost : public QObject {
  Q_OBJECT
 public:
  explicit ClusterHost(QObject* parent = nullptr);
  ~ClusterHost() override;

  // Starts a cluster with these options; on failure keeps none and returns why.
  Status start(const cluster::ClusterOptions& options, const cluster::LoadOptions* load = nullptr);
  // A fresh cluster of `nodes` nodes with `policy`, in a new temporary directory; the other
  // options (segment size, snapshots, W) are kept, the load restarts as it was.
  // A fresh cluster like the current one with these settings (0 ms: keep the timeout).
  Status reset(int nodes, const wal::FlushPolicy& policy, int electionTimeoutMs = 0);
  void stop();
  // Every cluster started from now on (scenarios and lessons too) runs each node as a process
  // of its own (`quorumlab gui --processes`).
  void setProcesses(bool on) { m_processes = on; }
  bool processes() const { return m_processes; }

  cluster::Cluster* cluster() const { return m_cluster.get(); }
  LiveClusterSource* source() const { return m_source.get(); }

 signals:
  void aboutToChange();
  void clusterChanged();

 private:
  cluster::ClusterOptions m_options;
  bool m_processes = false;
  std::unique_ptr<cluster::Cluster> m_cluster;
  std::unique_ptr<LiveClusterSource> m_source;
};

}  // namespace qlab::ui
