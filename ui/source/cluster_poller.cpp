#include "ui/source/cluster_poller.h"

#include <algorithm>
#include <chrono>

#include "ui/source/frame_stats.h"

namespace qlab::ui {

ClusterPoller::ClusterPoller(QObject* parent) : QObject(parent) {
  m_timer.setInterval(33);
  m_timer.setTimerType(Qt::PreciseTimer);
  connect(&m_timer, &QTimer::timeout, this, &ClusterPoller::pollNow);
}

void ClusterPoller::setSource(const ClusterSource* source) {
  m_source = source;
  m_sourceChanged = true;
  m_number = 0;
  m_eventSeq = 0;
  m_logSeq = 0;
  m_opsAfterUs = 0;
  m_findings = 0;
}

void ClusterPoller::setIntervalMs(int ms) { m_timer.setInterval(ms); }
void ClusterPoller::start() { m_timer.start(); }
void ClusterPoller::stop() { m_timer.stop(); }

void ClusterPoller::buildFrame(ClusterFrame& f) {
  const ClusterSource& s = *m_source;
  f.size = s.size();
  f.nowMs = s.nowMs();
  f.views = s.views();
  f.leader = s.leader();
  f.hwm = s.hwm();
  const auto n = static_cast<std::size_t>(f.size);
  f.links.assign(n * n, LinkInfo{});
  for (NodeId a = 1; a <= n; ++a)
    for (NodeId b = 1; b <= n; ++b)
      if (a != b) f.links[(a - 1) * n + (b - 1)] = s.link(a, b);
  f.writeQuorum = s.writeQuorum();
  f.writeQuorumWarning = s.writeQuorumWarning();
  f.loadRunning = s.loadRunning();
  f.frozen = s.frozen();
  const cluster::LoadOptions load = s.loadOptions();
  f.loadRate = load.rate;
  f.loadClients = load.clients;

  f.events = s.eventsSince(m_eventSeq, kMaxEventsPerFrame);
  if (!f.events.empty()) m_eventSeq = f.events.back().seq;
  f.logLines = s.logsSince(m_logSeq, kMaxLogLinesPerFrame);
  if (!f.logLines.empty()) m_logSeq = f.logLines.back().seq;
  f.operations = s.operationsSince(m_opsAfterUs);
  for (const auto& op : f.operations) m_opsAfterUs = std::max(m_opsAfterUs, op.completeUs);
  // Findings are few and arrive rarely: every 8th frame is often enough.
  if (m_number % 8 == 1) {
    f.findings = s.findingsFrom(m_findings);
    m_findings += f.findings.size();
  }
}

void ClusterPoller::pollNow() {
  auto started = std::chrono::steady_clock::now();
  if (m_stats) m_stats->beginPoll();
  SectionTimer whole("poll");
  ClusterFrame f;
  f.number = ++m_number;
  f.sourceChanged = m_sourceChanged;
  m_sourceChanged = false;
  if (m_source) {
    SectionTimer read("poll.read");
    buildFrame(f);
  }
  emit frameReady(f);
  {
    // Keep the pictures, not the streams: they were handed out once.
    SectionTimer keep("poll.keep");
    m_last = f.pictures();
  }
  if (m_stats)
    m_stats->addUpdate(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
}

}  // namespace qlab::ui
