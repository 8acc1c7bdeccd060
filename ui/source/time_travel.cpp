#include "ui/source/time_travel.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include "ui/source/frame_stats.h"

namespace qlab::ui {

namespace {
constexpr std::int64_t kFreshJumpUs = 5'000'000;  // a jump forward this far re-points the views
}

TimeTravel::TimeTravel(QObject* parent) : QObject(parent) {
  m_play.setInterval(33);
  m_play.setTimerType(Qt::PreciseTimer);
  connect(&m_play, &QTimer::timeout, this, &TimeTravel::tick);
  m_refresh.setInterval(1000);
  connect(&m_refresh, &QTimer::timeout, this, [this] {
    SectionTimer timer("timer.timetravel.refresh");
    refreshReader();
    if (m_recorder && !m_failureShown) {
      const Status st = m_recorder->status();
      const auto dropped = m_recorder->stats().dropped;
      if (!st.isOk() || dropped > 0) {
        m_failureShown = true;
        emit message(!st.isOk() ? QString::fromStdString(st.message())
                                : tr("The recording could not keep up and left out %1 items: the disk is too slow.")
                                      .arg(dropped));
      }
    }
    emit changed();
  });
}

TimeTravel::~TimeTravel() {
  // Whoever listens (the window) may be half destroyed already: stop recording silently.
  blockSignals(true);
  detach();
}

Status TimeTravel::attachLive(cluster::Cluster* cluster, const ClusterSource* live) {
  detach();
  if (!m_enabled) return Status::ok();
  m_cluster = cluster;
  m_live = live;
  m_failureShown = false;
  const std::string path = cluster->dataDir() + "/run.qlabrun";
  QJsonObject config;
  config["nodes"] = cluster->size();
  auto rec = recording::RunRecorder::start(*cluster, path, config);
  if (!rec) {
    emit message(tr("Not recording: %1").arg(QString::fromStdString(rec.status().message())));
    emit changed();
    return rec.status();
  }
  m_recorder = std::move(*rec);
  m_recorder->flush();  // the first records are whole before the reader looks
  auto reader = recording::RunReader::open(path);
  if (reader) {
    m_reader = std::move(*reader);
    m_recorded = std::make_unique<RecordedClusterSource>(*m_reader);
  } else {
    emit message(tr("Recording, but the time bar cannot read it: %1").arg(QString::fromStdString(reader.status().message())));
  }
  m_refresh.start();
  emit changed();
  return Status::ok();
}

void TimeTravel::detach() {
  m_play.stop();
  m_refresh.stop();
  const bool wasScrubbed = m_scrubbed;
  m_scrubbed = false;
  m_recorded.reset();
  m_reader.reset();
  if (m_recorder) (void)m_recorder->stop();
  m_recorder.reset();
  m_cluster = nullptr;
  m_live = nullptr;
  if (wasScrubbed) emit showSource(nullptr, false);
  emit changed();
}

Status TimeTravel::openFile(const QString& path) {
  auto reader = recording::RunReader::open(path.toStdString());
  if (!reader) return reader.status();
  detach();
  m_reader = std::move(*reader);
  m_recorded = std::make_unique<RecordedClusterSource>(*m_reader);
  m_scrubbed = true;
  showAt(m_reader->startUs(), true);
  if (!m_reader->damage().empty()) emit message(QString::fromStdString(m_reader->damage()));
  return Status::ok();
}

Status TimeTravel::saveTo(const QString& path) {
  if (!m_reader) return Status::failed("there is no run to save: the cluster is not being recorded");
  if (m_recorder) m_recorder->flush();
  refreshReader();
  const QString source = QFileInfo(QString::fromStdString(m_reader->path())).canonicalFilePath();
  if (QFileInfo(path).exists() && QFileInfo(path).canonicalFilePath() == source)
    return Status::invalidArgument(path.toStdString() + " is the run being shown: save it under another name");
  QFile in(QString::fromStdString(m_reader->path()));
  QSaveFile out(path);  // the old file stays until the new one is whole
  if (!in.open(QIODevice::ReadOnly))
    return Status::ioError("cannot read the recording " + m_reader->path() + ": " + in.errorString().toStdString());
  if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
    return Status::ioError("cannot write " + path.toStdString() + ": " + out.errorString().toStdString() +
                           ": choose another place");
  // Exactly the records known to be whole; a live run then gets an end record of its own.
  qint64 left = static_cast<qint64>(m_reader->bytes());
  QByteArray chunk;
  while (left > 0) {
    chunk = in.read(std::min<qint64>(left, 4 << 20));
    if (chunk.isEmpty() || out.write(chunk) != chunk.size())
      return Status::ioError("writing " + path.toStdString() + " failed: " + out.errorString().toStdString());
    left -= chunk.size();
  }
  if (!m_reader->complete()) {
    const std::string end = recording::frameRecord(recording::RecordType::kEnd, m_reader->endUs(), {}, false);
    if (out.write(end.data(), static_cast<qint64>(end.size())) != static_cast<qint64>(end.size()))
      return Status::ioError("writing " + path.toStdString() + " failed: " + out.errorString().toStdString());
  }
  if (!out.commit()) return Status::ioError("writing " + path.toStdString() + " failed: " + out.errorString().toStdString());
  return Status::ok();
}

QString TimeTravel::runPath() const { return m_reader ? QString::fromStdString(m_reader->path()) : QString(); }
QString TimeTravel::damage() const {
  return m_reader && !m_live ? QString::fromStdString(m_reader->damage()) : QString();
}

std::int64_t TimeTravel::cursorUs() const {
  if (m_scrubbed && m_recorded) return m_recorded->cursorUs();
  return endUs();
}
std::int64_t TimeTravel::startUs() const { return m_reader ? m_reader->startUs() : 0; }
std::int64_t TimeTravel::endUs() const {
  if (m_cluster) return m_cluster->nowUs();
  return m_reader ? m_reader->endUs() : 0;
}

const std::vector<recording::Marker>& TimeTravel::markers() const {
  static const std::vector<recording::Marker> kNone;
  return m_reader ? m_reader->markers() : kNone;
}
const std::vector<recording::Moment>& TimeTravel::moments() const {
  static const std::vector<recording::Moment> kNone;
  return m_reader ? m_reader->moments() : kNone;
}

void TimeTravel::refreshReader() {
  if (m_reader && m_recorder) m_reader->refresh();
}

void TimeTravel::catchUp() {
  // What happened up to now is in the file, and the reader knows it.
  if (!m_recorder) return;
  m_recorder->flush();
  refreshReader();
}

void TimeTravel::showAt(std::int64_t tUs, bool fresh) {
  tUs = std::clamp(tUs, startUs(), std::max(startUs(), m_reader->endUs()));
  const bool backwards = tUs < m_recorded->cursorUs();
  const bool far = tUs - m_recorded->cursorUs() > kFreshJumpUs;
  m_recorded->setCursorUs(tUs);
  if (fresh || backwards || far) emit showSource(m_recorded.get(), false);
  emit changed();
}

void TimeTravel::seekUs(std::int64_t tUs) {
  if (!m_reader || !m_recorded) return;
  if (m_live && tUs >= endUs()) {
    goLive();
    return;
  }
  const bool entering = !m_scrubbed;
  if (m_recorder && (entering || tUs > m_reader->endUs())) {
    m_recorder->flush();  // what happened up to that moment is in the file
    refreshReader();
  }
  m_scrubbed = true;
  showAt(tUs, entering);
}

void TimeTravel::stepEvent(int direction) {
  if (!m_reader) return;
  if (!m_scrubbed && direction > 0) return;  // nothing after now
  catchUp();
  const std::int64_t now = m_scrubbed ? cursorUs() : m_reader->endUs() + 1;
  auto t = direction < 0 ? m_reader->prevEventUs(now) : m_reader->nextEventUs(now);
  if (t) seekUs(*t);
}

void TimeTravel::jumpMarker(int direction) {
  if (!m_reader) return;
  catchUp();
  const std::int64_t now = cursorUs();
  std::optional<std::int64_t> best;
  auto consider = [&](std::int64_t t) {
    if (direction < 0 ? t < now - 500 : t > now + 500)
      if (!best || (direction < 0 ? t > *best : t < *best)) best = t;
  };
  for (const auto& m : m_reader->markers()) consider(m.tUs + kMarkSettleUs);
  for (const auto& m : m_reader->moments()) consider(m.tUs);
  if (best) seekUs(*best);
  else if (direction > 0 && m_live) goLive();
}

bool TimeTravel::seekMoment(const QString& name) {
  if (!m_reader) return false;
  catchUp();
  for (auto it = m_reader->moments().rbegin(); it != m_reader->moments().rend(); ++it) {
    if (QString::fromStdString(it->name) == name) {
      setPlaying(false);
      seekUs(it->tUs);
      return true;
    }
  }
  return false;
}

void TimeTravel::goLive() {
  m_play.stop();
  if (!m_live) return;
  const bool was = m_scrubbed;
  m_scrubbed = false;
  if (was) emit showSource(m_live, true);
  emit changed();
}

void TimeTravel::setPlaying(bool on) {
  if (on == m_play.isActive()) return;
  if (on) {
    if (!m_scrubbed) return;  // live already plays at 1x
    if (!m_live && cursorUs() >= endUs()) seekUs(startUs());  // replay again from the start
    m_playClock.start();
    m_play.start();
  } else {
    m_play.stop();
  }
  emit changed();
}

void TimeTravel::setSpeed(double x) {
  m_speed = std::clamp(x, 0.1, 10.0);
  emit changed();
}

void TimeTravel::tick() {
  const auto elapsedUs = static_cast<std::int64_t>(static_cast<double>(m_playClock.nsecsElapsed()) / 1000.0 * m_speed);
  m_playClock.restart();
  const std::int64_t before = cursorUs();
  const std::int64_t next = before + elapsedUs;
  if (!m_live && next >= endUs()) {
    seekUs(endUs());
    setPlaying(false);
    return;
  }
  seekUs(next);  // a live run reaching now goes live
  // A recording that stopped (a write error) ends before now: playing cannot reach it.
  if (m_scrubbed && elapsedUs > 0 && cursorUs() == before) goLive();
}

}  // namespace qlab::ui
