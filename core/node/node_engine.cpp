#include "core/node/node_engine.h"

#include <algorithm>

#include "core/common/assert.h"
#include "core/kv/command.h"
#include "core/node/meta_store.h"

namespace qlab::node {

using replication::Message;
using replication::Ready;
using replication::Role;

namespace {
std::string str(Index i) { return std::to_string(i); }
}  // namespace

// The core's read-only view of this node's log and snapshot.
class NodeEngine::Storage final : public replication::LogStorage {
 public:
  Storage(const wal::SegmentedLog& log, const SnapshotStore& snaps) : m_log(log), m_snaps(snaps) {}
  Index firstIndex() const override { return m_log.firstIndex(); }
  Index lastIndex() const override { return m_log.lastIndex(); }
  std::optional<Generation> generationAt(Index index) const override {
    return m_log.generationAt(index);
  }
  Status entries(Index from, Index to, std::size_t maxBytes, std::vector<Entry>* out) const override {
    return m_log.read(from, to, maxBytes, out);
  }
  Result<std::string> snapshotChunk(const replication::SnapshotMeta& meta, std::uint64_t offset,
                                    std::size_t maxBytes) const override {
    return m_snaps.chunk(meta, offset, maxBytes);
  }

 private:
  const wal::SegmentedLog& m_log;
  const SnapshotStore& m_snaps;
};

NodeEngine::NodeEngine(const EngineOptions& options, wal::FileSystem& fs, EngineHost& host)
    : m_options(options), m_fs(fs), m_host(host), m_snapshots(fs, options.dataDir),
      m_policy(options.flush) {}

NodeEngine::~NodeEngine() = default;

Result<std::unique_ptr<NodeEngine>> NodeEngine::open(const EngineOptions& options,
                                                     wal::FileSystem& fs, EngineHost& host) {
  std::unique_ptr<NodeEngine> e(new NodeEngine(options, fs, host));
  Status s = e->recover();
  if (!s.isOk()) return s.withContext("node " + std::to_string(options.id) + " (" + options.dataDir + ")");
  const auto& rep = e->m_recovery;
  e->event(EventKind::kRecovery, kNoNode, e->m_log->firstIndex(), e->m_log->lastIndex(),
           std::to_string(rep.records) + " records in " + std::to_string(rep.segments) + " segments verified");
  if (rep.truncatedTornTail)
    e->event(EventKind::kTornTail, kNoNode, rep.tornOffset, rep.tornBytes,
             "cut a torn record: " + std::to_string(rep.tornBytes) + " bytes at byte " +
                 std::to_string(rep.tornOffset) + " of " + rep.tornFile);
  return e;
}

Status NodeEngine::recover() {
  Status s = m_fs.createDirs(m_options.dataDir);
  if (!s.isOk())
    return Status::ioError("cannot create data directory: " + s.message() +
                           "; choose a writable --data directory");
  auto hs = loadMeta(m_fs, m_options.dataDir);
  if (!hs.isOk()) return hs.status();
  QLAB_RETURN_IF_ERROR(m_snapshots.load(&m_notes));
  const replication::SnapshotMeta snap = m_snapshots.latest();

  auto log = wal::SegmentedLog::open(m_fs, wal::joinPath(m_options.dataDir, "wal"), m_options.log,
                                     &m_recovery, snap.index + 1);
  if (!log.isOk()) return log.status();
  m_log = std::move(log.value());
  for (const auto& n : m_recovery.notes) m_notes.push_back(n);
  if (m_recovery.truncatedTornTail)
    m_notes.push_back("cut a torn tail of " + std::to_string(m_recovery.tornBytes) + " bytes off " +
                      m_recovery.tornFile + " at byte " + std::to_string(m_recovery.tornOffset));

  // The log must continue the snapshot without a gap. A log that ends before the snapshot
  // is what a crash during a snapshot install leaves: start the log after the snapshot.
  if (m_log->lastIndex() < snap.index) {
    QLAB_RETURN_IF_ERROR(m_log->resetTo(snap.index + 1));
    m_notes.push_back("log ended before snapshot " + str(snap.index) + "; restarted it after the snapshot");
  } else if (m_log->firstIndex() > snap.index + 1) {
    return Status::corruption("the log starts at index " + str(m_log->firstIndex()) +
                              " but the newest snapshot ends at " + str(snap.index) +
                              ": entries in between are missing; restore the snapshots/ folder");
  }

  auto kvState = kv::KvStore::decodeSnapshot(m_snapshots.latestBytes());
  if (!kvState.isOk()) return kvState.status();
  m_kv = std::move(kvState.value());

  // Config entries above the snapshot decide the write quorum; read them back.
  std::vector<replication::ConfigChange> configs;
  Index last = m_log->lastIndex();
  for (Index from = snap.index + 1; from <= last;) {
    std::vector<Entry> batch;
    QLAB_RETURN_IF_ERROR(m_log->read(from, last, 4u << 20, &batch));
    if (batch.empty()) break;
    for (const auto& e : batch) {
      if (e.type == EntryType::kConfig)
        if (auto c = decodeClusterConfig(e.payload); c.isOk()) configs.push_back({e.index, *c});
    }
    from = batch.back().index + 1;
  }
  Index recentFrom = last >= m_options.recentEntries ? last - m_options.recentEntries + 1 : 1;
  recentFrom = std::max(recentFrom, m_log->firstIndex());
  if (recentFrom <= last) {
    std::vector<Entry> tail;
    if (m_log->read(recentFrom, last, 16u << 20, &tail).isOk())
      for (const auto& e : tail) rememberRecent(e);
  }

  replication::CoreConfig cc;
  cc.self = m_options.id;
  cc.voters = m_options.voters;
  cc.heartbeatTicks = m_options.heartbeatTicks;
  cc.electionTicks = m_options.electionTicks;
  cc.seed = m_options.seed;
  cc.initialWriteQuorum = static_cast<int>(m_options.initialWriteQuorum);
  m_storage = std::make_unique<Storage>(*m_log, m_snapshots);
  m_core = std::make_unique<replication::ReplicaCore>(cc, *m_storage, *hs, snap, configs,
                                                      m_log->durableEnd());
  m_reportedDurable = m_core->durableEnd();
  m_lastDurableSeen = m_log->durableEnd();
  for (const auto& seg : m_log->segments()) m_segmentNames.push_back(seg.fileName);
  return Status::ok();
}

// ---------------------------------------------------------------------------------------
// Inputs

void NodeEngine::tick() {
  if (failed()) return;
  process(m_core->tick(m_host.nowMs()));
}

void NodeEngine::receive(const Message& m) {
  if (failed()) return;
  ++m_counters.messagesIn;
  Index a = m.entries.empty() ? m.prevIndex : m.entries.front().index;
  Index b = m.entries.empty() ? m.matchIndex : m.entries.back().index;
  event(EventKind::kRecv, m.from, a, b, {}, static_cast<std::uint8_t>(m.type));
  process(m_core->step(m));
}

void NodeEngine::clientRequest(std::uint64_t conn, const kv::ClientRequest& rq) {
  if (failed()) {
    kv::ClientResponse r = kv::answerTo(rq.client, rq.seq, kv::ClientStatus::kUnavailable);
    r.error = "node " + std::to_string(m_options.id) + " has failed: " + m_failure.message();
    respond(conn, std::move(r));
    return;
  }
  if (m_core->role() != Role::kLeader) {
    respond(conn, notLeader(rq));
    return;
  }
  if (rq.op == kv::ClientOp::kWrite) {
    m_batch.emplace_back(conn, rq);
    if (m_batch.size() >= m_options.maxProposalBatch) endOfTurn();
    return;
  }
  std::uint64_t id = m_nextReadId++;
  m_reads[id] = PendingRead{conn, rq, false, 0};
  process(m_core->readIndex(id));
}

void NodeEngine::endOfTurn() {
  if (m_batch.empty() || failed()) return;
  auto batch = std::move(m_batch);
  m_batch.clear();
  std::vector<replication::Proposal> proposals;
  proposals.reserve(batch.size());
  for (const auto& [conn, rq] : batch)
    proposals.push_back({EntryType::kData, kv::encodeCommand({rq.client, rq.seq, rq.key, rq.value})});
  Ready r = m_core->propose(proposals);
  if (r.proposedFirst == 0) {
    for (const auto& [conn, rq] : batch) respond(conn, notLeader(rq));
    process(std::move(r));
    return;
  }
  for (std::size_t i = 0; i < batch.size(); ++i)
    m_waiting[r.proposedFirst + i] = WaitingWrite{batch[i].first, batch[i].second.client, batch[i].second.seq};
  process(std::move(r));
}

void NodeEngine::onLogDurable() {
  if (failed()) return;
  Status h = m_log->health();
  if (!h.isOk()) {
    fail(h, "flushing the write-ahead log");
    return;
  }
  Index d = m_log->durableEnd();
  if (d != m_lastDurableSeen) {
    m_lastDurableSeen = d;
    ++m_counters.flushes;
    event(EventKind::kFlush, kNoNode, d, m_counters.flushes);
    noteSegmentChanges();
  }
  reportDurability();
}

void NodeEngine::setFlushPolicy(const wal::FlushPolicy& policy) {
  if (m_policy == policy) return;
  m_policy = policy;
  event(EventKind::kFlushPolicy, kNoNode, static_cast<Index>(policy.mode),
        static_cast<Index>(policy.delayMs), wal::flushModeName(policy.mode));
  m_host.flushPolicyChanged(policy);
  if (failed()) return;
  if (policy.mode == wal::FlushMode::kAlways || policy.mode == wal::FlushMode::kGroup) {
    // From now on only durable entries may be acknowledged: make the buffered ones durable
    // first, so that nothing acknowledged under the old policy stays at risk silently.
    flushNow();
  }
  reportDurability();
}

void NodeEngine::flushNow() {
  if (failed()) return;
  auto r = m_log->flush();
  if (!r.isOk()) {
    if (r.status().code() == Status::Code::kNoSpace) {
      event(EventKind::kFailed, kNoNode, m_log->durableEnd(), 0,
            "flush failed, disk full: " + r.status().message() + " (will retry)");
      return;
    }
    fail(r.status(), "flushing the write-ahead log");
    return;
  }
  onLogDurable();
}

void NodeEngine::proposeWriteQuorum(std::uint32_t w) {
  if (failed() || m_core->role() != Role::kLeader) return;
  if (w > static_cast<std::uint32_t>(m_core->voterCount())) return;
  process(m_core->proposeWriteQuorum(w));
}

void NodeEngine::campaign() {
  if (failed()) return;
  process(m_core->campaign());
}

void NodeEngine::clientGone(std::uint64_t conn) {
  for (auto it = m_reads.begin(); it != m_reads.end();)
    it = it->second.conn == conn ? m_reads.erase(it) : std::next(it);
  for (auto& [i, w] : m_waiting)
    if (w.conn == conn) w.conn = 0;  // still applied; nobody to tell
}


}  // namespace qlab::node
