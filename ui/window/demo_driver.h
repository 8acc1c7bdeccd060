#pragma once
// DemoDriver: drives the cluster into one of the states the screenshots and the README show
// (hidden `quorumlab gui --demo-state NAME`): healthy, leader-killed, delayed-loss,
// partition. Each state is a short list of timed steps through ClusterControl; a step that is
// not possible yet (no leader) is retried on the next tick.
#include <functional>
#include <vector>

#include <QObject>
#include <QTimer>

#include "ui/source/cluster_source.h"

namespace qlab::ui {

class DemoDriver : public QObject {
  Q_OBJECT
 public:
  static QStringList stateNames();
  // False (and nothing runs) when `state` is not one of stateNames().
  bool start(const QString& state, const ClusterSource* source, ClusterControl* control);
  bool finished() const { return m_next >= m_steps.size(); }

 signals:
  void stepDone(const QString& what);

 private:
  struct Step {
    std::int64_t atMs;  // since start
    QString what;
    std::function<bool()> run;  // false: not yet possible, try again
  };
  void tick();

  const ClusterSource* m_source = nullptr;
  ClusterControl* m_control = nullptr;
  std::vector<Step> m_steps;
  std::size_t m_next = 0;
  std::int64_t m_startMs = 0;
  QTimer m_timer;
};

}  // namespace qlab::ui
