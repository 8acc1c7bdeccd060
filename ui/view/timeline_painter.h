#pragma once
// The space-time (sequence) diagram of the timeline: one vertical lifeline per node, time
// downwards, an arrow per message from its send to its receipt, and markers for faults and
// milestones (kill, restart, election, truncation, segment roll/delete, flush, partition).
//
// The rules that keep it readable at any load (layoutTimeline decides, paintTimeline draws
// what it decided; the view, its hit testing, the tests and SVG/PNG export share both):
// - Message kinds (append, ack, vote, heartbeat, snapshot; a kind covers a request and its
//   reply) can be switched off; what is off is neither drawn nor counted against the budget.
// - Heartbeats are collapsed by default: per pair of nodes a thin band beside the
//   higher-numbered lifeline, with a tick per heartbeat received, broken where none arrived
//   for kBandGapMs. Un-collapsed they are arrows like the rest.
// - Arrows of one kind on one link that start and end within kBundlePx of the previous one
//   become one thicker arrow labelled "×N".
// - A client request can be highlighted by its log index: the appends whose range covers it,
//   their receipts, the first flush on each node that made it durable, the first ack from
//   each follower that acknowledges it and the client write (the reply) stay bright,
//   everything else dims. The chain is never bundled or sampled away.
// - Drawing cost is bounded: beyond a budget of arrows, heartbeat arrows are folded into a
//   count and then the rest is sampled; dense flushes and client writes become one tick per
//   pixel row per node.
// - Markers (faults, elections, partitions...) are never sampled, folded or dimmed, and are
//   drawn last, on top of everything.
#include <array>
#include <cstdint>
#include <vector>

#include <QPointF>
#include <QColor>
#include <QRect>
#include <QRectF>

#include "core/instruments/recorder.h"
#include "ui/view/theme.h"

class QPainter;

