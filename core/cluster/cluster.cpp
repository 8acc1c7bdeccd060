#include "core/cluster/cluster.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include <QDir>
#include <QTcpServer>
#include <QThread>
#include <QTemporaryDir>
#include <spdlog/spdlog.h>

#include "core/common/clock.h"
#include "core/remote/flush_policy_text.h"
#include "core/node/live_node.h"
#include "core/replication/quorum.h"

namespace qlab::cluster {

namespace fs = std::filesystem;

Result<std::uint32_t> parseWriteQuorum(const std::string& s, int nodes) {
  if (s == "majority") return std::uint32_t{0};
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < 1 || v > nodes)
    return Status::invalidArgument("write quorum must be \"majority\" or a number from 1 to " +
                                   std::to_string(nodes) + ", not '" + s + "'");
  return static_cast<std::uint32_t>(v);
}

std::string writeQuorumName(std::uint32_t w) { return w == 0 ? "majority" : std::to_string(w); }

Cluster::Cluster(ClusterOptions options, QObject* parent)
    : QObject(parent), m_options(std::move(options)), m_writeQuorum(m_options.writeQuorum) {
  m_clockBaseUs.store(SteadyClock::instance().nowUs());
  m_logs = std::make_unique<LogHub>();
  m_logs->setClock([this] { return nowMs(); });
  m_logs->setEcho(m_options.echoLogs);
  m_log = m_logs->loggerFor(kNoNode);
  m_checker = std::make_unique<LiveChecker>(m_options.nodes);
  m_checker->setClock([this] { return nowMs(); });
  connect(&m_poll, &QTimer::timeout, this, &Cluster::poll);
}

Cluster::~Cluster() {
  stop();
  m_inbox.close();
  if (m_ownsDataDir && !m_options.keepData && !m_dataDir.empty()) {
    std::error_code ec;
    fs::remove_all(m_dataDir, ec);
  }
}

std::int64_t Cluster::nowUs() const {
  for (;;) {
    const std::uint64_t seq = m_clockSeq.load(std::memory_order_acquire);
    if (seq & 1) continue;  // freeze() or thaw() is writing
    const std::int64_t frozenAt = m_frozenAtUs.load(std::memory_order_acquire);
    const std::int64_t base = m_clockBaseUs.load(std::memory_order_acquire);
    const std::int64_t now = frozenAt >= 0 ? frozenAt : SteadyClock::instance().nowUs() - base;
    if (m_clockSeq.load(std::memory_order_acquire) == seq) return now;
  }
}

void Cluster::freeze() {
  if (frozen() || !started()) return;
  const std::int64_t at = nowUs();
  m_clockSeq.fetch_add(1, std::memory_order_acq_rel);
  m_frozenAtUs.store(at, std::memory_order_release);
  m_clockSeq.fetch_add(1, std::memory_order_acq_rel);
  for (auto& n : m_nodes) n->setFrozen(true);
  awaitViewsSince(at / 1000, 1000);  // each node's last view, published as it froze
  clusterEvent(node::EventKind::kFreeze, kNoNode, "every node, flusher and timer stands still");
  m_log->info("cluster frozen at {} ms", at / 1000);
}

void Cluster::thaw() {
  if (!frozen()) return;
  clusterEvent(node::EventKind::kThaw, kNoNode, "going on as if no time had passed");
  const std::int64_t at = m_frozenAtUs.load();
  m_clockSeq.fetch_add(1, std::memory_order_acq_rel);
  m_clockBaseUs.store(SteadyClock::instance().nowUs() - at, std::memory_order_release);
  m_frozenAtUs.store(-1, std::memory_order_release);
  m_clockSeq.fetch_add(1, std::memory_order_acq_rel);
  for (auto& n : m_nodes) n->setFrozen(false);
  m_log->info("cluster thawed at {} ms", at / 1000);
}
std::int64_t Cluster::nowMs() const { return nowUs() / 1000; }
std::string Cluster::nodeDir(NodeId id) const { return m_dataDir + "/node-" + std::to_string(id); }

