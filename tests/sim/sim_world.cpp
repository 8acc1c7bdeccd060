// SimWorld: construction, the virtual clock's event queue and the trace.
#include "sim_world_internal.h"

namespace qlab::sim {

std::string SimConfig::describe() const {
  std::ostringstream s;
  s << "seed=" << seed << " nodes=" << nodes << " policy=" << modeName(policy)
    << " W=" << (writeQuorum == 0 ? std::string("majority") : std::to_string(writeQuorum))
    << (changeQuorum ? " (W changes)" : "") << (changePolicies ? " (policy changes)" : "");
  return s.str();
}

// ---------------------------------------------------------------------------------------

SimWorld::SimWorld(SimConfig config) : m_config(config), m_rng(config.seed) {
  m_verbose = std::getenv("QLAB_SIM_VERBOSE") != nullptr;
  m_trace.resize(kTraceLines);
  for (int i = 1; i <= m_config.nodes; ++i) {
    auto n = std::make_unique<Node>();
    n->world = this;
    n->id = static_cast<NodeId>(i);
    n->fs = std::make_unique<wal::FaultFileSystem>(n->mem, config.seed * 31 + static_cast<std::uint64_t>(i));
    n->policy = {config.policy, config.delayMs};
    m_nodes.push_back(std::move(n));
  }
  for (int i = 1; i <= m_config.nodes; ++i) restart(static_cast<NodeId>(i));
}

SimWorld::~SimWorld() = default;

node::EngineOptions SimWorld::optionsFor(NodeId id) const {
  node::EngineOptions o;
  o.id = id;
  o.voters.clear();
  for (int i = 1; i <= m_config.nodes; ++i) o.voters.push_back(static_cast<NodeId>(i));
  o.dataDir = "/node-" + std::to_string(id);
  o.log.segmentBytes = m_config.segmentBytes;
  o.log.sparseIndexEveryBytes = 512;
  o.flush = m_nodes[id - 1]->policy;
  o.snapshotEvery = m_config.snapshotEvery;
  o.retainEntries = 0;
  o.heartbeatTicks = 5;
  o.electionTicks = 30;
  o.seed = m_config.seed;
  o.initialWriteQuorum = m_config.writeQuorum;
  o.recentEntries = 8;
  return o;
}

void SimWorld::schedule(std::int64_t delayUs, std::function<void()> fn) {
  m_queue.push(Event{m_clock.nowUs() + std::max<std::int64_t>(0, delayUs), m_seq++, std::move(fn)});
}

bool SimWorld::step() {
  if (m_queue.empty()) return false;
  Event e = m_queue.top();
  m_queue.pop();
  if (e.atUs > m_clock.nowUs()) m_clock.setUs(e.atUs);
  e.fn();
  ++m_events;
  checkAfterEvent();
  return true;
}

void SimWorld::runFor(std::int64_t ms) {
  std::int64_t until = m_clock.nowUs() + ms * 1000;
  while (!m_queue.empty() && m_queue.top().atUs <= until) step();
  m_clock.setUs(std::max(m_clock.nowUs(), until));
}

bool SimWorld::runUntil(const std::function<bool()>& pred, std::int64_t timeoutMs) {
  std::int64_t until = m_clock.nowUs() + timeoutMs * 1000;
  while (!pred()) {
    if (m_queue.empty() || m_queue.top().atUs > until) {
      m_clock.setUs(std::max(m_clock.nowUs(), until));
      return pred();
    }
    step();
  }
  return true;
}

void SimWorld::trace(const std::string& line) {
  m_trace[m_traceNext++ % kTraceLines] = std::to_string(m_clock.nowMs()) + "ms " + line;
  if (m_verbose) std::fprintf(stderr, "%lldms %s\n", static_cast<long long>(m_clock.nowMs()), line.c_str());
}


}  // namespace qlab::sim
