#pragma once
// A fault on one direction of a link (this node -> one peer), applied by the sending
// transport. A symmetric partition is two one-way cuts, set by core/cluster on both sides.
#include <algorithm>

namespace qlab::net {

struct LinkFault {
  bool cut = false;              // drop every message (and those already delayed)
  int delayMs = 0;               // hold each message at least this long; order is kept
  double dropProbability = 0.0;  // drop each message with this chance (seeded, repeatable)

  bool isNone() const { return !cut && delayMs <= 0 && dropProbability <= 0.0; }
  // Out-of-range values from a scenario file or the UI are clamped, not trusted.
  LinkFault clamped() const {
    LinkFault f = *this;
    f.delayMs = std::clamp(f.delayMs, 0, 60'000);
    f.dropProbability = std::clamp(f.dropProbability, 0.0, 1.0);
    return f;
  }
  friend bool operator==(const LinkFault&, const LinkFault&) = default;
};

}  // namespace qlab::net
