#include "sim_world.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <sstream>

#include "core/kv/command.h"
#include "core/kv/kv_store.h"

namespace qlab::sim {

using cluster::OpKind;
using cluster::OpResult;
using cluster::Operation;
using node::EventKind;

namespace {
constexpr std::int64_t kTickUs = 10'000;          // one protocol tick = 10 ms virtual
constexpr std::int64_t kAttemptTimeoutUs = 300'000;
constexpr std::int64_t kClientDeadlineUs = 4'000'000;
constexpr std::size_t kTraceLines = 60;

const char* modeName(wal::FlushMode m) { return wal::flushModeName(m); }
}  // namespace

std::string SimConfig::describe() const {
  std::ostringstream s;
  s << "seed=" << seed << " nodes=" << nodes << " policy=" << modeName(policy)
    << " W=" << (writeQuorum == 0 ? std::string("majority") : std::to_string(writeQuorum))
    << (changeQuorum ? " (W changes)" : "") << (changePolicies ? " (policy changes)" : "");
  return s.str();
}

// ---------------------------------------------------------------------------------------
// One simulated node: the real engine over a fault-injecting in-memory disk.

struct SimWorld::Node final : node::EngineHost {
  SimWorld* world = nullptr;
  NodeId id = 0;
  wal::MemFileSystem mem;
  std::unique_ptr<wal::FaultFileSystem> fs;
  std::unique_ptr<node::NodeEngine> engine;
  bool alive = false;
  bool paused = false;
  int incarnation = 0;
  std::deque<std::function<void()>> deferred;  // work that arrived while paused
  bool groupFlushScheduled = false;
  bool delayedArmed = false;
  wal::FlushPolicy policy;
  int dropResponses = 0;
  Index lastHwm = 0;
  // What this node's state machine has applied, in order (index, entry): exact, so the
  // final lost-write check does not depend on compaction.
  std::vector<Entry> appliedLog;

  void sendMessage(const replication::Message& m) override { world->sendFromNode(id, m); }
  void sendClientResponse(std::uint64_t conn, const kv::ClientResponse& r) override {
    if (dropResponses > 0) {
      --dropResponses;
      world->trace("n" + std::to_string(id) + " dropped response to client " + std::to_string(conn));
      return;
    }
    std::int64_t delay = world->m_rng.range(200, world->m_config.maxDelayMs * 1000);
    world->schedule(delay, [w = world, conn, r] { w->clientResponse(conn, r); });
  }
  void emitEvent(node::NodeEvent e) override { world->nodeEvent(e); }
  std::int64_t nowMs() const override { return world->m_clock.nowMs(); }
  void logAppended(const wal::FlushPolicy& p) override {
    if (p.mode == wal::FlushMode::kGroup) scheduleGroupFlush();
    if (p.mode == wal::FlushMode::kDelayed) armDelayed();
  }
  void flushPolicyChanged(const wal::FlushPolicy& p) override {
    policy = p;
    if (p.mode == wal::FlushMode::kDelayed) armDelayed();
    if (p.mode == wal::FlushMode::kGroup) scheduleGroupFlush();
  }
  void applied(const Entry& e, bool) override {
    appliedLog.push_back(e);
    world->checkApplied(id, e);
  }
  void stateReplaced(const replication::SnapshotMeta& meta, NodeId from) override {
    // The snapshot is the sender's state at meta.index: copy what it had applied up to there.
    appliedLog.clear();
    if (from >= 1 && from <= world->m_nodes.size()) {
      for (const Entry& e : world->m_nodes[from - 1]->appliedLog)
        if (e.index <= meta.index) appliedLog.push_back(e);
    }
    lastHwm = meta.index;
  }

  // Runs `fn` now, or after resume if paused; nothing if this life ended.
  void run(int life, std::function<void()> fn) {
    if (!alive || incarnation != life) return;
    if (paused) {
      deferred.push_back(std::move(fn));
      return;
    }
    fn();
  }