namespace qlab::ui {

// What the kind chips switch; each covers one or two MessageTypes.
enum class TimelineKind : std::uint8_t { kAppend, kAck, kVote, kHeartbeat, kSnapshot };
inline constexpr int kTimelineKinds = 5;
inline constexpr std::uint32_t kAllTimelineKinds = (1u << kTimelineKinds) - 1;
constexpr std::uint32_t timelineKindBit(TimelineKind k) { return 1u << static_cast<unsigned>(k); }
TimelineKind timelineKindOf(std::uint8_t msgType);
QString timelineKindName(TimelineKind k);  // "append", "ack", "vote", "heartbeat", "snapshot"
std::uint8_t timelineKindMessageType(TimelineKind k);  // the request's MessageType (for its colour)

// Faults and milestones: the events drawn as markers (never sampled, folded or dimmed).
bool isTimelineMarker(const node::NodeEvent& e);

struct MessageArrow {
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  std::uint8_t type = 0;
  std::int64_t sendMs = 0;
  std::int64_t recvMs = -1;  // -1: never received (dropped, or still in flight)
  Index a = 0, b = 0;
  bool chain = false;        // part of the highlighted request (PairOptions::highlight)
};

struct PairedMessages {
  std::vector<MessageArrow> arrows;
  std::size_t total = 0;        // messages of the shown kinds in the window before folding/sampling
  std::size_t hidden = 0;       // messages of kinds switched off
  std::size_t heartbeats = 0;   // heartbeats (and replies) folded into counts
  std::size_t sampleEvery = 1;  // 1 = every message drawn
};

struct PairOptions {
  std::size_t budget = SIZE_MAX;
  std::uint32_t kinds = kAllTimelineKinds;  // timelineKindBit()s to pair; the rest are `hidden`
  Index highlight = 0;                      // 0 = none; else mark that request's chain
};

// Matches each receive with the earliest earlier unmatched send of the same link, type and
// entry range; keeps at most `budget` arrows (heartbeats folded first, then sampling; arrows
// of the highlighted chain are never sampled away).
PairedMessages pairMessages(const std::vector<cluster::RecordedEvent>& events, std::size_t budget);
PairedMessages pairMessages(const std::vector<cluster::RecordedEvent>& events, const PairOptions& o);

struct TimelineScene {
  const std::vector<cluster::RecordedEvent>* events = nullptr;  // in time order
  // Where markers come from when set (so a window cut short by a fetch limit keeps them);
  // otherwise from `events`.
  const std::vector<cluster::RecordedEvent>* markerEvents = nullptr;
  int nodes = 0;
  std::int64_t fromMs = 0;
  std::int64_t toMs = 1000;
  QRectF rect;                // where to draw
  Theme theme;
  std::size_t arrowBudget = 1500;
  bool paused = false;
  std::uint32_t kinds = kAllTimelineKinds;
  bool heartbeatBands = true;  // heartbeats as bands rather than arrows
  Index highlight = 0;         // the client request (log index) followed end to end; 0 = none
  // Slow motion: arrows whose receipt lies after `animNowMs` grow from the sender over their
  // flight time stretched by `timeScale` (animNowMs < 0: no animation).
  std::int64_t animNowMs = -1;
  double timeScale = 1.0;
};

inline constexpr double kBundlePx = 4.0;
inline constexpr std::int64_t kBandGapMs = 350;  // 3.5 heartbeat intervals

// One drawn arrow (or bundle of `count` arrows: `m` is the first, `m.a`/`m.b` span them all).
struct TimelineArrow {
  MessageArrow m;
  QPointF p1, p2;  // the drawn segment (for a message not received: a short stub)
  int count = 1;
  bool stub = false;
  bool lost = false;  // a stub old enough to count as lost (drawn with a cross)
  double lastY = 0;   // where the newest member of the bundle was sent
};
struct HeartbeatBand {
  NodeId lo = kNoNode, hi = kNoNode;
  double x = 0;
  std::size_t count = 0;  // heartbeats and replies received on this pair in the window
};
struct BandMark {
  std::uint32_t band = 0;
  double y1 = 0, y2 = 0;
  bool tick = false;  // a tick (y1 == y2) or a stretch of steady heartbeats
};
struct TimelineMark {
  node::EventKind kind = node::EventKind::kKill;
  NodeId node = kNoNode;  // 0: the whole cluster (a line across)
  QPointF at;
  Index a = 0;
  std::size_t event = 0;  // index into the list it came from (markerEvents or events)
  bool chain = false;
};

struct TimelineLayout {
  std::vector<TimelineArrow> arrows;
  std::vector<HeartbeatBand> bands;
  std::vector<BandMark> bandMarks;
  std::vector<TimelineMark> ticks;    // flushes and client writes, thinned to a pixel row
  std::vector<TimelineMark> markers;  // faults and milestones: all of them
  std::array<int, kTimelineKinds> arrowsPerKind{};  // drawn arrows (a bundle counts once)
  int bundles = 0;
  std::size_t total = 0, hidden = 0, heartbeatsFolded = 0, heartbeatsBanded = 0, sampleEvery = 1;
  Index highlight = 0;
  int chainArrows = 0, chainFlushes = 0, chainWrites = 0;
  double axisW = 62, headerH = 22, colW = 0, top = 0, bottom = 0;
  std::vector<std::uint32_t> scratch;  // reused between layouts

  int arrowCount(TimelineKind k) const { return arrowsPerKind[static_cast<std::size_t>(k)]; }
  // The arrow drawn nearest to `p` within `tolerance` pixels (nullptr: none).
  const TimelineArrow* arrowAt(QPointF p, double tolerance = 5) const;
  // The client request an arrow or client-write tick at `p` stands for (0: none).
  Index requestAt(QPointF p) const;
};

// A heartbeat band's stretch is drawn as `c` at `alpha` over `background`, made opaque, on
// whole pixels from y1 to y2 around x (3 px wide): the cheap path of the raster engine.
QColor blendOver(const QColor& c, float alpha, const QColor& background);
QRect bandStretchRect(double x, double y1, double y2);

// Decides what to draw; `out`'s buffers are reused.
void layoutTimeline(const TimelineScene& s, TimelineLayout& out);
void paintTimeline(QPainter& p, const TimelineScene& s, const TimelineLayout& l);
void paintTimeline(QPainter& p, const TimelineScene& s);

}  // namespace qlab::ui
