#include "ui/model/log_diff.h"

#include <algorithm>

namespace qlab::ui {

const char* resetReasonName(ResetReason r) {
  switch (r) {
    case ResetReason::kNone: return "none";
    case ResetReason::kFirst: return "first";
    case ResetReason::kRestart: return "restart";
    case ResetReason::kTruncate: return "truncate";
    case ResetReason::kGap: return "gap";
  }
  return "?";
}

bool isRestart(const node::NodeView& prev, const node::NodeView& next) {
  bool wasDown = prev.status == node::NodeStatus::kDead || prev.status == node::NodeStatus::kFailed;
  bool isUp = next.status == node::NodeStatus::kRunning || next.status == node::NodeStatus::kPaused;
  return (wasDown && isUp) || next.version < prev.version;
}

namespace {

// Same entry (same place in the same history), possibly with different display flags.
bool sameEntry(const node::EntryView& a, const node::EntryView& b) {
  return a.index == b.index && a.generation == b.generation && a.type == b.type &&
         a.client == b.client && a.seq == b.seq && a.timestampMs == b.timestampMs;
}

LogDiff resetTo(const node::NodeView& next, ResetReason why, std::size_t capacity, Index cutAfter = 0) {
  LogDiff d;
  d.reset = true;
  d.reason = why;
  d.cutAfter = cutAfter;
  std::size_t skip = next.recent.size() > capacity ? next.recent.size() - capacity : 0;
  for (std::size_t i = skip; i < next.recent.size(); ++i)
    if (next.recent[i].index >= next.firstIndex) d.append.push_back(next.recent[i]);
  return d;
}

}  // namespace

LogDiff diffLog(const std::deque<node::EntryView>& held, const node::NodeView* prev,
                const node::NodeView& next, std::size_t capacity) {
  if (prev && isRestart(*prev, next)) return resetTo(next, ResetReason::kRestart, capacity);
  if (held.empty()) {
    if (next.recent.empty()) return {};
    return resetTo(next, ResetReason::kFirst, capacity);
  }
  const Index heldFirst = held.front().index;
  const Index heldLast = held.back().index;
  // The log ends before what we hold: the tail was cut (kill of a buffered tail shows up as
  // a restart above; this is a follower truncating its uncommitted suffix).
  if (next.lastIndex < heldLast) {
    Index cut = next.lastIndex;
    for (const auto& e : next.recent)
      if (e.index >= heldFirst && e.index <= heldLast && !sameEntry(held[e.index - heldFirst], e)) {
        cut = std::min(cut, e.index - 1);
        break;
      }
    return resetTo(next, ResetReason::kTruncate, capacity, cut);
  }
  LogDiff d;
  for (const auto& e : next.recent) {
    if (e.index < heldFirst) continue;
    if (e.index <= heldLast) {
      const auto pos = static_cast<std::size_t>(e.index - heldFirst);
      if (!sameEntry(held[pos], e)) return resetTo(next, ResetReason::kTruncate, capacity, e.index - 1);
      if (!(held[pos] == e)) d.changed.emplace_back(pos, e);
      continue;
    }
    const Index expected = d.append.empty() ? heldLast + 1 : d.append.back().index + 1;
    if (e.index != expected) return resetTo(next, ResetReason::kGap, capacity);
    d.append.push_back(e);
  }
  // Prefix: below the node's first index (deleted segments) or beyond the cap.
  std::size_t total = held.size() + d.append.size();
  std::size_t belowFirst = 0;
  if (next.firstIndex > heldFirst)
    belowFirst = static_cast<std::size_t>(std::min<Index>(next.firstIndex - heldFirst, total));
  std::size_t overCap = total > capacity ? total - capacity : 0;
  d.removeFront = std::max(belowFirst, overCap);
  if (d.removeFront > held.size()) {
    // Everything held goes, and part of the appended rows too.
    std::size_t drop = d.removeFront - held.size();
    d.append.erase(d.append.begin(), d.append.begin() + static_cast<std::ptrdiff_t>(drop));
    d.removeFront = held.size();
  }
  std::erase_if(d.changed, [&](const auto& c) { return c.first < d.removeFront; });
  for (auto& c : d.changed) c.first -= d.removeFront;
  return d;
}

void applyLogDiff(std::deque<node::EntryView>& held, const LogDiff& d) {
  if (d.reset) {
    held.assign(d.append.begin(), d.append.end());
    return;
  }
  held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(d.removeFront));
  for (const auto& [row, e] : d.changed) held[row] = e;
  held.insert(held.end(), d.append.begin(), d.append.end());
}

}  // namespace qlab::ui
