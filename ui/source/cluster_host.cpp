#include "ui/source/cluster_host.h"

namespace qlab::ui {

ClusterHost::ClusterHost(QObject* parent) : QObject(parent) {}

ClusterHost::~ClusterHost() { stop(); }

void ClusterHost::stop() {
  if (!m_cluster) return;
  emit aboutToChange();
  m_source.reset();
  m_cluster.reset();  // stops load and nodes (buffers flushed, like a clean shutdown)
}

Status ClusterHost::start(const cluster::ClusterOptions& options, const cluster::LoadOptions* load) {
  stop();
  m_options = options;
  if (m_processes && m_options.backend == cluster::NodeBackend::kThreads)
    m_options.backend = cluster::NodeBackend::kProcesses;
  auto c = std::make_unique<cluster::Cluster>(m_options);
  if (Status s = c->start(); !s.isOk()) return s;
  m_cluster = std::move(c);
  m_source = std::make_unique<LiveClusterSource>(*m_cluster);
  if (load) m_cluster->load().start(*load);
  emit clusterChanged();
  return Status::ok();
}

Status ClusterHost::reset(int nodes, const wal::FlushPolicy& policy, int electionTimeoutMs) {
  if (m_options.backend == cluster::NodeBackend::kAttach)
    return Status::invalidArgument("this cluster runs elsewhere (attached): it cannot be reset from here");
  cluster::ClusterOptions o = m_options;
  o.nodes = std::clamp(nodes, 1, kMaxNodes);
  o.flush = policy;
  if (electionTimeoutMs > 0)
    o.electionTimeoutMs = std::clamp(electionTimeoutMs, cluster::kMinElectionTimeoutMs, cluster::kMaxElectionTimeoutMs);
  o.dataDir.clear();  // always a fresh directory: the old one stays on disk for inspection
  if (o.writeQuorum > static_cast<std::uint32_t>(o.nodes)) o.writeQuorum = 0;
  std::optional<cluster::LoadOptions> load;
  if (m_cluster && m_cluster->started() && m_cluster->load().running()) load = m_cluster->load().options();
  return start(o, load ? &*load : nullptr);
}

}  // namespace qlab::ui
