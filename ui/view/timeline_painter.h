#pragma once
// The space-time (sequence) diagram of the timeline: one vertical lifeline per node, time
// downwards, an arrow per message from its send to its receipt, and markers for faults and
// milestones (kill, restart, election, truncation, segment roll/delete, flush, partition).
// Drawing cost is bounded: beyond a budget of arrows, heartbeats are folded into per-node
// counts and the rest is sampled; dense flushes become one tick per pixel row. Pure painting
// from values: the view and SVG/PNG export share it.
#include <cstdint>
#include <vector>

#include <QRectF>

#include "core/cluster/recorder.h"
#include "ui/view/theme.h"

class QPainter;

namespace qlab::ui {

struct MessageArrow {
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  std::uint8_t type = 0;
  std::int64_t sendMs = 0;
  std::int64_t recvMs = -1;  // -1: never received (dropped, or still in flight)
  Index a = 0, b = 0;
};

struct PairedMessages {
  std::vector<MessageArrow> arrows;
  std::size_t total = 0;        // messages in the window before folding/sampling
  std::size_t heartbeats = 0;   // heartbeats (and replies) folded into counts
  std::size_t sampleEvery = 1;  // 1 = every message drawn
};

// Matches each receive with the earliest earlier unmatched send of the same link, type and
// entry range; keeps at most `budget` arrows (heartbeats folded first, then sampling).
PairedMessages pairMessages(const std::vector<cluster::RecordedEvent>& events, std::size_t budget);

struct TimelineScene {
  const std::vector<cluster::RecordedEvent>* events = nullptr;  // in time order
  int nodes = 0;
  std::int64_t fromMs = 0;
  std::int64_t toMs = 1000;
  QRectF rect;                // where to draw
  Theme theme;
  std::size_t arrowBudget = 1500;
  bool paused = false;
};

void paintTimeline(QPainter& p, const TimelineScene& s);

}  // namespace qlab::ui