Status Cluster::start() {
  if (started()) return Status::ok();
  if (m_options.nodes < 1 || m_options.nodes > kMaxNodes)
    return Status::invalidArgument("a cluster has 1 to 9 nodes, not " + std::to_string(m_options.nodes));
  if (m_options.writeQuorum > static_cast<std::uint32_t>(m_options.nodes))
    return Status::invalidArgument("write quorum " + std::to_string(m_options.writeQuorum) + " exceeds " +
                                   std::to_string(m_options.nodes) + " nodes");
  m_dataDir = m_options.dataDir;
  if (m_dataDir.empty()) {
    QTemporaryDir tmp(QDir::tempPath() + "/quorumlab-XXXXXX");
    tmp.setAutoRemove(false);
    if (!tmp.isValid())
      return Status::ioError("cannot create a temporary data directory in " + QDir::tempPath().toStdString() +
                             ": " + tmp.errorString().toStdString() + "; pass --data DIR");
    m_dataDir = tmp.path().toStdString();
    m_ownsDataDir = true;
  }
  // Fail early, with the path, when the directory cannot be written.
  {
    std::error_code ec;
    fs::create_directories(m_dataDir, ec);
    std::string probe = m_dataDir + "/.quorumlab-write-test";
    std::ofstream out(probe);
    if (ec || !out) {
      return Status::ioError("data directory " + m_dataDir + " is not writable" +
                             (ec ? " (" + ec.message() + ")" : "") + "; choose another with --data DIR");
    }
    out.close();
    fs::remove(probe, ec);
  }
  m_recorder = std::make_unique<Recorder>(m_options.spillFiles ? m_dataDir : std::string());
  m_checker->setSink([this](const Finding& f) {
    node::NodeEvent e;
    e.tMs = f.tMs;
    e.kind = node::EventKind::kViolation;
    e.detail = f.text;
    if (!f.violation) e.kind = node::EventKind::kDiverged;
    m_recorder->record(e);
    if (f.violation) m_log->error("invariant violated: {}", f.text);
    else m_log->warn("{}", f.text);
    QString text = QString::fromStdString(f.text);
    bool violation = f.violation;
    m_inbox.post([this, text, violation] { emit finding(text, violation); });
  });

  if (Status s = prepareBackend(); !s.isOk()) return s;
  m_lives.assign(static_cast<std::size_t>(m_options.nodes) + 1, 0);
  m_lastStatus.assign(static_cast<std::size_t>(m_options.nodes) + 1, node::NodeStatus::kDead);
  for (int i = 1; i <= m_options.nodes; ++i)
    m_nodes.push_back(makeNode(nodeOptions(static_cast<NodeId>(i)), backendFor(static_cast<NodeId>(i))));
  m_log->info("cluster of {} nodes ({}) in {} (write quorum {}, flush {})", m_options.nodes,
              nodeBackendName(m_options.backend), m_dataDir, writeQuorumName(m_writeQuorum),
              wal::flushModeName(m_options.flush.mode));
  Status firstError;
  for (auto& n : m_nodes) {
    ++m_lives[n->id()];
    Status s = n->start();
    if (!s.isOk() && firstError.isOk()) firstError = s;
  }
  m_load = std::make_unique<LoadGenerator>(m_options.name, m_ports, *m_recorder, [this] { return nowUs(); }, nullptr,
                                           m_clientHosts);
  LiveChecker* checker = m_checker.get();
  if (m_options.instrument) m_load->setOnOperation([checker](const Operation& op) { checker->onOperation(op); });
  updateSafety();
  m_poll.start(100);
  // A node that cannot start is shown as failed; the others go on. Report only when none runs.
  bool anyRunning = std::any_of(m_nodes.begin(), m_nodes.end(), [](const auto& n) { return n->running(); });
  if (!anyRunning && !firstError.isOk()) return firstError;
  return Status::ok();
}

