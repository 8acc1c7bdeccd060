#pragma once
// ClusterPoller: pulls a ClusterFrame from the ClusterSource on a timer (about 30 Hz, see
// docs/architecture.md "Threads and the UI") and hands it to whoever listens, synchronously,
// on the GUI thread. It is the only place that reads the source periodically; event, log,
// operation and finding streams are read incrementally by sequence number or time. Per-frame
// cost is reported to FrameStats.
#include <cstdint>
#include <memory>

#include <QObject>
#include <QTimer>

#include "ui/source/cluster_frame.h"

namespace qlab::ui {

class FrameStats;

class ClusterPoller : public QObject {
  Q_OBJECT
 public:
  explicit ClusterPoller(QObject* parent = nullptr);

  // The source may be replaced (cluster reset) or cleared; the next frame says so.
  void setSource(const ClusterSource* source);
  const ClusterSource* source() const { return m_source; }
  void setIntervalMs(int ms);
  void start();
  void stop();
  void setFrameStats(FrameStats* stats) { m_stats = stats; }
  // Polls once now (tests and the first frame).
  void pollNow();
  const ClusterFrame& lastFrame() const { return m_last; }

  // Bounds per frame: beyond these the backlog is skipped (the timeline can page it back in
  // from the recorder), so one frame's cost stays bounded under any load.
  static constexpr std::size_t kMaxEventsPerFrame = 20000;
  static constexpr std::size_t kMaxLogLinesPerFrame = 2000;

 signals:
  void frameReady(const qlab::ui::ClusterFrame& frame);

 private:
  void buildFrame(ClusterFrame& f);

  const ClusterSource* m_source = nullptr;
  QTimer m_timer;
  FrameStats* m_stats = nullptr;
  bool m_sourceChanged = true;
  std::uint64_t m_number = 0;
  std::uint64_t m_eventSeq = 0;
  std::uint64_t m_logSeq = 0;
  std::int64_t m_opsAfterUs = 0;
  std::size_t m_findings = 0;
  ClusterFrame m_last;
};

}  // namespace qlab::ui
