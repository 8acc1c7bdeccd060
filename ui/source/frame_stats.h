#pragma once
// FrameStats: per-frame cost of the explorer, for the UI benchmark. A frame = one poll (pull
// snapshots, diff models) plus every paint until the next poll. Views time their paintEvent
// with PaintTimer, which costs nothing when no FrameStats is active. Named parts of a frame
// (SectionTimer: a view's update, a paint, the window's whole repaint) are kept per frame
// with their wall and thread-CPU time, so the benchmark can say what the slow frames spent
// their time on.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
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
  void beginPoll();           // sections from here to addUpdate belong to the new frame
  void addUpdate(double ms);  // closes the previous frame and opens a new one
  void addPaint(double ms);
  // A named part of the frame being built (name: a string literal), wall and CPU ms.
  void addSection(const char* name, double wallMs, double cpuMs);
  // Frames closed so far (update + paints), in ms.
  const std::vector<double>& frames() const { return m_frames; }
  const std::vector<double>& updates() const { return m_updates; }
  const std::vector<double>& paints() const { return m_paints; }
  void clear();
  // Allocates and touches room for `frames` frames up front, so that a long run's own
  // samples do not show up as the explorer's memory growth (the benchmark measures that).
  void preallocate(std::size_t frames);
  static Percentiles percentiles(std::vector<double> samples);

  // Per section: over all closed frames (mean per frame, p99 of the per-frame sum) and over
  // the slowest `slowShare` of frames (mean per frame), wall and CPU.
  struct SectionProfile {
    std::string name;
    double meanWallMs = 0, meanCpuMs = 0, p99WallMs = 0, slowMeanWallMs = 0, slowMeanCpuMs = 0;
    std::size_t slowFramesWith = 0;  // slow frames in which the section ran
  };
  std::vector<SectionProfile> sectionProfile(double slowShare = 0.01, std::size_t* slowFrames = nullptr,
                                             double* slowThresholdMs = nullptr) const;

  // The instance PaintTimer reports to (nullptr = off).
  static FrameStats* active();
  static void setActive(FrameStats* stats);
  static double threadCpuMs();  // this thread's CPU time

 private:
  struct Part {
    std::uint16_t section;
    float wallMs, cpuMs;
  };
  std::uint16_t sectionId(const char* name);
  std::vector<double> m_frames;
  std::vector<double> m_updates;
  std::vector<double> m_paints;
  double m_open = -1;  // cost of the frame being built, -1 = none yet
  std::vector<const char*> m_sectionNames;
  std::vector<Part> m_openParts;                 // the frame being built
  std::vector<Part> m_pollParts;                 // the poll that opens the next frame
  bool m_inPoll = false;
  // The parts of every closed frame, back to back; frame f's are [m_partsEnd[f-1], m_partsEnd[f]).
  std::vector<Part> m_frameParts;
  std::vector<std::uint32_t> m_partsEnd;  // parallel to m_frames
};

// Times a paint (and, named, also as a section of the frame).
class PaintTimer {
 public:
  explicit PaintTimer(const char* name = nullptr) : m_stats(FrameStats::active()), m_name(name) {
    if (m_stats) {
      m_start = std::chrono::steady_clock::now();
      if (m_name) m_cpu = FrameStats::threadCpuMs();
    }
  }
  ~PaintTimer() {
    if (!m_stats) return;
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - m_start).count();
    m_stats->addPaint(ms);
    if (m_name) m_stats->addSection(m_name, ms, FrameStats::threadCpuMs() - m_cpu);
  }
  PaintTimer(const PaintTimer&) = delete;
  PaintTimer& operator=(const PaintTimer&) = delete;

 private:
  FrameStats* m_stats;
  const char* m_name;
  std::chrono::steady_clock::time_point m_start;
  double m_cpu = 0;
};

// Times a named part of the frame into the active FrameStats (nothing when none is active).
class SectionTimer {
 public:
  explicit SectionTimer(const char* name) : m_stats(FrameStats::active()), m_name(name) {
    if (m_stats) {
      m_start = std::chrono::steady_clock::now();
      m_cpu = FrameStats::threadCpuMs();
    }
  }
  ~SectionTimer() {
    if (m_stats)
      m_stats->addSection(m_name, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - m_start).count(),
                          FrameStats::threadCpuMs() - m_cpu);
  }
  SectionTimer(const SectionTimer&) = delete;
  SectionTimer& operator=(const SectionTimer&) = delete;

 private:
  FrameStats* m_stats;
  const char* m_name;
  std::chrono::steady_clock::time_point m_start;
  double m_cpu = 0;
};

}  // namespace qlab::ui
