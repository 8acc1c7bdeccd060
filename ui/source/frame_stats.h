#pragma once
// FrameStats: per-frame cost of the explorer, for the UI benchmark. A frame = one poll (pull
// snapshots, diff models) plus every paint until the next poll. Views time their paintEvent
// with PaintTimer, which costs nothing when no FrameStats is active.
#include <chrono>
#include <cstdint>
#include <vector>

namespace qlab::ui {

struct Percentiles {
  std::size_t count = 0;
  double p50 = 0;
  double p99 = 0;
  double max = 0;
};

class FrameStats {
 public:
  void addUpdate(double ms);  // closes the previous frame and opens a new one
  void addPaint(double ms);
  // Frames closed so far (update + paints), in ms.
  const std::vector<double>& frames() const { return m_frames; }
  const std::vector<double>& updates() const { return m_updates; }
  const std::vector<double>& paints() const { return m_paints; }
  void clear();
  static Percentiles percentiles(std::vector<double> samples);

  // The instance PaintTimer reports to (nullptr = off).
  static FrameStats* active();
  static void setActive(FrameStats* stats);

 private:
  std::vector<double> m_frames;
  std::vector<double> m_updates;
  std::vector<double> m_paints;
  double m_open = -1;  // cost of the frame being built, -1 = none yet
};

class PaintTimer {
 public:
  PaintTimer() : m_stats(FrameStats::active()) {
    if (m_stats) m_start = std::chrono::steady_clock::now();
  }
  ~PaintTimer() {
    if (m_stats)
      m_stats->addPaint(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - m_start).count());
  }
  PaintTimer(const PaintTimer&) = delete;
  PaintTimer& operator=(const PaintTimer&) = delete;

 private:
  FrameStats* m_stats;
  std::chrono::steady_clock::time_point m_start;
};

}  // namespace qlab::ui
