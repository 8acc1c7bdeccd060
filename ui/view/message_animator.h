#pragma once
// MessageAnimator: the messages flying between nodes in the cluster view, built from the
// recorder's send events. Time is the UI's wall clock in ms, stretched by the slow-motion
// scale so a class can follow one append from leader to follower and its ack coming back.
// Bounded: messages of the same type on the same link that start close together merge into
// one dot with a count, and at most kMaxMessages fly at once (the oldest go first).
#include <cstdint>
#include <vector>

#include "core/node/node_event.h"

namespace qlab::ui {

struct FlyingMessage {
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  std::uint8_t type = 0;
  int count = 1;          // merged sends
  Index a = 0, b = 0;     // entry range (appends)
  double startMs = 0;
  double durationMs = 0;
  bool dropped = false;   // the link was cut: it dies half-way
};

class MessageAnimator {
 public:
  static constexpr std::size_t kMaxMessages = 400;
  static constexpr double kBaseFlightMs = 450;

  void setTimeScale(double scale);  // 1 = as recorded, 10 = ten times slower
  double timeScale() const { return m_scale; }
  void add(const node::NodeEvent& send, double nowMs, bool cut, int delayMs);
  void advance(double nowMs);
  void clear() { m_messages.clear(); }
  const std::vector<FlyingMessage>& messages() const { return m_messages; }
  std::size_t sendsInFlight() const;  // the sends the dots stand for (merged ones counted)
  // 0..1 along the link (dropped ones stop at 0.5).
  static double progress(const FlyingMessage& m, double nowMs);

 private:
  double m_scale = 1;
  std::vector<FlyingMessage> m_messages;
};

}  // namespace qlab::ui
