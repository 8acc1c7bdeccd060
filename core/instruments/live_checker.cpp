#include "core/instruments/live_checker.h"

#include <algorithm>
#include <optional>
#include <unordered_set>

#include "core/common/crc32c.h"
#include "core/kv/command.h"

namespace qlab::cluster {

namespace {
struct PairHash {
  std::size_t operator()(const std::pair<std::uint64_t, std::uint64_t>& p) const {
    return std::hash<std::uint64_t>()(p.first * 0x9e3779b97f4a7c15ull ^ p.second);
  }
};
}  // namespace

LiveChecker::LiveChecker(int nodes, std::size_t window)
    : m_nodes(nodes), m_window(window),
      m_lineage(static_cast<std::size_t>(nodes) + 1),
      m_hwm(static_cast<std::size_t>(nodes) + 1, {0, 0}) {}

void LiveChecker::setClock(std::function<std::int64_t()> clock) {
  std::lock_guard lk(m_mu);
  m_clock = std::move(clock);
}

void LiveChecker::setSink(std::function<void(const Finding&)> sink) {
  std::lock_guard lk(m_mu);
  m_sink = std::move(sink);
}

void LiveChecker::setSafe(bool safe) {
  std::lock_guard lk(m_mu);
  m_safe = safe;
  if (!safe) m_everUnsafe = true;
}

bool LiveChecker::everUnsafe() const {
  std::lock_guard lk(m_mu);
  return m_everUnsafe;
}

// Callers hold m_mu; the sink runs after it is released (see the public feeds).
void LiveChecker::report(bool violation, std::string text) {
  Finding f{m_clock ? m_clock() : 0, violation, std::move(text)};
  m_findings.push_back(f);
  if (m_findings.size() > 10000) {
    m_findings.erase(m_findings.begin(), m_findings.begin() + 5000);
    m_findingsDropped += 5000;
  }
}

// Hands the findings added since `before` to the sink, after releasing the lock.
void LiveChecker::deliver(std::unique_lock<std::mutex>& lk, std::size_t before) {
  std::vector<Finding> fresh(m_findings.begin() + static_cast<std::ptrdiff_t>(std::min(before, m_findings.size())),
                             m_findings.end());
  auto sink = m_sink;
  lk.unlock();
  if (sink)
    for (const auto& f : fresh) sink(f);
}

void LiveChecker::onEvent(const node::NodeEvent& e) {
  if (e.kind != node::EventKind::kElected) return;
  std::unique_lock lk(m_mu);
  std::size_t before = m_findings.size();
  auto [it, inserted] = m_leaderOf.emplace(e.generation, e.node);
  if (!inserted && it->second != e.node)
    report(true, "two leaders in generation " + std::to_string(e.generation) + ": node " +
                     std::to_string(it->second) + " and node " + std::to_string(e.node));
  ++m_leaderChanges;
  deliver(lk, before);
}

void LiveChecker::onApplied(NodeId node, const Entry& e, bool /*duplicate*/) {
  if (node < 1 || node > static_cast<NodeId>(m_nodes)) return;
  Applied a;
  a.index = e.index;
  a.generation = e.generation;
  a.crc = crc32c::value(e.payload) ^ static_cast<std::uint32_t>(e.type);
  if (e.type == EntryType::kData) {
    if (auto c = kv::decodeCommand(e.payload); c.isOk()) {
      a.data = true;
      a.client = c->client;
      a.seq = c->seq;
    }
  }
  std::unique_lock lk(m_mu);
  std::size_t before = m_findings.size();
  auto it = m_committed.find(e.index);
  if (it == m_committed.end()) {
    m_committed.emplace(e.index, std::make_pair(e.generation, a.crc));
    while (m_committed.size() > m_window) m_committed.erase(m_committed.begin());
  } else if (it->second.first != e.generation || it->second.second != a.crc) {
    bool violation = m_safe && !m_everUnsafe;
    report(violation, "node " + std::to_string(node) + " applied a different entry at committed index " +
                          std::to_string(e.index) + " (generation " + std::to_string(e.generation) +
                          ", first committed in generation " + std::to_string(it->second.first) + ")" +
                          (violation ? "" : ": histories diverged under an unsafe configuration"));
    it->second = {e.generation, a.crc};
    m_recheck = true;
  }
  auto& lin = m_lineage[node];
  if (!lin.empty() && lin.back().index + 1 != e.index) lin.clear();  // a gap we were not told about
  lin.push_back(a);
  while (lin.size() > m_window) lin.pop_front();
  deliver(lk, before);
}

void LiveChecker::onStateReplaced(NodeId node, const replication::SnapshotMeta& meta, NodeId from) {
  if (node < 1 || node > static_cast<NodeId>(m_nodes)) return;
  std::lock_guard lk(m_mu);
  auto& lin = m_lineage[node];
  lin.clear();
  if (from >= 1 && from <= static_cast<NodeId>(m_nodes) && from != node)
    for (const auto& a : m_lineage[from])
      if (a.index <= meta.index) lin.push_back(a);
  // A replaced state machine starts a new HWM history (it may even go back after a
  // divergence). Polls may still show views from before the install: start afresh.
  m_hwm[node] = {-1, 0};
  m_recheck = true;
}

void LiveChecker::onRestart(NodeId node, Index appliedAtStart) {
  if (node < 1 || node > static_cast<NodeId>(m_nodes)) return;
  std::lock_guard lk(m_mu);
  auto& lin = m_lineage[node];
  while (!lin.empty() && lin.back().index > appliedAtStart) lin.pop_back();
  if (!lin.empty() && lin.back().index != appliedAtStart) lin.clear();
  m_recheck = true;
}

void LiveChecker::onHwm(NodeId node, int life, Index hwm) {
  if (node < 1 || node > static_cast<NodeId>(m_nodes)) return;
  std::unique_lock lk(m_mu);
  std::size_t before = m_findings.size();
  auto& h = m_hwm[node];
  if (h.first == life && hwm < h.second) {
    bool violation = m_safe && !m_everUnsafe;
    report(violation, "node " + std::to_string(node) + " HWM went back from " + std::to_string(h.second) +
                          " to " + std::to_string(hwm));
  }
  h = {life, hwm};
  deliver(lk, before);
}

void LiveChecker::onOperation(const Operation& op) {
  if (op.kind != OpKind::kWrite || op.result != OpResult::kOk) return;
  std::lock_guard lk(m_mu);
  m_acked.push_back(op);
  if (m_acked.size() > m_window) {
    std::size_t drop = m_window / 2;
    m_acked.erase(m_acked.begin(), m_acked.begin() + static_cast<std::ptrdiff_t>(drop));
    m_verified = m_verified > drop ? m_verified - drop : 0;
  }
}

std::vector<LostWrite> LiveChecker::checkNewlyLost(NodeId leader) {
  std::vector<LostWrite> fresh;
  if (leader < 1 || leader > static_cast<NodeId>(m_nodes)) return fresh;
  std::unique_lock lk(m_mu);
  std::size_t before = m_findings.size();
  if (leader != m_verifiedLeader || m_recheck) {
    m_verified = 0;
    m_verifiedLeader = leader;
    m_recheck = false;
  }
  const auto& lin = m_lineage[leader];
  if (lin.empty()) return fresh;
  Index first = lin.front().index;
  Index last = lin.back().index;
  std::optional<std::unordered_set<std::pair<std::uint64_t, std::uint64_t>, PairHash>> applied;
  std::size_t i = m_verified;
  for (; i < m_acked.size(); ++i) {
    const Operation& op = m_acked[i];
    if (op.index > last) break;  // the leader has not applied that far yet: look again later
    if (op.index < first) continue;
    const Applied& a = lin[static_cast<std::size_t>(op.index - first)];
    if (a.data && a.client == op.client && a.seq == op.seq) continue;
    if (!applied) {  // rare: build the session view once
      applied.emplace();
      std::unordered_map<std::uint64_t, std::uint64_t> newest;
      for (const auto& x : lin) {
        if (!x.data) continue;
        auto& n = newest[x.client];
        if (x.seq <= n) continue;
        n = x.seq;
        applied->emplace(x.client, x.seq);
      }
    }
    if (applied->count({op.client, op.seq})) continue;
    if (!m_reportedLost.emplace(op.client, op.seq).second) continue;
    LostWrite lw{op.client, op.seq, op.key, op.value, op.index};
    fresh.push_back(lw);
    m_lost.push_back(lw);
    bool violation = !m_everUnsafe;
    report(violation, "acknowledged write lost: client " + std::to_string(op.client) + " seq " +
                          std::to_string(op.seq) + " (" + op.key + "=" + op.value + ") answered ok at index " +
                          std::to_string(op.index) + " is not in the committed log" +
                          (violation ? "" : " (expected under an unsafe configuration)"));
  }
  m_verified = i;
  deliver(lk, before);
  return fresh;
}

std::vector<LostWrite> LiveChecker::lostSoFar() const {
  std::lock_guard lk(m_mu);
  return m_lost;
}

std::vector<LostWrite> LiveChecker::lostWrites(NodeId leader) const {
  std::lock_guard lk(m_mu);
  std::vector<LostWrite> lost;
  if (leader < 1 || leader > static_cast<NodeId>(m_nodes)) return lost;
  const auto& lin = m_lineage[leader];
  if (lin.empty()) return lost;
  // What took effect in the leader's history, by the session rule (newest seq per client).
  std::unordered_set<std::pair<std::uint64_t, std::uint64_t>, PairHash> applied;
  std::unordered_map<std::uint64_t, std::uint64_t> newest;
  for (const auto& a : lin) {
    if (!a.data) continue;
    auto& n = newest[a.client];
    if (a.seq <= n) continue;
    n = a.seq;
    applied.emplace(a.client, a.seq);
  }
  Index first = lin.front().index;
  Index last = lin.back().index;
  for (const auto& op : m_acked) {
    // Below the leader's known history we can no longer judge. Above its end the write is
    // lost too: at the end of a run the leader has applied everything committed.
    if (op.index < first) continue;
    (void)last;
    if (!applied.count({op.client, op.seq})) lost.push_back({op.client, op.seq, op.key, op.value, op.index});
  }
  return lost;
}

std::vector<Finding> LiveChecker::findings() const {
  std::lock_guard lk(m_mu);
  return m_findings;
}

std::vector<Finding> LiveChecker::findingsFrom(std::uint64_t first) const {
  std::lock_guard lk(m_mu);
  const std::uint64_t from = std::max(first, m_findingsDropped) - m_findingsDropped;
  if (from >= m_findings.size()) return {};
  return {m_findings.begin() + static_cast<std::ptrdiff_t>(from), m_findings.end()};
}

std::uint64_t LiveChecker::findingsTotal() const {
  std::lock_guard lk(m_mu);
  return m_findingsDropped + m_findings.size();
}

std::vector<std::string> LiveChecker::violations() const {
  std::lock_guard lk(m_mu);
  std::vector<std::string> out;
  for (const auto& f : m_findings)
    if (f.violation) out.push_back(f.text);
  return out;
}

int LiveChecker::leaderChanges() const {
  std::lock_guard lk(m_mu);
  return m_leaderChanges;
}

}  // namespace qlab::cluster