// Ports (fixed for the life of this cluster: a restarted node reuses its own) and, for node
// processes, control ports and the cluster token.
Status Cluster::prepareBackend() {
  const auto freePort = [](std::uint16_t* port) {
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
      return Status::ioError("cannot find a free TCP port on 127.0.0.1: " + probe.errorString().toStdString());
    *port = probe.serverPort();
    return Status::ok();
  };
  if (m_options.backend == NodeBackend::kAttach) {
    for (const auto& m : m_options.attachNodes) {
      m_ports[m.id] = m.address.port;
      if (m.address.host != "127.0.0.1") m_clientHosts[m.id] = m.address.host;
    }
    m_token = m_options.token;
    return Status::ok();
  }
  for (int i = 1; i <= m_options.nodes; ++i) {
    if (Status s = freePort(&m_ports[static_cast<NodeId>(i)]); !s.isOk()) return s;
    if (m_options.backend == NodeBackend::kProcesses) {
      if (Status s = freePort(&m_controlPorts[static_cast<NodeId>(i)]); !s.isOk()) return s;
    }
  }
  if (m_options.backend == NodeBackend::kProcesses) {
    if (m_options.nodeBinary.empty()) m_options.nodeBinary = thisExecutable();
    m_token = remote::newToken();
    // Created readable by its owner only: never readable by others, not even for a moment.
    const std::string file = m_dataDir + "/token";
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const std::string line = m_token + "\n";
    const bool written = fd >= 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    if (fd >= 0) ::close(fd);
    if (!written) return Status::ioError("cannot write the cluster token to " + file + ": " + std::strerror(errno));
  }
  return Status::ok();
}

BackendContext Cluster::backendFor(NodeId id) const {
  BackendContext c;
  c.backend = m_options.backend;
  c.binary = m_options.nodeBinary;
  c.token = m_token;
  c.electionTimeoutMs = m_options.electionTimeoutMs;
  if (auto it = m_controlPorts.find(id); it != m_controlPorts.end()) c.controlPort = it->second;
  for (const auto& m : m_options.attachNodes)
    if (m.id == id) c.control = m.control;
  c.logFile = nodeDir(id) + ".log";
  return c;
}

Result<ClusterOptions> attachOptions(const std::string& clusterFile) {
  auto f = remote::loadClusterFile(clusterFile);
  if (!f.isOk()) return f.status();
  auto token = remote::loadToken(f->tokenFile);
  if (!token.isOk()) return Status::invalidArgument("cluster file " + clusterFile + ": " + token.status().message());
  ClusterOptions o;
  o.backend = NodeBackend::kAttach;
  o.name = f->cluster;
  o.token = *token;
  o.nodes = static_cast<int>(f->members.size());
  for (int i = 1; i <= o.nodes; ++i)
    if (!f->member(static_cast<NodeId>(i)))
      return Status::invalidArgument("cluster file " + clusterFile + ": nodes must be numbered 1 to " +
                                     std::to_string(o.nodes) + " (node " + std::to_string(i) + " is missing)");
  o.attachNodes = f->members;
  // What the nodes were started with: the checker judges losses against it.
  if (auto p = remote::parseFlushPolicyText(f->flush); p.isOk()) o.flush = *p;
  auto w = parseWriteQuorum(f->writeQuorum, o.nodes);
  if (!w.isOk()) return Status::invalidArgument("cluster file " + clusterFile + ": " + w.status().message());
  o.writeQuorum = *w;
  return o;
}

