// NodeEngine: timeline events, client responses, and the immutable view the UI and the
// recorder read.
#include "core/node/node_engine.h"

#include <algorithm>

#include "core/common/assert.h"
#include "core/kv/command.h"
#include "core/node/meta_store.h"

namespace qlab::node {

using replication::Role;

namespace {
constexpr std::size_t kDisplayValueBytes = 64;
constexpr std::size_t kViewKvKeys = 200;
}  // namespace

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
