#pragma once
// TimeTravel: time as an axis of the explorer. While a live cluster runs it is recorded (to
// run.qlabrun in its data directory, core/recording); the user can move a cursor back over
// the whole run, step from event to event, jump between faults and elections, play from the
// cursor at 0.1x to 10x, and return to "Live". A saved run opens the same way with no live
// cluster at all.
//
// It never touches the views: it says which ClusterSource they should read (showSource) —
// the live one, or a RecordedClusterSource at the cursor — and the window re-points them. A
// jump backwards (or far forwards) re-points them afresh so they drop what they held; small
// steps forwards, as when playing, keep the same source and its streams flow on.
#include <memory>

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

#include "core/recording/run_reader.h"
#include "core/recording/run_recorder.h"
#include "ui/source/recorded_cluster_source.h"

namespace qlab::ui {

class TimeTravel : public QObject {
  Q_OBJECT
 public:
  explicit TimeTravel(QObject* parent = nullptr);
  ~TimeTravel() override;

  // Starts recording `cluster` (shown live through `live`). A failure (an unwritable data
  // directory, a full disk) leaves the cluster running unrecorded and says why.
  Status attachLive(cluster::Cluster* cluster, const ClusterSource* live);
  // Stops recording and forgets the run (before its cluster goes away).
  void detach();
  // Off (`quorumlab gui --no-record`): live clusters are not recorded; the time bar says so.
  void setRecordingEnabled(bool on) { m_enabled = on; }
  bool recordingEnabled() const { return m_enabled; }
  // Replays a saved run; nothing live. On failure the current state is kept.
  Status openFile(const QString& path);
  // Writes the run so far as one file (a live run: every complete record, then an end).
  Status saveTo(const QString& path);

  bool hasRun() const { return m_reader != nullptr; }
  bool isLive() const { return m_live && !m_scrubbed; }
  bool liveAttached() const { return m_live != nullptr; }
  QString runPath() const;
  // What is wrong with an opened file's tail ("" when nothing).
  QString damage() const;
  std::int64_t cursorUs() const;
  std::int64_t startUs() const;
  std::int64_t endUs() const;  // the newest time there is (live: the cluster's clock)
  const std::vector<recording::Marker>& markers() const;
  const std::vector<recording::Moment>& moments() const;
  recording::RunRecorder* recorder() const { return m_recorder.get(); }

  void seekUs(std::int64_t tUs);
  void stepEvent(int direction);   // to the nearest event before (-1) or after (+1)
  void jumpMarker(int direction);  // to the previous / next fault, election or moment
  // Sends the cursor to the newest moment of that name (a lesson's "look here"); false if none.
  bool seekMoment(const QString& name);
  void goLive();
  void setPlaying(bool on);
  bool playing() const { return m_play.isActive(); }
  void setSpeed(double x);
  double speed() const { return m_speed; }

  static constexpr double kSpeeds[] = {0.1, 0.25, 0.5, 1, 2, 5, 10};
  // A jump to a mark lands this long after it: a node publishes its picture up to a publish
  // interval (33 ms) after the event, so the mark's effect (a dead node, a new leader) shows.
  static constexpr std::int64_t kMarkSettleUs = 50'000;

 signals:
  void showSource(const qlab::ui::ClusterSource* source, bool live);
  void changed();  // the cursor, the range, the markers or the mode
  void message(const QString& text);

 private:
  void refreshReader();
  void catchUp();  // flush the recording and refresh the reader
  void tick();
  void showAt(std::int64_t tUs, bool fresh);

  cluster::Cluster* m_cluster = nullptr;
  const ClusterSource* m_live = nullptr;
  std::unique_ptr<recording::RunRecorder> m_recorder;
  std::unique_ptr<recording::RunReader> m_reader;
  std::unique_ptr<RecordedClusterSource> m_recorded;
  bool m_scrubbed = false;
  bool m_enabled = true;
  bool m_failureShown = false;
  double m_speed = 1;
  QTimer m_play;
  QElapsedTimer m_playClock;
  QTimer m_refresh;
};

}  // namespace qlab::ui
