#include "ui/source/frame_stats.h"

#include <algorithm>
#include <cmath>

namespace qlab::ui {

namespace {
FrameStats* g_active = nullptr;
}

FrameStats* FrameStats::active() { return g_active; }
void FrameStats::setActive(FrameStats* stats) { g_active = stats; }

void FrameStats::addUpdate(double ms) {
  if (m_open >= 0) m_frames.push_back(m_open);
  m_open = ms;
  m_updates.push_back(ms);
}

void FrameStats::addPaint(double ms) {
  m_paints.push_back(ms);
  if (m_open >= 0) m_open += ms;
}

void FrameStats::clear() {
  m_frames.clear();
  m_updates.clear();
  m_paints.clear();
  m_open = -1;
}

Percentiles FrameStats::percentiles(std::vector<double> samples) {
  Percentiles p;
  p.count = samples.size();
  if (samples.empty()) return p;
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size()))) ;
    return samples[std::min(samples.size() - 1, i == 0 ? 0 : i - 1)];
  };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.max = samples.back();
  return p;
}

}  // namespace qlab::ui
