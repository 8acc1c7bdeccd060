#include "ui/view/message_animator.h"

#include <algorithm>

namespace qlab::ui {

void MessageAnimator::setTimeScale(double scale) { m_scale = std::clamp(scale, 0.25, 50.0); }

void MessageAnimator::add(const node::NodeEvent& send, double nowMs, bool cut, int delayMs) {
  const double mergeWindowMs = 150 * m_scale;
  for (auto it = m_messages.rbegin(); it != m_messages.rend(); ++it) {
    if (nowMs - it->startMs > mergeWindowMs) break;
    if (it->from == send.node && it->to == send.peer && it->type == send.msgType && it->dropped == cut) {
      ++it->count;
      if (send.b > it->b) it->b = send.b;
      return;
    }
  }
  FlyingMessage m;
  m.from = send.node;
  m.to = send.peer;
  m.type = send.msgType;
  m.a = send.a;
  m.b = send.b;
  m.startMs = nowMs;
  m.durationMs = (kBaseFlightMs + std::max(delayMs, 0)) * m_scale;
  m.dropped = cut;
  m_messages.push_back(m);
  if (m_messages.size() > kMaxMessages)
    m_messages.erase(m_messages.begin(), m_messages.begin() + static_cast<std::ptrdiff_t>(m_messages.size() - kMaxMessages));
}

std::size_t MessageAnimator::sendsInFlight() const {
  std::size_t n = 0;
  for (const auto& m : m_messages) n += static_cast<std::size_t>(std::max(m.count, 1));
  return n;
}

double MessageAnimator::progress(const FlyingMessage& m, double nowMs) {
  double p = m.durationMs > 0 ? (nowMs - m.startMs) / m.durationMs : 1;
  return std::clamp(p, 0.0, m.dropped ? 0.5 : 1.0);
}

void MessageAnimator::advance(double nowMs) {
  std::erase_if(m_messages, [&](const FlyingMessage& m) {
    // A dropped message lingers (fading, with a cross) as long as a whole flight.
    return nowMs - m.startMs >= m.durationMs * (m.dropped ? 1.5 : 1.0);
  });
}

}  // namespace qlab::ui
