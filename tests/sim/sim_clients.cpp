// SimWorld: the simulated network between nodes and the clients (retries with the same
// (client, seq), a deadline per operation).
#include "sim_world_internal.h"

namespace qlab::sim {

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
  std::string key = "k" + std::to_string(m_rng.uniform(static_cast<std::uint64_t>(m_config.keys)));
  const bool write = m_rng.chance(0.65);
  std::string value = write ? "c" + std::to_string(c.id) + "-" + std::to_string(c.seq + 1) : std::string();
  beginOp(c, write ? OpKind::kWrite : OpKind::kRead, std::move(key), std::move(value), kClientDeadlineUs);
  clientSend(c);
}

// A client's next request: a new seq (retries of it keep it), the clock started.
void SimWorld::beginOp(Client& c, OpKind kind, std::string key, std::string value, std::int64_t timeoutUs) {
  c.busy = true;
  c.seq++;
  c.attempt = 0;
  c.op = Operation{};
  c.op.client = c.id;
  c.op.seq = c.seq;
  c.op.kind = kind;
  c.op.key = std::move(key);
  c.op.value = std::move(value);
  c.op.invokeUs = m_clock.nowUs();
  c.deadlineUs = m_clock.nowUs() + timeoutUs;
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
  return runClientOp(client, OpKind::kWrite, key, value, timeoutMs);
}

Operation SimWorld::clientRead(std::uint64_t client, const std::string& key, std::int64_t timeoutMs) {
  return runClientOp(client, OpKind::kRead, key, std::string(), timeoutMs);
}

// One operation by a foreground client, run to its end (or timeout) before returning.
Operation SimWorld::runClientOp(std::uint64_t client, OpKind kind, const std::string& key,
                                const std::string& value, std::int64_t timeoutMs) {
  Client* c = nullptr;
  for (auto& cl : m_clients)
    if (cl->id == client) c = cl.get();
  if (!c) {
    m_clients.push_back(std::make_unique<Client>());
    c = m_clients.back().get();
    c->id = client;
  }
  beginOp(*c, kind, key, value, timeoutMs * 1000);
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

}  // namespace qlab::sim
