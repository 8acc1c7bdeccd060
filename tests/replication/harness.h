#pragma once
// A tiny in-memory cluster of ReplicaCores over MemStorage, for protocol unit tests
// (etcd's raft_test "network" habit). Messages go through one FIFO queue; links can be cut;
// durability is immediate unless a node's autoDurable is off.
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/kv/kv_store.h"
#include "core/replication/mem_storage.h"
#include "core/replication/replica_core.h"

namespace qlab::replication::testing {

struct TestNode {
  NodeId id = 0;
  MemStorage storage;
  std::unique_ptr<ReplicaCore> core;
  HardState hardState;
  bool down = false;
  bool autoDurable = true;
  Index applied = 0;
  std::vector<Entry> appliedEntries;   // every entry applied, in order (incl. snapshot jumps)
  std::vector<Event> events;
  std::vector<ReadResult> reads;
  std::vector<Index> truncations;
  int snapshotsInstalled = 0;
  std::string incomingSnapshot;
};

class TestCluster {
 public:
  explicit TestCluster(int n, int writeQuorum = 0, std::uint64_t seed = 1) : m_n(n), m_writeQuorum(writeQuorum), m_seed(seed) {
    for (int i = 1; i <= n; ++i) {
      auto node = std::make_unique<TestNode>();
      node->id = static_cast<NodeId>(i);
      m_nodes[node->id] = std::move(node);
      restart(static_cast<NodeId>(i));
    }
  }

  CoreConfig configFor(NodeId id) const {
    CoreConfig c;
    c.self = id;
    c.voters.clear();
    for (int i = 1; i <= m_n; ++i) c.voters.push_back(static_cast<NodeId>(i));
    c.heartbeatTicks = 1;
    c.electionTicks = 10;
    c.seed = m_seed;
    c.initialWriteQuorum = m_writeQuorum;
    c.maxAppendEntries = maxAppendEntries;
    return c;
  }

  TestNode& node(NodeId id) { return *m_nodes.at(id); }
  ReplicaCore& core(NodeId id) { return *m_nodes.at(id)->core; }

  // Rebuild the core from what "disk" holds (storage + hard state): a restart.
  void restart(NodeId id) {
    TestNode& n = node(id);
    SnapshotMeta meta = m_snapshots.count(id) ? m_snapshots[id] : SnapshotMeta{};
    n.core = std::make_unique<ReplicaCore>(configFor(id), n.storage, n.hardState, meta,
                                           std::vector<ConfigChange>{}, n.storage.lastIndex());
    n.applied = meta.index;
    n.down = false;
  }
  void crash(NodeId id) { node(id).down = true; }

  void apply(NodeId id, Ready r) {
    TestNode& n = node(id);
    if (r.hardState) n.hardState = *r.hardState;
    if (r.snapshotChunk) {
      if (r.snapshotChunk->offset == 0) n.incomingSnapshot.clear();
      n.incomingSnapshot += r.snapshotChunk->data;
    }
    if (r.installSnapshot) {
      n.storage.resetTo(r.installSnapshot->index + 1);
      n.storage.setSnapshot(*r.installSnapshot, n.incomingSnapshot);
      m_snapshots[id] = *r.installSnapshot;
      n.applied = r.installSnapshot->index;
      n.snapshotsInstalled++;
    }
    if (r.truncateAfter) {
      n.storage.truncateAfter(*r.truncateAfter);
      n.truncations.push_back(*r.truncateAfter);
    }
    for (const auto& e : r.append) n.storage.append(e);
    for (auto& m : r.messages) m_queue.push_back(std::move(m));
    for (auto& e : r.events) n.events.push_back(std::move(e));
    for (auto& rr : r.reads) n.reads.push_back(rr);
    while (n.applied < r.hwm && n.applied < n.storage.lastIndex()) {
      std::vector<Entry> one;
      if (!n.storage.entries(n.applied + 1, n.applied + 1, 1 << 20, &one).isOk()) break;
      n.appliedEntries.push_back(one[0]);
      n.applied++;
    }
    if (!r.append.empty() && n.autoDurable) apply(id, n.core->onDurable(n.storage.lastIndex()));
  }

  void makeDurable(NodeId id) { apply(id, core(id).onDurable(node(id).storage.lastIndex())); }

  // Delivers queued messages until none are left (bounded).
  void deliverAll(int maxMessages = 100000) {
    while (!m_queue.empty() && maxMessages-- > 0) {
      Message m = std::move(m_queue.front());
      m_queue.pop_front();
      if (m_cut.count({m.from, m.to}) || node(m.from).down || node(m.to).down) continue;
      if (dropFilter && dropFilter(m)) continue;
      apply(m.to, core(m.to).step(m));
    }
  }
  void tick(NodeId id, int times = 1) {
    for (int i = 0; i < times; ++i)
      if (!node(id).down) apply(id, core(id).tick());
  }
  void tickAll(int times = 1) {
    for (int i = 0; i < times; ++i) {
      for (auto& [id, n] : m_nodes) tick(id);
      deliverAll();
    }
  }
  void campaign(NodeId id) {
    apply(id, core(id).campaign());
    deliverAll();
  }
  Index propose(NodeId id, const std::string& payload) {
    Ready r = core(id).propose({Proposal{EntryType::kData, payload}});
    Index idx = r.proposedLast;
    apply(id, std::move(r));
    return idx;
  }
  void cut(NodeId a, NodeId b) {
    m_cut.insert({a, b});
    m_cut.insert({b, a});
  }
  void cutOneWay(NodeId from, NodeId to) { m_cut.insert({from, to}); }
  void isolate(NodeId a) {
    for (int i = 1; i <= m_n; ++i)
      if (static_cast<NodeId>(i) != a) cut(a, static_cast<NodeId>(i));
  }
  void heal() { m_cut.clear(); }
  void dropQueue() { m_queue.clear(); }
  std::deque<Message>& queue() { return m_queue; }

  // A local snapshot at the node's applied index, compacting the log below it.
  void snapshotAndCompact(NodeId id, Index keepFrom) {
    TestNode& n = node(id);
    SnapshotMeta meta{n.applied, *n.storage.generationAt(n.applied), 0, 0};
    std::string data = "snapshot-of-" + std::to_string(id) + "-at-" + std::to_string(n.applied);
    meta.bytes = data.size();
    n.storage.setSnapshot(meta, data);
    m_snapshots[id] = meta;
    apply(id, core(id).onSnapshotSaved(meta));
    n.storage.compactTo(keepFrom);
  }

  NodeId leader() const {
    NodeId found = kNoNode;
    for (const auto& [id, n] : m_nodes)
      if (!n->down && n->core->role() == Role::kLeader) found = id;
    return found;
  }

  std::function<bool(const Message&)> dropFilter;
  std::size_t maxAppendEntries = 1024;

 private:
  int m_n;
  int m_writeQuorum;
  std::uint64_t m_seed;
  std::map<NodeId, std::unique_ptr<TestNode>> m_nodes;
  std::map<NodeId, SnapshotMeta> m_snapshots;
  std::deque<Message> m_queue;
  std::set<std::pair<NodeId, NodeId>> m_cut;
};

}  // namespace qlab::replication::testing
