#include "core/node/node_engine.h"

#include <algorithm>

#include "core/common/assert.h"
#include "core/kv/command.h"
#include "core/node/meta_store.h"

namespace qlab::node {

using replication::Message;
using replication::MessageType;
using replication::Ready;
using replication::Role;

namespace {
constexpr std::size_t kMaxDuplicatesRemembered = 4096;
constexpr std::size_t kDisplayValueBytes = 64;
constexpr std::size_t kViewKvKeys = 200;
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

// ---------------------------------------------------------------------------------------
// The Ready loop

void NodeEngine::process(Ready r) {
  if (failed()) return;
  ++m_processDepth;
  QLAB_ASSERT(m_processDepth < 8);
  struct Depth {
    int& d;
    ~Depth() { --d; }
  } depth{m_processDepth};

  for (const auto& e : r.events) coreEvent(e);
  // 1. The vote and generation, durably, before any message that depends on them.
  if (r.hardState) {
    Status s = saveMeta(m_fs, m_options.dataDir, *r.hardState);
    if (!s.isOk()) return fail(s, "saving the generation and vote");
  }
  // 2-3. Snapshot transfer.
  if (r.snapshotChunk) {
    Status s = m_snapshots.writeIncoming(r.snapshotChunk->offset, r.snapshotChunk->data);
    if (!s.isOk()) return fail(s, "writing an incoming snapshot");
  }
  if (r.installSnapshot) {
    NodeId from = kNoNode;
    for (const auto& ev : r.events)
      if (ev.kind == replication::EventKind::kSnapshotInstalled) from = ev.peer;
    installSnapshot(*r.installSnapshot, from);
    if (failed()) return;
  }
  // 4. Cut a conflicting suffix, on disk.
  if (r.truncateAfter) {
    Index cut = *r.truncateAfter;
    Index removedTo = m_log->lastIndex();
    Status s = m_log->truncateAfter(cut);
    if (!s.isOk()) return fail(s, "truncating the log after " + str(cut));
    m_counters.truncatedEntries += removedTo > cut ? removedTo - cut : 0;
    while (!m_recent.empty() && m_recent.back().index > cut) m_recent.pop_back();
    for (auto it = m_waiting.upper_bound(cut); it != m_waiting.end();) {
      respond(it->second.conn, kv::answerTo(it->second.client, it->second.seq, kv::ClientStatus::kUnavailable));
      it = m_waiting.erase(it);
    }
    m_lastDurableSeen = std::min(m_lastDurableSeen, m_log->durableEnd());
    // The core lowered its durable end to the cut; what we last reported must follow, or
    // re-appended entries that become durable at the old index would never be reported.
    m_reportedDurable = std::min(m_reportedDurable, cut);
    noteSegmentChanges();
  }
  // 5. Append to the log buffer.
  if (!r.append.empty()) {
    Status s = m_log->append(r.append);
    if (!s.isOk()) return fail(s, "appending to the log");
    m_counters.appended += r.append.size();
    for (const auto& e : r.append) rememberRecent(e);
    noteSegmentChanges();
  }
  // 6. Send. A leader sends appends before its own flush; followers only ever acknowledge
  // what ackableEnd() allows (see reportDurability).
  for (const auto& m : r.messages) {
    ++m_counters.messagesOut;
    Index a = m.entries.empty() ? m.prevIndex : m.entries.front().index;
    Index b = m.entries.empty() ? m.matchIndex : m.entries.back().index;
    event(EventKind::kSend, m.to, a, b, {}, static_cast<std::uint8_t>(m.type));
    m_host.sendMessage(m);
  }
  // 6b. Durability under the node's flush policy.
  if (!r.append.empty() || r.truncateAfter || r.installSnapshot) {
    if (m_policy.mode == wal::FlushMode::kAlways) {
      flushNow();
      if (failed()) return;
    } else {
      m_host.logAppended(m_policy);
      reportDurability();
    }
  }
  // 7. Apply what is committed.
  applyCommitted();
  // 8. Reads.
  for (const auto& rr : r.reads) {
    auto it = m_reads.find(rr.requestId);
    if (it == m_reads.end()) continue;
    if (!rr.ok) {
      auto resp = notLeader(it->second.request);
      if (rr.leaderHint != kNoNode) resp.leaderHint = rr.leaderHint;
      respond(it->second.conn, std::move(resp));
      m_reads.erase(it);
      continue;
    }
    it->second.confirmed = true;
    it->second.readIndex = rr.readIndex;
  }
  serveReads();
  afterRoleChange();
}

// The single place where the flush policy decides what this node may acknowledge.
Index NodeEngine::ackableEnd() const {
  bool acksBuffered = m_policy.mode == wal::FlushMode::kDelayed || m_policy.mode == wal::FlushMode::kManual;
  return acksBuffered ? m_log->lastIndex() : m_log->durableEnd();
}

void NodeEngine::reportDurability() {
  if (failed()) return;
  Index d = ackableEnd();
  if (d == m_reportedDurable) return;
  m_reportedDurable = d;
  process(m_core->onDurable(d));
}

void NodeEngine::applyCommitted() {
  Index target = std::min(m_core->hwm(), m_log->lastIndex());
  while (m_kv.appliedIndex() < target && !failed()) {
    Index from = m_kv.appliedIndex() + 1;
    std::vector<Entry> batch;
    Status s = m_log->read(from, std::min(target, from + 1023), 4u << 20, &batch);
    if (!s.isOk() || batch.empty()) return fail(s.isOk() ? Status::corruption("empty read") : s,
                                                "reading committed entries from " + str(from));
    for (const Entry& e : batch) {
      kv::ApplyResult ar = m_kv.apply(e);
      m_host.applied(e, ar.duplicate);
      if (ar.duplicate) {
        ++m_counters.duplicatesIgnored;
        m_duplicates.push_back(e.index);
        if (m_duplicates.size() > kMaxDuplicatesRemembered) m_duplicates.pop_front();
        for (auto& rv : m_recent)
          if (rv.index == e.index) rv.duplicate = true;
      }
      auto it = m_waiting.find(e.index);
      if (it == m_waiting.end()) continue;
      WaitingWrite w = it->second;
      m_waiting.erase(it);
      kv::ClientResponse resp = kv::answerTo(w.client, w.seq, kv::ClientStatus::kOk);
      if (!ar.isCommand || ar.client != w.client || ar.seq != w.seq) {
        resp.status = kv::ClientStatus::kUnavailable;  // another entry took this index
        resp.error = "entry " + str(e.index) + " was replaced by another leader's entry";
      } else {
        resp.index = ar.answerIndex;
        resp.duplicate = ar.duplicate;
        if (ar.answerIndex == 0) {
          resp.status = kv::ClientStatus::kBadRequest;
          resp.error = "request sequence " + std::to_string(w.seq) + " is older than the session's";
        } else {
          ++m_counters.clientWrites;
        }
      }
      respond(w.conn, std::move(resp));
    }
  }
  maybeSnapshot();
}

void NodeEngine::serveReads() {
  for (auto it = m_reads.begin(); it != m_reads.end();) {
    PendingRead& p = it->second;
    if (!p.confirmed || p.readIndex > m_kv.appliedIndex()) {
      ++it;
      continue;
    }
    kv::ClientResponse resp = kv::answerTo(p.request.client, p.request.seq, kv::ClientStatus::kOk);
    resp.index = p.readIndex;
    if (auto v = m_kv.get(p.request.key)) {
      resp.found = true;
      resp.value = *v;
    }
    ++m_counters.clientReads;
    respond(p.conn, std::move(resp));
    it = m_reads.erase(it);
  }
}

void NodeEngine::afterRoleChange() {
  Role now = m_core->role();
  if (now == m_lastRole) return;
  if (m_lastRole == Role::kLeader) {
    // Entries we proposed may still commit under the next leader; the clients retry with
    // the same (client, seq) and the state machine answers duplicates from the session.
    for (auto& [i, w] : m_waiting) {
      kv::ClientResponse r = kv::answerTo(w.client, w.seq, kv::ClientStatus::kUnavailable);
      r.error = "leadership lost before the write committed; retry";
      r.leaderHint = m_core->leader();
      respond(w.conn, std::move(r));
    }
    m_waiting.clear();
    for (auto& [conn, rq] : m_batch) respond(conn, notLeader(rq));
    m_batch.clear();
  }
  m_lastRole = now;
}

void NodeEngine::installSnapshot(const replication::SnapshotMeta& meta, NodeId from) {
  auto bytes = m_snapshots.readIncoming();
  if (!bytes.isOk()) return fail(bytes.status(), "reading the received snapshot");
  auto state = kv::KvStore::decodeSnapshot(*bytes);
  if (!state.isOk() || state->appliedIndex() != meta.index)
    return fail(state.isOk() ? Status::corruption("snapshot content is for another index") : state.status(),
                "installing snapshot " + str(meta.index));
  Status s = m_snapshots.save(meta, std::move(bytes.value()));
  if (!s.isOk()) return fail(s, "saving the received snapshot");
  m_snapshots.discardIncoming();
  s = m_log->resetTo(meta.index + 1);
  if (!s.isOk()) return fail(s, "resetting the log after snapshot " + str(meta.index));
  m_kv = std::move(state.value());
  m_recent.clear();
  m_lastDurableSeen = m_log->durableEnd();
  m_reportedDurable = meta.index;
  ++m_counters.snapshotsInstalled;
  m_host.stateReplaced(meta, from);
  noteSegmentChanges();
}

void NodeEngine::maybeSnapshot() {
  if (m_options.snapshotEvery == 0) return;
  const auto& snap = m_snapshots.latest();
  if (m_kv.appliedIndex() < snap.index + m_options.snapshotEvery) return;
  replication::SnapshotMeta meta{m_kv.appliedIndex(), m_kv.appliedGeneration(), 0, m_kv.writeQuorum()};
  Status s = m_snapshots.save(meta, m_kv.encodeSnapshot());
  if (!s.isOk()) {
    // Not fatal: the log still holds everything; try again at the next interval.
    event(EventKind::kFailed, kNoNode, meta.index, 0, "snapshot failed: " + s.message());
    return;
  }
  ++m_counters.snapshotsTaken;
  event(EventKind::kSnapshot, kNoNode, meta.index, m_snapshots.latest().bytes,
        SnapshotStore::fileName(meta.index));
  process(m_core->onSnapshotSaved(m_snapshots.latest()));
  compact();
}

void NodeEngine::compact() {
  Index last = m_log->lastIndex();
  Index floor = last > m_options.retainEntries ? last - m_options.retainEntries : 1;
  Index lwm = replication::ReplicaCore::lowWaterMark(m_snapshots.latest().index, m_core->hwm(), floor);
  auto removed = m_log->removeBefore(lwm);
  if (!removed.isOk()) {
    event(EventKind::kFailed, kNoNode, lwm, 0, "segment cleanup failed: " + removed.status().message());
    return;
  }
  if (*removed > 0) {
    m_counters.segmentsDeleted += static_cast<std::uint64_t>(*removed);
    noteSegmentChanges();
  }
}

void NodeEngine::noteSegmentChanges() {
  std::vector<std::string> now;
  for (const auto& s : m_log->segments()) now.push_back(s.fileName);
  if (now == m_segmentNames) return;
  for (const auto& n : m_segmentNames)
    if (!std::binary_search(now.begin(), now.end(), n)) event(EventKind::kSegmentDelete, kNoNode, 0, 0, n);
  for (const auto& n : now)
    if (!std::binary_search(m_segmentNames.begin(), m_segmentNames.end(), n))
      event(EventKind::kSegmentRoll, kNoNode, 0, 0, n);
  m_segmentNames = std::move(now);
}

void NodeEngine::fail(const Status& s, const std::string& context) {
  if (failed()) return;
  m_failure = s.withContext(context);
  event(EventKind::kFailed, kNoNode, 0, 0, m_failure.toString());
  for (auto& [i, w] : m_waiting) {
    kv::ClientResponse r = kv::answerTo(w.client, w.seq, kv::ClientStatus::kUnavailable);
    r.error = "node failed: " + m_failure.message();
    m_host.sendClientResponse(w.conn, r);
  }
  m_waiting.clear();
  for (auto& [id, p] : m_reads)
    m_host.sendClientResponse(p.conn, kv::answerTo(p.request.client, p.request.seq, kv::ClientStatus::kUnavailable));
  m_reads.clear();
}

// ---------------------------------------------------------------------------------------
// Events and views

void NodeEngine::event(EventKind kind, NodeId peer, Index a, Index b, std::string detail,
                       std::uint8_t msgType) {
  NodeEvent e;
  e.tMs = m_host.nowMs();
  e.node = m_options.id;
  e.kind = kind;
  e.peer = peer;
  e.msgType = msgType;
  e.generation = m_core ? m_core->generation() : 0;
  e.a = a;
  e.b = b;
  e.detail = std::move(detail);
  m_host.emitEvent(std::move(e));
}

void NodeEngine::coreEvent(const replication::Event& e) {
  using K = replication::EventKind;
  EventKind k;
  switch (e.kind) {
    case K::kElectionStarted: k = EventKind::kElectionStarted; break;
    case K::kElected: k = EventKind::kElected; break;
    case K::kSteppedDown: k = EventKind::kStepDown; break;
    case K::kVoted: k = EventKind::kVoted; break;
    case K::kTruncated: k = EventKind::kTruncate; break;
    case K::kDiverged: k = EventKind::kDiverged; break;
    case K::kSnapshotSendStarted: k = EventKind::kSnapshotSend; break;
    case K::kSnapshotSent: k = EventKind::kSnapshotSend; break;
    case K::kSnapshotInstalled: k = EventKind::kSnapshotInstall; break;
    case K::kConfigChanged: k = EventKind::kConfig; break;
    case K::kStaleMessage: k = EventKind::kStale; break;
    default: k = EventKind::kConfig; break;
  }
  event(k, e.peer, e.a, e.b, e.detail);
}

void NodeEngine::respond(std::uint64_t conn, kv::ClientResponse r) {
  if (conn == 0) return;
  m_host.sendClientResponse(conn, r);
}

kv::ClientResponse NodeEngine::notLeader(const kv::ClientRequest& rq) const {
  kv::ClientResponse r = kv::answerTo(rq.client, rq.seq, kv::ClientStatus::kNotLeader);
  r.leaderHint = m_core->leader() == m_options.id ? kNoNode : m_core->leader();
  r.error = "node " + std::to_string(m_options.id) + " is not the leader";
  return r;
}

EntryView decodeEntryView(const Entry& e) {
  EntryView v;
  v.index = e.index;
  v.generation = e.generation;
  v.type = e.type;
  v.timestampMs = e.timestampMs;
  v.payloadBytes = static_cast<std::uint32_t>(e.payload.size());
  if (e.type == EntryType::kData) {
    if (auto c = kv::decodeCommand(e.payload); c.isOk()) {
      v.client = c->client;
      v.seq = c->seq;
      v.key = c->key;
      v.value = c->value.size() > kDisplayValueBytes ? c->value.substr(0, kDisplayValueBytes) + "…" : c->value;
    }
  } else if (e.type == EntryType::kConfig) {
    if (auto c = decodeClusterConfig(e.payload); c.isOk())
      v.value = c->writeQuorum == 0 ? "W=majority" : "W=" + std::to_string(c->writeQuorum);
  }
  return v;
}

void NodeEngine::rememberRecent(const Entry& e) {
  m_recent.push_back(decodeEntryView(e));
  while (m_recent.size() > m_options.recentEntries) m_recent.pop_front();
}

std::vector<EntryView> NodeEngine::entryViews(Index from, Index to) const {
  std::vector<EntryView> out;
  from = std::max(from, m_log->firstIndex());
  to = std::min({to, m_log->lastIndex(), from + 4095});
  if (from > to) return out;
  std::vector<Entry> entries;
  if (!m_log->read(from, to, 16u << 20, &entries).isOk()) return out;
  for (const auto& e : entries) {
    out.push_back(decodeEntryView(e));
    out.back().duplicate = std::find(m_duplicates.begin(), m_duplicates.end(), e.index) != m_duplicates.end();
  }
  return out;
}

NodeView NodeEngine::view() const {
  NodeView v;
  v.id = m_options.id;
  v.status = failed() ? NodeStatus::kFailed : NodeStatus::kRunning;
  v.failure = failed() ? m_failure.toString() : std::string();
  v.role = m_core->role();
  v.generation = m_core->generation();
  v.votedFor = m_core->votedFor();
  v.leader = m_core->leader();
  v.firstIndex = m_log->firstIndex();
  Index last = m_log->lastIndex();
  Index floor = last > m_options.retainEntries ? last - m_options.retainEntries : 1;
  v.lwm = replication::ReplicaCore::lowWaterMark(m_snapshots.latest().index, m_core->hwm(), floor);
  v.lastIndex = last;
  v.durableEnd = m_log->durableEnd();
  v.ackEnd = ackableEnd();
  v.hwm = m_core->hwm();
  v.applied = m_kv.appliedIndex();
  v.snapshot = m_snapshots.latest();
  v.writeQuorum = m_core->effectiveWriteQuorum();
  v.configuredWriteQuorum = m_core->writeQuorum();
  v.flush = m_policy;
  v.bufferedBytes = m_log->bufferedBytes();
  for (const auto& s : m_log->segments())
    v.segments.push_back({s.fileName, s.firstIndex, s.lastIndex, s.bytes, s.durableBytes, s.sealed});
  v.recent.assign(m_recent.begin(), m_recent.end());
  if (m_core->role() == Role::kLeader) v.peers = m_core->progress();
  v.kvKeys = m_kv.data().size();
  for (const auto& [k, val] : m_kv.data()) {
    if (v.kv.size() >= kViewKvKeys) break;
    v.kv.emplace(k, val.size() > kDisplayValueBytes ? val.substr(0, kDisplayValueBytes) + "…" : val);
  }
  v.duplicates.assign(m_duplicates.begin(), m_duplicates.end());
  v.counters = m_counters;
  v.counters.duplicatesIgnored = m_kv.duplicatesIgnored();
  return v;
}

const char* nodeStatusName(NodeStatus s) {
  switch (s) {
    case NodeStatus::kRunning: return "running";
    case NodeStatus::kPaused: return "paused";
    case NodeStatus::kDead: return "dead";
    case NodeStatus::kFailed: return "failed";
  }
  return "?";
}

}  // namespace qlab::node