node::NodeSpec Cluster::nodeOptions(NodeId id) const {
  node::NodeSpec o;
  o.engine.id = id;
  o.engine.voters.clear();
  for (int i = 1; i <= m_options.nodes; ++i) o.engine.voters.push_back(static_cast<NodeId>(i));
  o.engine.dataDir = nodeDir(id);
  o.engine.log.segmentBytes = m_options.segmentBytes;
  o.engine.flush = m_options.flush;
  o.engine.snapshotEvery = m_options.snapshotEvery;
  o.engine.retainEntries = m_options.retainEntries;
  o.engine.heartbeatTicks = m_options.heartbeatTicks;
  o.engine.electionTicks = std::max(m_options.heartbeatTicks + 1, m_options.electionTimeoutMs / std::max(1, m_options.tickMs));
  o.engine.seed = m_options.seed * 1000003 + id;
  o.engine.initialWriteQuorum = m_options.writeQuorum;
  o.clusterName = m_options.name;
  o.port = m_ports.at(id);
  for (const auto& [peer, port] : m_ports)
    if (peer != id) o.peerPorts[peer] = port;
  o.tickMs = m_options.tickMs;
  o.publishIntervalMs = m_options.publishIntervalMs;
  o.seed = m_options.seed + id;
  o.logger = m_logs->loggerFor(id);
  o.sink.onPublish = [this](const std::shared_ptr<const node::NodeView>& v) {
    std::lock_guard lk(m_tapMu);
    if (m_tap) m_tap->onView(v);
  };
  Recorder* rec = m_recorder.get();
  LiveChecker* chk = m_checker.get();
  if (m_options.instrument) {
    o.sink.onEvent = [rec, chk](const node::NodeEvent& e) {
      rec->record(e);
      chk->onEvent(e);
    };
    o.sink.onApplied = [chk](NodeId n, const Entry& e, bool dup) { chk->onApplied(n, e, dup); };
    o.sink.onStateReplaced = [chk](NodeId n, const replication::SnapshotMeta& m, NodeId from) {
      chk->onStateReplaced(n, m, from);
    };
    o.sink.onStarted = [chk](NodeId n, Index applied) { chk->onRestart(n, applied); };
  } else {
    // Only what is rare and needed to follow the cluster (elections, faults).
    o.sink.onEvent = [rec, chk](const node::NodeEvent& e) {
      if (e.kind == node::EventKind::kSend || e.kind == node::EventKind::kRecv || e.kind == node::EventKind::kFlush) return;
      rec->record(e);
      chk->onEvent(e);
    };
  }
  o.sink.clock = [this] { return nowMs(); };
  return o;
}

void Cluster::stop() {
  if (!started()) return;
  thaw();  // a clean shutdown flushes what is buffered, which a frozen flusher would not
  m_poll.stop();
  if (m_load) m_load->stop(0);
  const bool attached = m_options.backend == NodeBackend::kAttach;
  for (auto& n : m_nodes) {
    if (!n->running()) continue;
    n->resume();
    if (attached) continue;  // nodes that run elsewhere go on running: we only let go of them
    n->flushNow();  // a clean shutdown keeps what was buffered; kill() is the power loss
    n->kill(node::KillKind::kPowerLoss);  // after the flush: nothing is left to lose
  }
  m_load.reset();
  m_nodes.clear();
  m_log->info(attached ? "detached from the cluster (its nodes go on)" : "cluster stopped");
}

void Cluster::clusterEvent(node::EventKind kind, NodeId node, std::string detail, Index a, Index b) {
  node::NodeEvent e;
  e.tMs = nowMs();
  e.node = node;
  e.kind = kind;
  e.a = a;
  e.b = b;
  e.detail = std::move(detail);
  if (m_recorder) m_recorder->record(e);
}

// ---------------------------------------------------------------------------------------
// State

std::vector<std::shared_ptr<const node::NodeView>> Cluster::views() const {
  std::vector<std::shared_ptr<const node::NodeView>> out;
  out.reserve(m_nodes.size());
  for (const auto& n : m_nodes) out.push_back(n->view());
  return out;
}

std::shared_ptr<const node::NodeView> Cluster::view(NodeId id) const {
  if (id < 1 || id > m_nodes.size()) return nullptr;
  return m_nodes[id - 1]->view();
}

NodeId leaderOf(const std::vector<std::shared_ptr<const node::NodeView>>& views) {
  NodeId best = kNoNode;
  Generation g = 0;
  for (const auto& v : views) {
    if (!v || v->status != node::NodeStatus::kRunning || v->role != replication::Role::kLeader) continue;
    if (best == kNoNode || v->generation > g) {
      best = v->id;
      g = v->generation;
    }
  }
  return best;
}

