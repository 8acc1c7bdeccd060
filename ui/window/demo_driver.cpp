#include "ui/window/demo_driver.h"

namespace qlab::ui {

QStringList DemoDriver::stateNames() {
  return {QStringLiteral("healthy"), QStringLiteral("leader-killed"), QStringLiteral("delayed-loss"),
          QStringLiteral("partition")};
}

bool DemoDriver::start(const QString& state, const ClusterSource* source, ClusterControl* control) {
  if (!stateNames().contains(state) || !source || !control) return false;
  m_source = source;
  m_control = control;
  m_steps.clear();
  m_next = 0;
  auto leader = [this] { return m_source->leader(); };
  auto everyNode = [this](const std::function<void(NodeId)>& f) {
    for (int i = 1; i <= m_source->size(); ++i) f(static_cast<NodeId>(i));
  };
  if (state == QLatin1String("leader-killed")) {
    m_steps.push_back({3000, tr("kill the leader"), [this, leader] {
                         if (!leader()) return false;
                         m_control->apply(cluster::Fault::kill({leader()}, node::KillKind::kPowerLoss));
                         return true;
                       }});
  } else if (state == QLatin1String("delayed-loss")) {
    m_steps.push_back({1500, tr("every node: delayed flush, 60 s"), [this, leader, everyNode] {
                         if (!leader()) return false;
                         everyNode([this](NodeId n) { m_control->apply(cluster::Fault::flushPolicy({n}, {wal::FlushMode::kDelayed, 60000})); });
                         return true;
                       }});
    m_steps.push_back({4000, tr("power loss on every node"), [this, everyNode] {
                         everyNode([this](NodeId n) { m_control->apply(cluster::Fault::kill({n}, node::KillKind::kPowerLoss)); });
                         return true;
                       }});
    m_steps.push_back({4600, tr("restart every node with always-flush"), [this, everyNode] {
                         everyNode([this](NodeId n) {
                           m_control->apply(cluster::Fault::restart({n}));
                           m_control->apply(cluster::Fault::flushPolicy({n}, {wal::FlushMode::kAlways, 0}));
                         });
                         return true;
                       }});
  } else if (state == QLatin1String("partition")) {
    m_steps.push_back({2500, tr("cut the leader off"), [this, leader] {
                         const NodeId l = leader();
                         if (!l) return false;
                         std::vector<NodeId> rest;
                         for (int i = 1; i <= m_source->size(); ++i)
                           if (static_cast<NodeId>(i) != l) rest.push_back(static_cast<NodeId>(i));
                         m_control->apply(cluster::Fault::partition({{l}, rest}));
                         return true;
                       }});
  }
  m_startMs = m_source->nowMs();
  m_timer.setInterval(50);
  connect(&m_timer, &QTimer::timeout, this, &DemoDriver::tick, Qt::UniqueConnection);
  m_timer.start();
  return true;
}

void DemoDriver::tick() {
  if (finished()) {
    m_timer.stop();
    return;
  }
  Step& s = m_steps[m_next];
  if (m_source->nowMs() - m_startMs < s.atMs) return;
  if (!s.run()) return;
  ++m_next;  // before the signal: a receiver asking finished() after the last step hears yes
  emit stepDone(s.what);
}

}  // namespace qlab::ui
