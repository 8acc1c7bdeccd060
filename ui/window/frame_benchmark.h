#pragma once
// FrameBenchmark (hidden `quorumlab gui --bench-ui SECONDS [--bench-out FILE]`): measures the
// explorer under load as a user would run it: per-frame cost (one poll with every model and
// view update, plus every paint until the next poll), how late a 10 ms timer fires (a stalled
// event loop shows here), the GUI thread's CPU time and time spent waiting for a core per
// frame, and the process's resident memory and heap in use over time; and whether the run was being recorded
// (the time-travel recorder, on unless --no-record). Writes one JSON object and quits.
#include <chrono>
#include <vector>

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include "core/common/types.h"
#include "ui/source/frame_stats.h"

namespace qlab::ui {

class MainWindow;

class FrameBenchmark : public QObject {
  Q_OBJECT
 public:
  FrameBenchmark(MainWindow* window, int seconds, QString outFile, QObject* parent = nullptr);
  ~FrameBenchmark() override;
  void start();
  // The JSON written at the end (also for tests).
  QByteArray report() const;
  static double residentMb();
  // Bytes malloc has handed out and not had back (all arenas), in MB; 0 where unknown. With
  // residentMb it tells growth of what the program keeps from memory the allocator holds.
  static double heapInUseMb();
  // This (the GUI) thread's CPU time, and its time waiting for a core (Linux schedstat; 0 where
  // there is none), in ms since it started.
  static double threadCpuMs();
  static double threadWaitMs();

 private:
  void sample();
  void finish();

  MainWindow* m_window;
  int m_seconds;
  QString m_out;
  FrameStats m_stats;
  QTimer m_sampler;
  QTimer m_probe;
  QElapsedTimer m_clock;
  std::vector<double> m_lateness;
  struct MemorySample {
    double s, rssMb, heapMb;
  };
  std::vector<MemorySample> m_memory;
  std::chrono::steady_clock::time_point m_probeDue;
  double m_cpuStartMs = 0;
  double m_waitStartMs = 0;
  Index m_hwmStart = 0;
  std::int64_t m_nowStart = 0;
};

}  // namespace qlab::ui
