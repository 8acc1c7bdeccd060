#pragma once
// Diffing one node's log between two snapshots, by index
// (docs/architecture.md "Threads and the UI"):
// appends add rows at the end, a moved first index (LWM, deleted segments) or the held-rows
// cap removes a prefix, and a truncation, a restart or a gap resets. Pure: no Qt, no I/O,
// so the rules are tested on their own (tests/ui/tst_log_diff.cpp).
#include <cstddef>
#include <deque>
#include <utility>
#include <vector>

#include "core/node/node_view.h"

namespace qlab::ui {

enum class ResetReason {
  kNone,
  kFirst,      // nothing held yet
  kRestart,    // the node came back (new incarnation): its picture starts over
  kTruncate,   // entries after `cutAfter` were replaced or removed
  kGap,        // more entries arrived than the node's window shows: reload the tail
};
const char* resetReasonName(ResetReason r);

struct LogDiff {
  bool reset = false;
  ResetReason reason = ResetReason::kNone;
  Index cutAfter = 0;                  // kTruncate: held entries after this are gone
  std::size_t removeFront = 0;         // incremental: rows to drop from the front
  std::vector<node::EntryView> append; // rows to add at the end (all rows when reset)
  // Incremental: rows whose display flags changed (same entry, e.g. now marked duplicate),
  // as (row after removing the prefix, new value).
  std::vector<std::pair<std::size_t, node::EntryView>> changed;
  bool empty() const { return !reset && removeFront == 0 && append.empty() && changed.empty(); }
};

// True when `next` is a new life of the node `prev` showed (it was down and runs again, or
// its publish counter started over).
bool isRestart(const node::NodeView& prev, const node::NodeView& next);

// `held` = the rows a consumer holds (ascending, contiguous indices), `prev` = the snapshot
// they came from (nullptr if none), `next` = the new snapshot; at most `capacity` rows kept.
LogDiff diffLog(const std::deque<node::EntryView>& held, const node::NodeView* prev,
                const node::NodeView& next, std::size_t capacity);

// Applies a diff to a plain container (what the models do with begin/end calls around it).
void applyLogDiff(std::deque<node::EntryView>& held, const LogDiff& d);

}  // namespace qlab::ui
