#pragma once
// LiveClusterSource: ClusterSource and ClusterControl over a real cluster::Cluster. Thin: it
// forwards, converts, and remembers the last lost-write answer (asking the checker needs a
// leader). Lives on the GUI thread with the Cluster.
#include "core/cluster/cluster.h"
#include "ui/source/cluster_source.h"

namespace qlab::ui {

class LiveClusterSource : public ClusterSource, public ClusterControl {
 public:
  explicit LiveClusterSource(cluster::Cluster& cluster) : m_cluster(cluster) {}
  cluster::Cluster& cluster() const { return m_cluster; }

  // ClusterSource
  int size() const override;
  std::int64_t nowMs() const override;
  std::vector<ViewPtr> views() const override;
  NodeId leader() const override;
  Index hwm() const override;
  LinkInfo link(NodeId from, NodeId to) const override;
  std::uint32_t writeQuorum() const override;
  std::string writeQuorumWarning() const override;
  std::string dataDir() const override;
  std::string nodeDir(NodeId id) const override;
  std::vector<node::EntryView> entries(NodeId id, Index from, Index to) const override;
  std::vector<cluster::RecordedEvent> eventsSince(std::uint64_t afterSeq, std::size_t limit) const override;
  std::vector<cluster::RecordedEvent> eventsBetween(std::int64_t fromMs, std::int64_t toMs,
                                                    std::size_t limit) const override;
  std::vector<cluster::Operation> operationsSince(std::int64_t afterUs) const override;
  std::vector<cluster::LogLine> logsSince(std::uint64_t afterSeq, std::size_t limit) const override;
  std::vector<cluster::Finding> findingsFrom(std::size_t first) const override;
  std::vector<cluster::LostWrite> lostWrites() const override;
  bool loadRunning() const override;
  bool frozen() const override;
  cluster::LoadOptions loadOptions() const override;

  // ClusterControl
  std::string apply(const cluster::Fault& f) override;
  void setFrozen(bool on) override;
  void startLoad(const cluster::LoadOptions& o) override;
  void stopLoad() override;
  void setLoadRate(double opsPerSecond) override;
  void submit(const std::string& key, const std::string& value,
              std::function<void(const cluster::Operation&)> done) override;

 private:
  cluster::Cluster& m_cluster;
  mutable std::vector<cluster::LostWrite> m_lastLost;
};

}  // namespace qlab::ui
