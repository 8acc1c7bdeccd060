#pragma once
// RecordedClusterSource: the ClusterSource of a recording at a cursor. Every answer is what
// the recording holds at or before the cursor, so the explorer's views, which only read a
// ClusterSource, show the past without knowing it: pictures, links and W from the state at
// the cursor; events, log lines and operations up to it (the newest ones when a view asks for
// everything); findings and lost writes known by then.
#include <memory>

#include "core/recording/run_reader.h"
#include "ui/source/cluster_source.h"

namespace qlab::ui {

class RecordedClusterSource : public ClusterSource {
 public:
  explicit RecordedClusterSource(recording::RunReader& reader) : m_reader(reader) {}

  void setCursorUs(std::int64_t tUs);
  std::int64_t cursorUs() const { return m_cursorUs; }
  recording::RunReader& reader() const { return m_reader; }
  const recording::RunState& state() const { return m_state; }

  int size() const override { return m_reader.nodes(); }
  std::int64_t nowMs() const override { return m_cursorUs / 1000; }
  std::vector<ViewPtr> views() const override { return m_state.views; }
  NodeId leader() const override { return m_state.leader(); }
  Index hwm() const override { return m_state.hwm(); }
  LinkInfo link(NodeId from, NodeId to) const override;
  std::uint32_t writeQuorum() const override { return m_state.cluster.writeQuorum; }
  std::string writeQuorumWarning() const override { return m_state.cluster.writeQuorumWarning; }
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
  bool loadRunning() const override { return m_state.cluster.loadRunning; }
  cluster::LoadOptions loadOptions() const override { return m_state.cluster.load; }
  bool frozen() const override { return m_state.cluster.frozen; }

  // How far back a view that asks for "everything so far" gets operations (the charts' span).
  static constexpr std::int64_t kOperationsBackUs = 120'000'000;

 private:
  recording::RunReader& m_reader;
  std::int64_t m_cursorUs = 0;
  recording::RunState m_state;
};

}  // namespace qlab::ui
