#include "ui/window/frame_benchmark.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>

#include <malloc.h>

#include <QApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "ui/source/cluster_poller.h"
#include "ui/source/time_travel.h"
#include "ui/window/main_window.h"

namespace qlab::ui {

FrameBenchmark::FrameBenchmark(MainWindow* window, int seconds, QString outFile, QObject* parent)
    : QObject(parent), m_window(window), m_seconds(seconds), m_out(std::move(outFile)) {}

FrameBenchmark::~FrameBenchmark() {
  if (FrameStats::active() == &m_stats) FrameStats::setActive(nullptr);
  m_window->poller()->setFrameStats(nullptr);
}

double FrameBenchmark::residentMb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

double FrameBenchmark::heapInUseMb() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<double>(mi.uordblks + mi.hblkhd) / (1024.0 * 1024.0);
#else
  return 0;
#endif
}

double FrameBenchmark::threadCpuMs() { return FrameStats::threadCpuMs(); }

double FrameBenchmark::threadWaitMs() {
  // schedstat: time on the CPU, time waiting on a run queue (ns), time slices.
  std::ifstream in("/proc/thread-self/schedstat");
  double run = 0, wait = 0;
  if (!(in >> run >> wait)) return 0;
  return wait / 1e6;
}

void FrameBenchmark::start() {
  // The run's own samples get their memory now, so the curve below is the explorer's.
  constexpr std::size_t kMaxFramesPerSecond = 70;  // polls run at 30 Hz; paints may add frames
  const auto secs = static_cast<std::size_t>(std::max(m_seconds, 1)) + 5;
  m_stats.preallocate(secs * kMaxFramesPerSecond);
  m_lateness.resize(secs * 110);  // the 10 ms probe, with margin; touched, then emptied
  m_lateness.clear();
  m_memory.reserve(secs / 10 + 4);
  m_cpuStartMs = threadCpuMs();
  m_waitStartMs = threadWaitMs();
  FrameStats::setActive(&m_stats);
  m_window->poller()->setFrameStats(&m_stats);
  m_clock.start();
  const ClusterFrame& f = m_window->poller()->lastFrame();
  m_hwmStart = f.hwm;
  m_nowStart = f.nowMs;
  m_memory.push_back({0.0, residentMb(), heapInUseMb()});
  m_sampler.setInterval(1000);
  connect(&m_sampler, &QTimer::timeout, this, &FrameBenchmark::sample);
  m_sampler.start();
  // A 10 ms probe: how late it fires is how long the event loop was busy.
  m_probe.setInterval(10);
  m_probe.setTimerType(Qt::PreciseTimer);
  m_probeDue = std::chrono::steady_clock::now() + std::chrono::milliseconds(10);
  connect(&m_probe, &QTimer::timeout, this, [this] {
    const auto now = std::chrono::steady_clock::now();
    m_lateness.push_back(std::max(0.0, std::chrono::duration<double, std::milli>(now - m_probeDue).count()));
    m_probeDue = now + std::chrono::milliseconds(10);
  });
  m_probe.start();
}

void FrameBenchmark::sample() {
  const double s = static_cast<double>(m_clock.elapsed()) / 1000.0;
  if (static_cast<int>(s) % 10 == 0 || s >= m_seconds) m_memory.push_back({s, residentMb(), heapInUseMb()});
  if (s >= m_seconds) finish();
}

QByteArray FrameBenchmark::report() const {
  const Percentiles frame = FrameStats::percentiles(m_stats.frames());
  const Percentiles update = FrameStats::percentiles(m_stats.updates());
  const Percentiles paint = FrameStats::percentiles(m_stats.paints());
  const Percentiles late = FrameStats::percentiles(m_lateness);
  const ClusterFrame& f = m_window->poller()->lastFrame();
  const double secs = static_cast<double>(m_clock.elapsed()) / 1000.0;
  const double frames = std::max<double>(1.0, static_cast<double>(frame.count));
  QJsonArray rss, heap;
  for (const MemorySample& m : m_memory) {
    rss.append(QJsonArray{m.s, m.rssMb});
    heap.append(QJsonArray{m.s, m.heapMb});
  }
  QJsonObject o{
      {QStringLiteral("seconds"), secs},
      {QStringLiteral("nodes"), f.size},
      {QStringLiteral("frames"), static_cast<qint64>(frame.count)},
      {QStringLiteral("frame_p50_ms"), frame.p50},
      {QStringLiteral("frame_p99_ms"), frame.p99},
      {QStringLiteral("frame_max_ms"), frame.max},
      {QStringLiteral("update_p50_ms"), update.p50},
      {QStringLiteral("update_p99_ms"), update.p99},
      {QStringLiteral("paint_p50_ms"), paint.p50},
      {QStringLiteral("paint_p99_ms"), paint.p99},
      {QStringLiteral("timer_late_p50_ms"), late.p50},
      {QStringLiteral("timer_late_p99_ms"), late.p99},
      {QStringLiteral("timer_late_max_ms"), late.max},
      {QStringLiteral("hwm_start"), static_cast<qint64>(m_hwmStart)},
      {QStringLiteral("hwm_end"), static_cast<qint64>(f.hwm)},
      {QStringLiteral("commits_per_s"), secs > 0 ? static_cast<double>(f.hwm - m_hwmStart) / secs : 0.0},
      {QStringLiteral("rss_mb"), rss},
      {QStringLiteral("heap_mb"), heap},
      {QStringLiteral("recording"), m_window->timeTravel()->recordingEnabled() && m_window->timeTravel()->hasRun()},
      {QStringLiteral("gui_cpu_ms_per_frame"), (threadCpuMs() - m_cpuStartMs) / frames},
      {QStringLiteral("gui_wait_ms_per_frame"), (threadWaitMs() - m_waitStartMs) / frames},
  };
  // What the frames spent their time on: each named section over all frames and over the
  // slowest 1% (the tail the p99 stands for), wall and CPU.
  std::size_t slowFrames = 0;
  double slowFrom = 0;
  QJsonArray sections;
  for (const auto& sp : m_stats.sectionProfile(0.01, &slowFrames, &slowFrom))
    sections.append(QJsonObject{{QStringLiteral("name"), QString::fromStdString(sp.name)},
                                {QStringLiteral("mean_wall_ms"), sp.meanWallMs},
                                {QStringLiteral("mean_cpu_ms"), sp.meanCpuMs},
                                {QStringLiteral("p99_wall_ms"), sp.p99WallMs},
                                {QStringLiteral("slow_mean_wall_ms"), sp.slowMeanWallMs},
                                {QStringLiteral("slow_mean_cpu_ms"), sp.slowMeanCpuMs},
                                {QStringLiteral("slow_frames_with"), static_cast<qint64>(sp.slowFramesWith)}});
  o.insert(QStringLiteral("profile"), QJsonObject{{QStringLiteral("slow_frames"), static_cast<qint64>(slowFrames)},
                                                  {QStringLiteral("slow_from_ms"), slowFrom},
                                                  {QStringLiteral("sections"), sections}});
  return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

void FrameBenchmark::finish() {
  m_sampler.stop();
  m_probe.stop();
  const QByteArray json = report();
  if (m_out.isEmpty()) {
    std::fprintf(stdout, "%s\n", json.constData());
    std::fflush(stdout);
  } else {
    QFile f(m_out);
    if (f.open(QIODevice::WriteOnly | QIODevice::Truncate)) f.write(json + '\n');
  }
  QApplication::quit();
}

}  // namespace qlab::ui
