// NodeEngine's Ready loop: carries out what the core asked for in a fixed order (persist,
// truncate, send, apply), decides what may be acknowledged, applies committed entries,
// snapshots and compacts the log, and fails the node on a storage error.
#include "core/node/node_engine.h"

#include <algorithm>

#include "core/common/assert.h"
#include "core/kv/command.h"
#include "core/node/meta_store.h"

namespace qlab::node {

using replication::Ready;
using replication::Role;

namespace {
constexpr std::size_t kMaxDuplicatesRemembered = 4096;
std::string str(Index i) { return std::to_string(i); }
}  // namespace

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
      if (!r.messages.empty()) m_host.sendQueuedNow();
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
          event(EventKind::kClientWrite, kNoNode, ar.answerIndex, w.seq);
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
    event(EventKind::kClientRead, kNoNode, p.readIndex, p.request.seq);
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


}  // namespace qlab::node