Index hwmOf(const std::vector<std::shared_ptr<const node::NodeView>>& views) {
  const NodeId l = leaderOf(views);
  Index h = 0;
  for (const auto& v : views) {
    if (!v) continue;
    if (v->id == l) return v->hwm;
    h = std::max(h, v->hwm);
  }
  return h;
}

NodeId Cluster::leader() const { return leaderOf(views()); }
Index Cluster::hwm() const { return hwmOf(views()); }

void Cluster::setTap(RunTap* tap) {
  m_recorder->setTap(tap);
  {
    std::lock_guard lk(m_tapMu);
    m_tap = tap;
  }
  // The new listener starts from every node's current picture, in order with its publishes.
  if (tap)
    for (const auto& n : m_nodes) n->tapView();
}

std::vector<node::EntryView> Cluster::entries(NodeId id, Index from, Index to) const {
  if (id < 1 || id > m_nodes.size()) return {};
  return m_nodes[id - 1]->entries(from, to);
}

std::uint16_t Cluster::port(NodeId id) const {
  auto it = m_ports.find(id);
  return it == m_ports.end() ? 0 : it->second;
}

bool Cluster::caughtUp() const {
  NodeId l = leader();
  if (l == kNoNode) return false;
  auto lv = view(l);
  if (lv->hwm != lv->lastIndex) return false;
  for (const auto& v : views()) {
    if (v->status != node::NodeStatus::kRunning) return false;
    if (v->hwm < lv->hwm || v->applied < lv->hwm || v->lastIndex < lv->hwm) return false;
  }
  return true;
}

bool Cluster::viewsFresh(std::int64_t sinceMs) const {
  for (const auto& v : views())
    if (v->status == node::NodeStatus::kRunning && v->publishedMs < sinceMs) return false;
  return true;
}

bool Cluster::awaitFreshViews(int timeoutMs) const {
  // Frozen, no node publishes: the views are the ones each node published as it froze.
  if (frozen()) return true;
  return awaitViewsSince(nowMs(), timeoutMs);
}

bool Cluster::awaitViewsSince(std::int64_t sinceMs, int timeoutMs) const {
  // The timeout runs on the wall clock: the cluster clock may stop (freeze) meanwhile.
  const std::int64_t deadlineUs = SteadyClock::instance().nowUs() + static_cast<std::int64_t>(timeoutMs) * 1000;
  while (!viewsFresh(sinceMs)) {
    if (SteadyClock::instance().nowUs() > deadlineUs) return false;
    QThread::msleep(2);
  }
  return true;
}

void Cluster::updateSafety() {
  bool safe = m_writeQuorum == 0 ||
              static_cast<int>(m_writeQuorum) >= replication::majority(m_options.nodes);
  for (const auto& n : m_nodes) {
    auto m = n->flushPolicy().mode;
    if (m != wal::FlushMode::kAlways && m != wal::FlushMode::kGroup) safe = false;
  }
  if (m_nodes.empty()) {
    auto m = m_options.flush.mode;
    if (m != wal::FlushMode::kAlways && m != wal::FlushMode::kGroup) safe = false;
  }
  m_checker->setSafe(safe);
}

void Cluster::poll() {
  for (const auto& n : m_nodes) {
    auto v = n->view();
    NodeId id = n->id();
    if (v->status == node::NodeStatus::kRunning) m_checker->onHwm(id, m_lives[id], v->hwm);
    if (v->status != m_lastStatus[id]) {
      m_lastStatus[id] = v->status;
      emit nodeStatusChanged(id);
    }
  }
  if (m_pendingWriteQuorum && leader() != kNoNode) setWriteQuorum(*m_pendingWriteQuorum);
  NodeId l = leader();
  if (l != kNoNode) {
    for (const auto& lw : m_checker->checkNewlyLost(l))
      clusterEvent(node::EventKind::kLostWrite, l, lw.key + "=" + lw.value, lw.index, lw.client);
  }
}

}  // namespace qlab::cluster
