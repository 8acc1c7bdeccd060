#include "ui/model/lane_cache.h"

#include <algorithm>

#include "ui/model/log_diff.h"

namespace qlab::ui {

void LaneCache::setSource(const ClusterSource* source) {
  m_source = source;
  m_nodes.clear();
  m_lost.clear();
}

void LaneCache::ghostAfter(NodeCache& c, Index after, std::int64_t nowMs, GhostEntry::Why why) {
  for (auto it = c.entries.upper_bound(after); it != c.entries.end();) {
    c.ghosts.push_back({it->second, nowMs, why});
    it = c.entries.erase(it);
  }
}

void LaneCache::takeView(NodeCache& c, const ViewPtr& v, std::int64_t nowMs) {
  const bool restarted = c.last && isRestart(*c.last, *v);
  // Entries past the recovered log end were in the unflushed buffer when the node died.
  if (restarted) ghostAfter(c, v->lastIndex, nowMs, GhostEntry::Why::kKilledBuffer);
  const bool down = v->status == node::NodeStatus::kDead || v->status == node::NodeStatus::kFailed;
  if (!down) {
    // The first place the new picture disagrees with what is held: everything after it was
    // cut (a shorter log, or a different entry at an index).
    Index cut = c.entries.empty() ? v->lastIndex : std::min(v->lastIndex, c.entries.rbegin()->first);
    for (const auto& e : v->recent) {
      auto it = c.entries.find(e.index);
      if (it != c.entries.end() && (it->second.generation != e.generation || it->second.client != e.client ||
                                    it->second.seq != e.seq || it->second.type != e.type)) {
        cut = std::min(cut, e.index - 1);
        break;
      }
    }
    ghostAfter(c, cut, nowMs, GhostEntry::Why::kTruncated);
    // Most of the window is held already and unchanged (anything that differed was cut just
    // above; whether an entry was applied as a duplicate can still change): copying all of it
    // again on every frame, strings and all, was the lanes' largest cost in the poll.
    for (const auto& e : v->recent) {
      auto [it, fresh] = c.entries.try_emplace(e.index, e);
      if (!fresh && !(it->second == e)) it->second = e;
    }
    c.duplicates = v->duplicates;
    std::sort(c.duplicates.begin(), c.duplicates.end());
  }
  c.last = v;
  prune(c, nowMs);
}

void LaneCache::prune(NodeCache& c, std::int64_t nowMs) {
  while (!c.ghosts.empty() && nowMs - c.ghosts.front().atMs > kGhostMs) c.ghosts.pop_front();
  while (c.ghosts.size() > 4096) c.ghosts.pop_front();
  if (c.last) {
    // Below the node's first index the log no longer has them (segments deleted).
    c.entries.erase(c.entries.begin(), c.entries.lower_bound(c.last->firstIndex));
  }
  if (c.entries.size() <= kMaxEntriesPerNode) return;
  // Keep the visible window and the tail; drop the rest, oldest first, just back down to the
  // bound: following the log that is about a frame's worth of entries each frame. (Dropping
  // down to half the bound at once freed some 10,000 entries per node in a single frame every
  // few seconds at full load.)
  const Index tailFrom = c.last && c.last->lastIndex > 256 ? c.last->lastIndex - 256 : 1;
  for (auto it = c.entries.begin(); it != c.entries.end() && c.entries.size() > kMaxEntriesPerNode;) {
    const Index i = it->first;
    const bool visible = i + 512 >= m_windowFrom && i <= m_windowTo + 512;
    if (!visible && i < tailFrom) it = c.entries.erase(it);
    else ++it;
  }
}

void LaneCache::update(const ClusterFrame& f) {
  if (f.sourceChanged || static_cast<int>(m_nodes.size()) != f.size) {
    m_nodes.assign(static_cast<std::size_t>(std::max(f.size, 0)), NodeCache{});
    m_lost.clear();
  }
  // Truncation events first: they name exactly what was cut, before the snapshot shows it.
  for (const auto& re : f.events) {
    const node::NodeEvent& e = re.event;
    if (e.kind != node::EventKind::kTruncate || e.node < 1 || e.node > m_nodes.size()) continue;
    ghostAfter(m_nodes[e.node - 1], e.a, f.nowMs, GhostEntry::Why::kTruncated);
  }
  for (const auto& v : f.views)
    if (v && v->id >= 1 && v->id <= m_nodes.size()) takeView(m_nodes[v->id - 1], v, f.nowMs);
}

int LaneCache::ensure(Index from, Index to) {
  m_windowFrom = from;
  m_windowTo = to;
  if (!m_source || from > to) return 0;
  int calls = 0;
  ++m_ensureCalls;
  for (std::size_t n = 0; n < m_nodes.size(); ++n) {
    NodeCache& c = m_nodes[n];
    if (!c.last || c.last->status == node::NodeStatus::kDead || c.last->status == node::NodeStatus::kFailed)
      continue;
    const Index lo = std::max(from, c.last->firstIndex);
    const Index hi = std::min(to, c.last->lastIndex);
    if (lo > hi) continue;
    Index missFrom = 0, missTo = 0;
    for (Index i = lo; i <= hi; ++i) {
      if (c.entries.count(i)) continue;
      if (missFrom == 0) missFrom = i;
      missTo = i;
    }
    if (missFrom == 0) continue;
    missTo = std::min(missTo, missFrom + kMaxFetch - 1);
    if (missFrom == c.shortFrom && missTo == c.shortTo && m_ensureCalls - c.shortAtCall < 15) continue;
    auto got = m_source->entries(static_cast<NodeId>(n + 1), missFrom, missTo);
    ++calls;
    if (got.size() < missTo - missFrom + 1) {
      c.shortFrom = missFrom;
      c.shortTo = missTo;
      c.shortAtCall = m_ensureCalls;
    }
    for (auto& e : got) c.entries.emplace(e.index, std::move(e));
  }
  return calls;
}

void LaneCache::setLostWrites(std::vector<cluster::LostWrite> lost) {
  m_lost = std::move(lost);
  std::sort(m_lost.begin(), m_lost.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
}

const node::EntryView* LaneCache::entry(NodeId node, Index index) const {
  if (node < 1 || node > m_nodes.size()) return nullptr;
  const auto& m = m_nodes[node - 1].entries;
  auto it = m.find(index);
  return it == m.end() ? nullptr : &it->second;
}

std::vector<GhostEntry> LaneCache::ghosts(NodeId node, Index from, Index to) const {
  std::vector<GhostEntry> out;
  if (node < 1 || node > m_nodes.size()) return out;
  for (const auto& g : m_nodes[node - 1].ghosts)
    if (g.entry.index >= from && g.entry.index <= to) out.push_back(g);
  return out;
}

bool LaneCache::isDuplicate(NodeId node, Index index) const {
  if (node < 1 || node > m_nodes.size()) return false;
  const auto& d = m_nodes[node - 1].duplicates;
  return std::binary_search(d.begin(), d.end(), index);
}

std::size_t LaneCache::heldEntries(NodeId node) const {
  return node >= 1 && node <= m_nodes.size() ? m_nodes[node - 1].entries.size() : 0;
}

}  // namespace qlab::ui
