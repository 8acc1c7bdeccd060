#include "core/recording/run_recorder.h"

#include <QDateTime>
#include <QJsonDocument>

namespace qlab::recording {

Result<std::unique_ptr<RunRecorder>> RunRecorder::start(cluster::Cluster& cluster, const std::string& path,
                                                        const QJsonObject& config) {
  QJsonObject header;
  header["format"] = "qlabrun";
  header["name"] = QString::fromStdString(cluster.options().name);
  header["nodes"] = cluster.size();
  header["started_utc"] = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
  header["started_at_us"] = static_cast<qint64>(cluster.nowUs());
  header["data_dir"] = QString::fromStdString(cluster.dataDir());
  header["config"] = config;
  const QByteArray json = QJsonDocument(header).toJson(QJsonDocument::Compact);
  auto w = RunWriter::create(path, json.toStdString(), cluster.size(), [&cluster] { return cluster.nowUs(); });
  if (!w) return w.status();
  std::unique_ptr<RunRecorder> r(new RunRecorder(cluster, std::move(*w)));
  return r;
}

RunRecorder::RunRecorder(cluster::Cluster& cluster, std::unique_ptr<RunWriter> writer)
    : m_cluster(cluster), m_writer(std::move(writer)) {
  // The state and every picture as they are now, so the first keyframe is whole; from here
  // on every one (setTap hands over the current pictures first).
  sampleNow();
  m_cluster.setTap(this);
  m_attached = true;
  m_timer.setInterval(33);
  connect(&m_timer, &QTimer::timeout, this, &RunRecorder::sampleNow);
  m_timer.start();
}

RunRecorder::~RunRecorder() { (void)stop(); }

Status RunRecorder::stop() {
  if (m_attached) {
    m_timer.stop();
    sampleNow();
    m_cluster.setTap(nullptr);
    m_attached = false;
  }
  return m_writer->close();
}

void RunRecorder::markMoment(const std::string& name) { m_writer->addMoment(name); }
void RunRecorder::flush() { m_writer->flush(); }

ClusterState RunRecorder::stateOf(cluster::Cluster& c) {
  ClusterState s;
  s.nodes = c.size();
  s.links.reserve(static_cast<std::size_t>(s.nodes * s.nodes));
  for (NodeId a = 1; a <= static_cast<NodeId>(s.nodes); ++a)
    for (NodeId b = 1; b <= static_cast<NodeId>(s.nodes); ++b)
      s.links.push_back(a == b ? cluster::LinkState{} : c.link(a, b));
  s.writeQuorum = c.writeQuorum();
  s.writeQuorumWarning = c.writeQuorumWarning();
  s.loadRunning = c.started() && c.load().running();
  if (c.started()) s.load = c.load().options();
  s.frozen = c.frozen();
  return s;
}

void RunRecorder::sampleNow() {
  ClusterState s = stateOf(m_cluster);
  if (!m_haveState || !(s == m_lastState)) {
    m_writer->setState(s);
    m_lastState = std::move(s);
    m_haveState = true;
  }
  std::vector<cluster::LogLine> lines = m_cluster.logs().since(m_logSeq, 100000);
  if (!lines.empty()) m_logSeq = lines.back().seq;
  m_writer->addLogLines(std::move(lines));
  std::vector<cluster::Finding> fresh = m_cluster.checker().findingsFrom(m_findings);
  m_findings += fresh.size();
  m_writer->addFindings(std::move(fresh));
}

void RunRecorder::onView(const std::shared_ptr<const node::NodeView>& view) { m_writer->addView(view); }
void RunRecorder::onEvent(const cluster::RecordedEvent& e) { m_writer->addEvent(e); }
void RunRecorder::onOperation(const cluster::Operation& op) { m_writer->addOperation(op); }

}  // namespace qlab::recording
