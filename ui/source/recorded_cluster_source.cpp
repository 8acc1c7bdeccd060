#include "ui/source/recorded_cluster_source.h"

namespace qlab::ui {

void RecordedClusterSource::setCursorUs(std::int64_t tUs) {
  m_cursorUs = tUs;
  m_state = m_reader.stateAt(tUs);
}

LinkInfo RecordedClusterSource::link(NodeId from, NodeId to) const {
  const auto n = static_cast<NodeId>(m_state.cluster.nodes);
  if (from < 1 || to < 1 || from > n || to > n) return {};
  const cluster::LinkState& l = m_state.cluster.links[(from - 1) * n + (to - 1)];
  return {l.cut, l.delayMs, l.drop};
}

std::string RecordedClusterSource::dataDir() const {
  return m_reader.header().value("data_dir").toString().toStdString();
}

std::string RecordedClusterSource::nodeDir(NodeId id) const {
  const std::string d = dataDir();
  return d.empty() ? d : d + "/node-" + std::to_string(id);
}

std::vector<node::EntryView> RecordedClusterSource::entries(NodeId id, Index from, Index to) const {
  return m_reader.entries(id, from, to, m_cursorUs);
}

std::vector<cluster::RecordedEvent> RecordedClusterSource::eventsSince(std::uint64_t afterSeq, std::size_t limit) const {
  return m_reader.eventsUpTo(afterSeq, m_cursorUs, limit);
}

std::vector<cluster::RecordedEvent> RecordedClusterSource::eventsBetween(std::int64_t fromMs, std::int64_t toMs,
                                                                         std::size_t limit) const {
  return m_reader.eventsBetween(fromMs, std::min(toMs, m_cursorUs / 1000), limit);
}

std::vector<cluster::Operation> RecordedClusterSource::operationsSince(std::int64_t afterUs) const {
  return m_reader.operationsUpTo(afterUs, m_cursorUs, m_cursorUs - kOperationsBackUs);
}

std::vector<cluster::LogLine> RecordedClusterSource::logsSince(std::uint64_t afterSeq, std::size_t limit) const {
  return m_reader.logsUpTo(afterSeq, m_cursorUs, limit);
}

std::vector<cluster::Finding> RecordedClusterSource::findingsFrom(std::size_t first) const {
  std::vector<cluster::Finding> out;
  const auto& all = m_reader.findings();
  for (std::size_t i = first; i < all.size() && all[i].tMs * 1000 <= m_cursorUs; ++i) out.push_back(all[i]);
  return out;
}

std::vector<cluster::LostWrite> RecordedClusterSource::lostWrites() const {
  // The live checker's lost-write events up to the cursor (index, client, key=value).
  std::vector<cluster::LostWrite> out;
  for (const auto& m : m_reader.markers()) {
    if (m.kind != node::EventKind::kLostWrite || m.tUs > m_cursorUs) continue;
    cluster::LostWrite w;
    w.index = m.a;
    w.client = m.b;
    const auto eq = m.detail.find('=');
    w.key = m.detail.substr(0, eq);
    if (eq != std::string::npos) w.value = m.detail.substr(eq + 1);
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace qlab::ui