  void scheduleGroupFlush() {
    if (groupFlushScheduled) return;
    groupFlushScheduled = true;
    int life = incarnation;
    world->schedule(world->m_rng.range(300, 3000), [this, life] {
      run(life, [this] {
        groupFlushScheduled = false;
        if (!engine || engine->failed()) return;
        (void)engine->log().flush();
        engine->onLogDurable();
        if (policy.mode == wal::FlushMode::kGroup && engine->log().bufferedBytes() > 0) scheduleGroupFlush();
      });
    });
  }
  void armDelayed() {
    if (delayedArmed) return;
    delayedArmed = true;
    int life = incarnation;
    world->schedule(std::max<std::int64_t>(1, policy.delayMs) * 1000, [this, life] {
      if (incarnation != life) return;
      delayedArmed = false;
      run(life, [this] {
        if (!engine || engine->failed()) return;
        if (engine->log().bufferedBytes() > 0) {
          (void)engine->log().flush();
          engine->onLogDurable();
        }
      });
      if (alive && policy.mode == wal::FlushMode::kDelayed) armDelayed();
    });
  }
  void tickLoop(int life) {
    world->schedule(kTickUs, [this, life] {
      if (!alive || incarnation != life) return;
      if (!paused && engine && !engine->failed()) {
        engine->tick();
        engine->endOfTurn();
      }
      tickLoop(life);
    });
  }
};

struct SimWorld::Client {
  std::uint64_t id = 0;
  std::uint64_t seq = 0;
  bool busy = false;
  bool background = false;
  Operation op;
  NodeId target = 1;
  int attempt = 0;
  std::int64_t deadlineUs = 0;
  std::function<void(const Operation&)> onDone;
};

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

// ---------------------------------------------------------------------------------------
// Faults

void SimWorld::crash(NodeId id, wal::PowerLossMode mode) {
  Node& n = *m_nodes[id - 1];
  if (!n.alive) return;
  trace("crash n" + std::to_string(id) + " mode " + std::to_string(static_cast<int>(mode)));
  n.engine.reset();  // the buffer dies with the process
  n.fs->powerLoss(mode);
  n.alive = false;
  n.paused = false;
  n.deferred.clear();
  ++n.incarnation;
  ++m_crashes;
}

void SimWorld::restart(NodeId id) {
  Node& n = *m_nodes[id - 1];
  if (n.alive && n.engine && !n.engine->failed()) return;
  if (n.alive) crash(id, wal::PowerLossMode::kDropUnsynced);
  ++n.incarnation;
  n.groupFlushScheduled = false;
  n.delayedArmed = false;
  auto e = node::NodeEngine::open(optionsFor(id), *n.fs, n);
  if (!e.isOk()) {
    if (e.status().code() == Status::Code::kCorruption) {
      m_violations.push_back("node " + std::to_string(id) + " could not recover: " + e.status().toString());
      return;
    }
    // An I/O error while starting (an injected fsync failure): the node refuses to start,
    // as it should; its operator tries again a little later.
    trace("n" + std::to_string(id) + " refused to start: " + e.status().toString());
    schedule(500'000, [this, id] { restart(id); });
    return;
  }
  n.engine = std::move(e.value());
  n.alive = true;
  n.paused = false;
  n.lastHwm = n.engine->core().hwm();
  // Restarted from its own snapshot: what it had applied up to there stands.
  Index snap = n.engine->kv().appliedIndex();
  while (!n.appliedLog.empty() && n.appliedLog.back().index > snap) n.appliedLog.pop_back();
  n.tickLoop(n.incarnation);
  if (n.policy.mode == wal::FlushMode::kDelayed) n.armDelayed();
  ++m_restarts;
  trace("restart n" + std::to_string(id) + " at hwm " + std::to_string(n.lastHwm));
}

void SimWorld::pause(NodeId id) {
  Node& n = *m_nodes[id - 1];
  if (!n.alive || n.paused) return;
  n.paused = true;
  trace("pause n" + std::to_string(id));
}

void SimWorld::resume(NodeId id) {
  Node& n = *m_nodes[id - 1];
  if (!n.alive || !n.paused) return;
  n.paused = false;
  trace("resume n" + std::to_string(id));
  auto work = std::move(n.deferred);
  n.deferred.clear();
  int life = n.incarnation;
  for (auto& fn : work) n.run(life, std::move(fn));
}

void SimWorld::cut(NodeId from, NodeId to) { m_cut.insert({from, to}); }

void SimWorld::partition(const std::vector<std::vector<NodeId>>& groups) {
  m_cut.clear();
  std::map<NodeId, int> groupOf;
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (NodeId id : groups[g]) groupOf[id] = static_cast<int>(g);
  for (int a = 1; a <= m_config.nodes; ++a)
    for (int b = 1; b <= m_config.nodes; ++b) {
      auto ia = groupOf.find(static_cast<NodeId>(a));
      auto ib = groupOf.find(static_cast<NodeId>(b));
      int ga = ia == groupOf.end() ? -1 - a : ia->second;
      int gb = ib == groupOf.end() ? -1 - b : ib->second;
      if (a != b && ga != gb) m_cut.insert({static_cast<NodeId>(a), static_cast<NodeId>(b)});
    }
  trace("partition into " + std::to_string(groups.size()) + " groups");
}

void SimWorld::heal() {
  m_cut.clear();
  trace("heal");
}

void SimWorld::setPolicy(NodeId id, wal::FlushPolicy p) {
  Node& n = *m_nodes[id - 1];
  n.policy = p;
  if (!n.alive) return;
  n.run(n.incarnation, [&n, p] {
    if (n.engine) n.engine->setFlushPolicy(p);
  });
  trace("n" + std::to_string(id) + " flush policy " + modeName(p.mode));
}

void SimWorld::proposeWriteQuorum(std::uint32_t w) {
  NodeId l = leader();
  if (l == kNoNode) return;
  Node& n = *m_nodes[l - 1];
  n.run(n.incarnation, [&n, w] {
    if (n.engine) n.engine->proposeWriteQuorum(w);
  });
  trace("propose W=" + std::to_string(w) + " at n" + std::to_string(l));
}

void SimWorld::dropNextResponses(NodeId id, int count) { m_nodes[id - 1]->dropResponses += count; }

// After the fault phase an operator keeps restarting nodes that failed (a late fsync error).
void SimWorld::operatorRound() {
  for (auto& nd : m_nodes)
    if (nd->alive && nd->engine && nd->engine->failed()) restart(nd->id);
  schedule(300'000, [this] { operatorRound(); });
}

void SimWorld::faultRound() {
  if (!m_faultsOn) return;
  int n = m_config.nodes;
  NodeId victim = static_cast<NodeId>(m_rng.range(1, n));
  int roll = static_cast<int>(m_rng.uniform(100));
  if (roll < 18) {
    auto mode = static_cast<wal::PowerLossMode>(m_rng.uniform(3));
    crash(victim, mode);
    schedule(m_rng.range(200, 2000) * 1000, [this, victim] { restart(victim); });
  } else if (roll < 28) {
    pause(victim);
    schedule(m_rng.range(100, 1500) * 1000, [this, victim] { resume(victim); });
  } else if (roll < 42) {
    std::vector<NodeId> all;
    for (int i = 1; i <= n; ++i) all.push_back(static_cast<NodeId>(i));
    for (std::size_t i = all.size(); i > 1; --i) std::swap(all[i - 1], all[m_rng.uniform(i)]);
    std::size_t split = 1 + m_rng.uniform(static_cast<std::uint64_t>(n - 1));
    partition({std::vector<NodeId>(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(split)),
               std::vector<NodeId>(all.begin() + static_cast<std::ptrdiff_t>(split), all.end())});
    schedule(m_rng.range(300, 2500) * 1000, [this] { heal(); });
  } else if (roll < 50) {
    NodeId other = static_cast<NodeId>(m_rng.range(1, n));
    if (other != victim) {
      cut(victim, other);
      trace("cut n" + std::to_string(victim) + " -> n" + std::to_string(other));
      schedule(m_rng.range(300, 2500) * 1000, [this] { heal(); });
    }
  } else if (roll < 60 && m_config.changePolicies) {
    std::vector<wal::FlushMode> modes = {wal::FlushMode::kAlways, wal::FlushMode::kGroup};
    if (!m_config.safe() || m_config.policy == wal::FlushMode::kDelayed ||
        m_config.policy == wal::FlushMode::kManual) {
      modes.push_back(wal::FlushMode::kDelayed);
      modes.push_back(wal::FlushMode::kManual);
    }
    if (m_config.safe()) modes = {wal::FlushMode::kAlways, wal::FlushMode::kGroup};
    setPolicy(victim, {modes[m_rng.uniform(modes.size())], m_rng.range(5, 80)});
  } else if (roll < 66 && m_config.changeQuorum) {
    proposeWriteQuorum(static_cast<std::uint32_t>(m_rng.range(0, n)));
  } else if (roll < 72) {
    dropNextResponses(victim, static_cast<int>(m_rng.range(1, 3)));
  } else if (roll < 78) {
    Node& nd = *m_nodes[victim - 1];
    nd.run(nd.incarnation, [&nd] {
      if (nd.engine) nd.engine->flushNow();
    });
  } else if (roll < 80 && m_config.fsyncErrorRate > 0 && m_rng.chance(m_config.fsyncErrorRate)) {
    m_nodes[victim - 1]->fs->failNextSyncs(1);
    trace("n" + std::to_string(victim) + " next fsync fails");
  }
  // A failed node (fsync error) is restarted by its operator a little later.
  for (auto& nd : m_nodes) {
    if (nd->alive && nd->engine && nd->engine->failed()) {
      NodeId id = nd->id;
      schedule(m_rng.range(200, 1000) * 1000, [this, id] { restart(id); });
    }
  }
  schedule(m_rng.range(150, 500) * 1000, [this] { faultRound(); });
}

// ---------------------------------------------------------------------------------------
// Network

void SimWorld::sendFromNode(NodeId from, const replication::Message& m) {
  if (m_verbose) trace("n" + std::to_string(from) + " -> n" + std::to_string(m.to) + " " + replication::describe(m));
  if (m_cut.count({from, m.to})) return;
  if (m_rng.chance(m_config.dropRate)) return;
  std::string bytes = replication::encodeMessage(m);
  int copies = m_rng.chance(m_config.duplicateRate) ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    std::int64_t delay = m_rng.range(100, m_config.maxDelayMs * 1000);
    NodeId to = m.to;
    schedule(delay, [this, to, bytes] { deliver(to, bytes); });
  }
}

void SimWorld::deliver(NodeId to, std::string bytes) {
  if (to < 1 || to > m_nodes.size()) return;
  Node& n = *m_nodes[to - 1];
  n.run(n.incarnation, [this, &n, bytes = std::move(bytes)] {
    auto m = replication::decodeMessage(bytes);
    if (!m.isOk()) {
      m_violations.push_back("a message did not decode: " + m.status().toString());
      return;
    }
    if (!n.engine) return;
    n.engine->receive(*m);
    n.engine->endOfTurn();
  });
}

// ---------------------------------------------------------------------------------------
// Clients

void SimWorld::startLoad() {
  m_loadOn = true;
  for (int i = 1; i <= m_config.clients; ++i) {
    auto c = std::make_unique<Client>();
    c->id = static_cast<std::uint64_t>(i);
    c->background = true;
    c->target = static_cast<NodeId>(m_rng.range(1, m_config.nodes));
    Client* raw = c.get();
    m_clients.push_back(std::move(c));
    schedule(m_rng.range(0, 20'000), [this, raw] { clientNext(*raw); });
  }
}

void SimWorld::stopLoad() { m_loadOn = false; }

void SimWorld::clientNext(Client& c) {
  if (!m_loadOn || c.busy) return;
  c.busy = true;
  c.seq++;
  c.attempt = 0;
  c.op = Operation{};
  c.op.client = c.id;
  c.op.seq = c.seq;
  c.op.key = "k" + std::to_string(m_rng.uniform(static_cast<std::uint64_t>(m_config.keys)));
  if (m_rng.chance(0.65)) {
    c.op.kind = OpKind::kWrite;
    c.op.value = "c" + std::to_string(c.id) + "-" + std::to_string(c.seq);
  } else {
    c.op.kind = OpKind::kRead;
  }
  c.op.invokeUs = m_clock.nowUs();
  c.deadlineUs = m_clock.nowUs() + kClientDeadlineUs;
  clientSend(c);
}

void SimWorld::clientSend(Client& c) {
  c.attempt++;
  c.op.attempts = c.attempt;
  kv::ClientRequest rq;
  rq.client = c.id;
  rq.seq = c.seq;
  rq.op = c.op.kind == OpKind::kWrite ? kv::ClientOp::kWrite : kv::ClientOp::kRead;
  rq.key = c.op.key;
  rq.value = c.op.value;
  NodeId to = c.target;
  std::uint64_t conn = c.id;
  std::int64_t delay = m_rng.range(100, m_config.maxDelayMs * 1000);
  schedule(delay, [this, to, conn, rq] {
    Node& n = *m_nodes[to - 1];
    n.run(n.incarnation, [&n, conn, rq] {
      if (!n.engine) return;
      n.engine->clientRequest(conn, rq);
      n.engine->endOfTurn();
    });
  });
  std::uint64_t seq = c.seq;
  int attempt = c.attempt;
  Client* cp = &c;
  schedule(kAttemptTimeoutUs, [this, cp, seq, attempt] {
    if (!cp->busy || cp->seq != seq || cp->attempt != attempt) return;
    if (m_clock.nowUs() > cp->deadlineUs) {
      finishOp(*cp, OpResult::kTimeout);
      return;
    }
    cp->target = static_cast<NodeId>(m_rng.range(1, m_config.nodes));
    clientSend(*cp);
  });
}

void SimWorld::clientResponse(std::uint64_t clientId, const kv::ClientResponse& r) {
  Client* c = nullptr;
  for (auto& cl : m_clients)
    if (cl->id == clientId) c = cl.get();
  if (!c || !c->busy || r.seq != c->seq) return;  // stale answer to an earlier attempt
  switch (r.status) {
    case kv::ClientStatus::kOk:
      c->op.index = r.index;
      if (c->op.kind == OpKind::kRead) {
        c->op.found = r.found;
        c->op.value = r.value;
      }
      finishOp(*c, OpResult::kOk);
      return;
    case kv::ClientStatus::kBadRequest:
      m_violations.push_back("client " + std::to_string(c->id) + " seq " + std::to_string(c->seq) +
                             " refused as bad request: " + r.error);
      finishOp(*c, OpResult::kFail);
      return;
    case kv::ClientStatus::kNotLeader:
    case kv::ClientStatus::kUnavailable: {
      if (m_clock.nowUs() > c->deadlineUs) {
        finishOp(*c, OpResult::kTimeout);
        return;
      }
      c->target = r.leaderHint != kNoNode ? r.leaderHint
                                          : static_cast<NodeId>(m_rng.range(1, m_config.nodes));
      std::uint64_t seq = c->seq;
      int attempt = c->attempt;
      std::int64_t backoff = r.status == kv::ClientStatus::kNotLeader && r.leaderHint != kNoNode ? 1000 : 20'000;
      schedule(backoff, [this, c, seq, attempt] {
        if (c->busy && c->seq == seq && c->attempt == attempt) clientSend(*c);
      });
      return;
    }
  }
}

void SimWorld::finishOp(Client& c, OpResult r) {
  c.op.result = r;
  c.op.completeUs = m_clock.nowUs();
  c.busy = false;
  m_history.push_back(c.op);
  trace("client " + std::to_string(c.id) + " seq " + std::to_string(c.seq) + " " +
        cluster::opResultName(r) + " idx " + std::to_string(c.op.index));
  if (c.onDone) {
    auto done = std::move(c.onDone);
    c.onDone = nullptr;
    done(c.op);
  }
  if (c.background && m_loadOn) {
    Client* cp = &c;
    schedule(m_rng.range(0, 20'000), [this, cp] { clientNext(*cp); });
  }
}

Operation SimWorld::clientWrite(std::uint64_t client, const std::string& key,
                                const std::string& value, std::int64_t timeoutMs) {
  Client* c = nullptr;
  for (auto& cl : m_clients)
    if (cl->id == client) c = cl.get();
  if (!c) {
    m_clients.push_back(std::make_unique<Client>());
    c = m_clients.back().get();
    c->id = client;
  }
  c->busy = true;
  c->seq++;
  c->attempt = 0;
  c->op = Operation{};
  c->op.client = client;
  c->op.seq = c->seq;
  c->op.kind = OpKind::kWrite;
  c->op.key = key;
  c->op.value = value;
  c->op.invokeUs = m_clock.nowUs();
  c->deadlineUs = m_clock.nowUs() + timeoutMs * 1000;
  c->target = leader() != kNoNode ? leader() : 1;
  bool done = false;
  Operation result;
  c->onDone = [&](const Operation& op) {
    done = true;
    result = op;
  };
  clientSend(*c);
  runUntil([&] { return done; }, timeoutMs + 1000);
  if (!done) {
    c->onDone = nullptr;
    finishOp(*c, OpResult::kTimeout);
    result = c->op;
  }
  return result;
}

Operation SimWorld::clientRead(std::uint64_t client, const std::string& key, std::int64_t timeoutMs) {
  Client* c = nullptr;
  for (auto& cl : m_clients)
    if (cl->id == client) c = cl.get();
  if (!c) {
    m_clients.push_back(std::make_unique<Client>());
    c = m_clients.back().get();
    c->id = client;
  }
  c->busy = true;
  c->seq++;
  c->attempt = 0;
  c->op = Operation{};
  c->op.client = client;
  c->op.seq = c->seq;
  c->op.kind = OpKind::kRead;
  c->op.key = key;
  c->op.invokeUs = m_clock.nowUs();
  c->deadlineUs = m_clock.nowUs() + timeoutMs * 1000;
  c->target = leader() != kNoNode ? leader() : 1;
  bool done = false;
  Operation result;
  c->onDone = [&](const Operation& op) {
    done = true;
    result = op;
  };
  clientSend(*c);
  runUntil([&] { return done; }, timeoutMs + 1000);
  if (!done) {
    c->onDone = nullptr;
    finishOp(*c, OpResult::kTimeout);
    result = c->op;
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// Checkers

void SimWorld::nodeEvent(const node::NodeEvent& e) {
  m_eventCounts[static_cast<int>(e.kind)]++;
  if (e.kind == EventKind::kElected) {
    auto [it, inserted] = m_leaderOf.emplace(e.generation, e.node);
    if (!inserted && it->second != e.node)
      m_violations.push_back("two leaders in generation " + std::to_string(e.generation) + ": node " +
                             std::to_string(it->second) + " and node " + std::to_string(e.node));
    ++m_leaderChanges;
    trace("n" + std::to_string(e.node) + " elected g" + std::to_string(e.generation));
  } else if (e.kind == EventKind::kTruncate || e.kind == EventKind::kDiverged ||
             e.kind == EventKind::kSnapshotInstall || e.kind == EventKind::kFailed ||
             e.kind == EventKind::kStepDown) {
    trace("n" + std::to_string(e.node) + " " + node::eventKindName(e.kind) + " " + e.detail);
  }
  if (e.kind == EventKind::kDiverged) {
    if (m_config.safe())
      m_violations.push_back("node " + std::to_string(e.node) + " diverged below its HWM in a safe configuration: " + e.detail);
    else
      m_notes.push_back("node " + std::to_string(e.node) + " diverged: " + e.detail);
  }
}

void SimWorld::checkAfterEvent() {
  for (auto& n : m_nodes)
    if (n->alive && n->engine) checkNode(*n);
}

void SimWorld::checkNode(Node& n) {
  Index hwm = n.engine->core().hwm();
  if (hwm < n.lastHwm) {
    // Only a snapshot install after divergence may move it back (unsafe configurations).
    if (m_config.safe())
      m_violations.push_back("node " + std::to_string(n.id) + " HWM went back from " +
                             std::to_string(n.lastHwm) + " to " + std::to_string(hwm));
  }
  n.lastHwm = hwm;
}

// Log matching for committed entries: the first entry any node applied at an index is the
// only one any node may ever apply there (checked at every application).
void SimWorld::checkApplied(NodeId id, const Entry& e) {
  auto [it, inserted] = m_committed.emplace(e.index, CommittedEntry{e.generation, e.type, e.payload});
  if (inserted) return;
  const CommittedEntry& c = it->second;
  if (c.generation == e.generation && c.type == e.type && c.payload == e.payload) return;
  std::string msg = "node " + std::to_string(id) + " applied a different entry at committed index " +
                    std::to_string(e.index) + " (generation " + std::to_string(e.generation) + " vs " +
                    std::to_string(c.generation) + ")";
  if (m_config.safe()) m_violations.push_back(msg);
  else m_notes.push_back(msg);
  it->second = CommittedEntry{e.generation, e.type, e.payload};
}

int SimWorld::eventCount(EventKind k) const {
  auto it = m_eventCounts.find(static_cast<int>(k));
  return it == m_eventCounts.end() ? 0 : it->second;
}

NodeId SimWorld::leader() const {
  NodeId best = kNoNode;
  Generation g = 0;
  for (const auto& n : m_nodes) {
    if (!n->alive || n->paused || !n->engine || n->engine->failed()) continue;
    if (n->engine->core().role() == replication::Role::kLeader && n->engine->core().generation() >= g) {
      g = n->engine->core().generation();
      best = n->id;
    }
  }
  return best;
}

node::NodeEngine* SimWorld::engine(NodeId id) { return m_nodes[id - 1]->engine.get(); }
bool SimWorld::alive(NodeId id) const { return m_nodes[id - 1]->alive; }

// ---------------------------------------------------------------------------------------

SimResult SimWorld::run() {
  SimResult r;
  m_faultsOn = m_config.faults;
  startLoad();
  if (m_faultsOn) schedule(m_rng.range(300, 800) * 1000, [this] { faultRound(); });
  runFor(m_config.faultPhaseMs);
  // Heal everything and let the cluster settle.
  m_faultsOn = false;
  stopLoad();
  heal();
  for (int i = 1; i <= m_config.nodes; ++i) {
    m_nodes[i - 1]->fs->failNextSyncs(0);  // disarm one-shot faults: the storm is over
    resume(static_cast<NodeId>(i));
    if (!alive(static_cast<NodeId>(i)) || m_nodes[i - 1]->engine->failed()) restart(static_cast<NodeId>(i));
  }
  operatorRound();
  runUntil([this] {
    for (auto& c : m_clients)
      if (c->busy) return false;
    return true;
  }, kClientDeadlineUs / 1000 + 1000);
  finalChecks(&r);
  return r;
}

void SimWorld::finalChecks(SimResult* r) {
  // Liveness: after healing, one leader commits an entry of its generation and every node
  // holds the whole committed log.
  auto converged = [this] {
    NodeId l = leader();
    if (l == kNoNode) return false;
    auto& core = m_nodes[l - 1]->engine->core();
    if (!core.committedInCurrentGeneration() || core.hwm() != core.lastIndex()) return false;
    for (auto& n : m_nodes) {
      if (!n->alive || !n->engine || n->engine->failed()) return false;
      if (n->engine->core().hwm() != core.hwm() || n->engine->kv().appliedIndex() != core.hwm())
        return false;
    }
    return true;
  };
  if (!runUntil(converged, m_config.quiesceMs)) {
    std::string state;
    for (auto& n : m_nodes) {
      if (!n->engine) {
        state += " n" + std::to_string(n->id) + "=down";
        continue;
      }
      auto& c = n->engine->core();
      state += " n" + std::to_string(n->id) + "=" + replication::roleName(c.role()) + "/g" +
               std::to_string(c.generation()) + "/last" + std::to_string(c.lastIndex()) + "/hwm" +
               std::to_string(c.hwm()) + (n->engine->failed() ? "/FAILED:" + n->engine->failure().message() : "");
    }
    m_violations.push_back("the cluster did not converge within " + std::to_string(m_config.quiesceMs) +
                           " ms after healing:" + state);
  }

  NodeId l = leader();
  if (l != kNoNode) {
    Node& ln = *m_nodes[l - 1];
    // State machine safety: every node applied the same sequence (compare with the leader).
    for (auto& n : m_nodes) {
      if (!n->engine) continue;
      std::size_t common = std::min(n->appliedLog.size(), ln.appliedLog.size());
      for (std::size_t i = 0; i < common; ++i) {
        const Entry& a = n->appliedLog[i];
        const Entry& b = ln.appliedLog[i];
        if (a.index != b.index || a.generation != b.generation || a.payload != b.payload) {
          std::string msg = "node " + std::to_string(n->id) + " applied a different entry at index " +
                            std::to_string(a.index) + " than leader " + std::to_string(l);
          if (m_config.safe()) m_violations.push_back(msg);
          else m_notes.push_back(msg);
          break;
        }
      }
    }
    // The recorded sequence must rebuild exactly the leader's real state machine.
    kv::KvStore replay;
    bool replayOk = true;
    for (const Entry& e : ln.appliedLog) {
      if (e.index != replay.appliedIndex() + 1) {
        replayOk = false;
        break;
      }
      replay.apply(e);
    }
    if (!replayOk || replay.data() != ln.engine->kv().data())
      m_violations.push_back("the recorded applied entries do not rebuild the leader's state (checker bug)");
    r->lost = cluster::findLostAcknowledged(m_history, ln.appliedLog);
    // Oracle: an acknowledged write survived iff the state machine applied its (client, seq)
    // as a first application (not a duplicate).
    kv::KvStore oracle;
    std::set<std::pair<std::uint64_t, std::uint64_t>> firstApplied;
    for (const Entry& e : ln.appliedLog) {
      auto ar = oracle.apply(e);
      if (ar.isCommand && !ar.duplicate) firstApplied.emplace(ar.client, ar.seq);
    }
    for (const Operation& op : m_history)
      if (op.kind == OpKind::kWrite && op.result == OpResult::kOk && !firstApplied.count({op.client, op.seq}))
        r->lostByOracle.push_back({op.client, op.seq, op.key, op.value, op.index});
    r->finalHwm = ln.engine->core().hwm();
    r->duplicatesIgnored = static_cast<int>(ln.engine->kv().duplicatesIgnored());
  }

  if (m_config.safe()) {
    for (const auto& lw : r->lost)
      m_violations.push_back("acknowledged write lost: client " + std::to_string(lw.client) + " seq " +
                             std::to_string(lw.seq) + " at index " + std::to_string(lw.index));
    for (const auto& v : cluster::checkLinearizable(m_history))
      m_violations.push_back("not linearizable: " + v);
  }
  for (const auto& op : m_history) {
    if (op.result == OpResult::kOk && op.kind == OpKind::kWrite) r->ackedWrites++;
    if (op.result == OpResult::kOk && op.kind == OpKind::kRead) r->okReads++;
    if (op.result == OpResult::kTimeout) r->timedOut++;
  }
  r->violations = m_violations;
  r->notes = m_notes;
  r->ok = m_violations.empty();
  r->leaderChanges = m_leaderChanges;
  r->crashes = m_crashes;
  r->restarts = m_restarts;
  r->snapshotsInstalled = eventCount(EventKind::kSnapshotInstall);
  r->truncations = eventCount(EventKind::kTruncate);
  r->segmentsDeleted = eventCount(EventKind::kSegmentDelete);
  r->events = m_events;
  if (!r->ok) {
    std::string t;
    for (std::size_t i = 0; i < kTraceLines; ++i) {
      const auto& line = m_trace[(m_traceNext + i) % kTraceLines];
      if (!line.empty()) t += "  " + line + "\n";
    }
    r->trace = t;
  }
}

}  // namespace qlab::sim
