#pragma once
// RunRecorder: records a live Cluster into a .qlabrun file for as long as it exists. It taps
// the cluster (every node picture as published, every event and client operation, in order)
// and, on the cluster's thread about 30 times a second, samples what only the cluster knows
// (links, write quorum, load, freeze) plus the log lines and findings since the last sample.
// All of it goes to a RunWriter, which writes on its own thread.
//
//   auto rec = RunRecorder::start(cluster, "run.qlabrun", config);   // after cluster.start()
//   ...
//   rec->markMoment("write c2-17 acknowledged");
//   rec->stop();                                                      // or destroy it
#include <memory>
#include <string>

#include <QJsonObject>
#include <QObject>
#include <QTimer>

#include "core/cluster/cluster.h"
#include "core/recording/run_writer.h"

namespace qlab::recording {

class RunRecorder : public QObject, public cluster::RunTap {
  Q_OBJECT
 public:
  // `config` = the scenario's top-level keys or the GUI's settings (kept in the header).
  static Result<std::unique_ptr<RunRecorder>> start(cluster::Cluster& cluster, const std::string& path,
                                                    const QJsonObject& config = {});
  ~RunRecorder() override;

  // Detaches from the cluster and closes the file (an end record, synced). Idempotent.
  Status stop();
  // A named moment at the current cluster time (a lesson's "look here").
  void markMoment(const std::string& name);
  // Everything so far handed to the kernel: a reader of the file sees it.
  void flush();
  void sampleNow();  // the cluster-thread sample, at once (tests)

  const std::string& path() const { return m_writer->path(); }
  Status status() const { return m_writer->status(); }
  WriterStats stats() const { return m_writer->stats(); }
  // The cluster state as recorded (what `sampleNow` compares against).
  static ClusterState stateOf(cluster::Cluster& cluster);

  // RunTap (from node and client threads)
  void onView(const std::shared_ptr<const node::NodeView>& view) override;
  void onEvent(const cluster::RecordedEvent& e) override;
  void onOperation(const cluster::Operation& op) override;

 private:
  RunRecorder(cluster::Cluster& cluster, std::unique_ptr<RunWriter> writer);

  cluster::Cluster& m_cluster;
  std::unique_ptr<RunWriter> m_writer;
  QTimer m_timer;
  ClusterState m_lastState;
  bool m_haveState = false;
  std::uint64_t m_logSeq = 0;
  std::uint64_t m_findings = 0;  // absolute position in the checker's findings
  bool m_attached = false;
};

}  // namespace qlab::recording
