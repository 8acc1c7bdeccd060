#include "ui/source/live_cluster_source.h"

namespace qlab::ui {

int LiveClusterSource::size() const { return m_cluster.size(); }
std::int64_t LiveClusterSource::nowMs() const { return m_cluster.nowMs(); }

std::vector<ViewPtr> LiveClusterSource::views() const {
  std::vector<ViewPtr> v = m_cluster.views();
  // Before start() and after stop() a cluster has no nodes: show them as dead, never null.
  for (int i = static_cast<int>(v.size()); i < m_cluster.size(); ++i) {
    auto dead = std::make_shared<node::NodeView>();
    dead->id = static_cast<NodeId>(i + 1);
    v.push_back(std::move(dead));
  }
  return v;
}

NodeId LiveClusterSource::leader() const { return m_cluster.leader(); }
Index LiveClusterSource::hwm() const { return m_cluster.hwm(); }

LinkInfo LiveClusterSource::link(NodeId from, NodeId to) const {
  const cluster::LinkState s = m_cluster.link(from, to);
  return {s.cut, s.delayMs, s.drop};
}

std::uint32_t LiveClusterSource::writeQuorum() const { return m_cluster.writeQuorum(); }
std::string LiveClusterSource::writeQuorumWarning() const { return m_cluster.writeQuorumWarning(); }
std::string LiveClusterSource::dataDir() const { return m_cluster.dataDir(); }
std::string LiveClusterSource::nodeDir(NodeId id) const { return m_cluster.nodeDir(id); }

std::vector<node::EntryView> LiveClusterSource::entries(NodeId id, Index from, Index to) const {
  return m_cluster.entries(id, from, to);
}

std::vector<cluster::RecordedEvent> LiveClusterSource::eventsSince(std::uint64_t afterSeq, std::size_t limit) const {
  return m_cluster.recorder().eventsSince(afterSeq, limit);
}

std::vector<cluster::RecordedEvent> LiveClusterSource::eventsBetween(std::int64_t fromMs, std::int64_t toMs,
                                                                     std::size_t limit) const {
  return m_cluster.recorder().eventsBetween(fromMs, toMs, limit);
}

std::vector<cluster::Operation> LiveClusterSource::operationsSince(std::int64_t afterUs) const {
  return m_cluster.recorder().operationsSince(afterUs);
}

std::vector<cluster::LogLine> LiveClusterSource::logsSince(std::uint64_t afterSeq, std::size_t limit) const {
  return m_cluster.logs().since(afterSeq, limit);
}

std::vector<cluster::Finding> LiveClusterSource::findingsFrom(std::size_t first) const {
  return m_cluster.checker().findingsFrom(first);
}

std::vector<cluster::LostWrite> LiveClusterSource::lostWrites() const {
  // The checker judges against a leader's history; without one, the last answer stands.
  if (NodeId l = m_cluster.leader(); l != kNoNode) m_lastLost = m_cluster.checker().lostWrites(l);
  return m_lastLost;
}

bool LiveClusterSource::loadRunning() const { return m_cluster.started() && m_cluster.load().running(); }
cluster::LoadOptions LiveClusterSource::loadOptions() const {
  return m_cluster.started() ? m_cluster.load().options() : cluster::LoadOptions{};
}

std::string LiveClusterSource::apply(const cluster::Fault& f) {
  if (f.kind == cluster::FaultKind::kWriteQuorum) {
    return m_cluster.setWriteQuorum(f.writeQuorum)
               ? std::string()
               : "No leader right now: the change is kept and proposed when one is elected.";
  }
  const Status s = m_cluster.apply(f);
  return s.isOk() ? std::string() : s.message();
}
bool LiveClusterSource::frozen() const { return m_cluster.frozen(); }
void LiveClusterSource::setFrozen(bool on) { on ? m_cluster.freeze() : m_cluster.thaw(); }

void LiveClusterSource::startLoad(const cluster::LoadOptions& o) {
  if (m_cluster.started()) m_cluster.load().start(o);
}
void LiveClusterSource::stopLoad() {
  // Do not block the window while in-flight requests drain: they finish or time out alone.
  if (m_cluster.started()) m_cluster.load().stop(0);
}
void LiveClusterSource::setLoadRate(double opsPerSecond) {
  if (m_cluster.started()) m_cluster.load().setRate(opsPerSecond);
}

void LiveClusterSource::submit(const std::string& key, const std::string& value,
                               std::function<void(const cluster::Operation&)> done) {
  if (!m_cluster.started()) return;
  m_cluster.load().submit(key, value, std::move(done));
}

}  // namespace qlab::ui
