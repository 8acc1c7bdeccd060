#pragma once
// ControlsPanel: the knobs, grouped as a lesson uses them: one node (kill, torn kill,
// restart, pause, flush, policy), the network (partitions, link faults), the write quorum
// (with its safety/liveness warning in words), the clients (load, rate, one write), the
// cluster (size and reset) and the animation speed. Node buttons share ClusterActions with
// the menus, so tooltips and shortcuts are the same everywhere.
#include <optional>

#include <QWidget>

#include "ui/source/cluster_frame.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSlider;
class QSpinBox;

namespace qlab::ui {

class ClusterActions;
class PartitionEditor;

class ControlsPanel : public QWidget {
  Q_OBJECT
 public:
  ControlsPanel(ClusterActions* actions, QWidget* parent = nullptr);

  void setControl(ClusterControl* control);
  void updateFrame(const ClusterFrame& frame);

  // Settings the window remembers.
  int clusterSize() const;
  void setClusterSize(int n);
  // The election timeout T (ms) for the next reset: elections start after [T, 2T) of silence.
  int electionTimeoutMs() const;
  void setElectionTimeoutMs(int ms);
  wal::FlushPolicy defaultPolicy() const;
  void setDefaultPolicy(const wal::FlushPolicy& p);
  double timeScale() const;
  void setTimeScale(double scale);
  cluster::LoadOptions loadOptions() const;

  // For tests and shortcuts.
  PartitionEditor* partitionEditor() const { return m_partition; }
  QComboBox* policyBox() const { return m_policy; }
  QSpinBox* delayBox() const { return m_delay; }
  QLabel* policyNowLabel() const { return m_policyNow; }
  QPushButton* setPolicyButton() const { return m_setPolicy; }
  QComboBox* quorumBox() const { return m_quorum; }
  QLabel* quorumWarning() const { return m_quorumWarning; }
  QLineEdit* writeKey() const { return m_key; }
  QLineEdit* writeValue() const { return m_value; }
  QPushButton* writeButton() const { return m_write; }
  QLabel* writeResult() const { return m_writeResult; }
  QPushButton* resetButton() const { return m_reset; }
  QSpinBox* rateBox() const { return m_rate; }

 signals:
  void resetRequested(int nodes, const wal::FlushPolicy& policy, int electionTimeoutMs);
  void timeScaleChanged(double scale);

 private:
  QWidget* nodeGroup();
  QWidget* quorumGroup();
  QWidget* clientGroup();
  QWidget* clusterGroup();
  void submitWrite();
  void applyPolicy();
  void showNodePolicy(const ClusterFrame& f);

  ClusterActions* m_actions;
  ClusterControl* m_control = nullptr;
  int m_size = 0;
  QLabel* m_target;
  QComboBox* m_policy;
  QSpinBox* m_delay;
  QPushButton* m_setPolicy;
  QSpinBox* m_dropCount;
  PartitionEditor* m_partition;
  QComboBox* m_quorum;
  QLabel* m_quorumWarning;
  QSpinBox* m_clients;
  QSpinBox* m_rate;
  QLineEdit* m_key;
  QLineEdit* m_value;
  QPushButton* m_write;
  QLabel* m_writeResult;
  QSpinBox* m_sizeBox;
  QSpinBox* m_electionBox = nullptr;
  QComboBox* m_defaultPolicy;
  QSpinBox* m_defaultDelay;
  QPushButton* m_reset;
  QSlider* m_slowMotion;
  QLabel* m_slowLabel;
  int m_writeSeq = 0;
  bool m_quorumEdited = false;
  // The flush row shows the target node's actual policy unless the user is editing it; after
  // Set it waits (at most 2 s) for the node to report the new policy.
  QLabel* m_policyNow = nullptr;
  NodeId m_policyNode = kNoNode;
  bool m_policyEdited = false;
  std::optional<wal::FlushPolicy> m_applied;
  std::int64_t m_appliedAtMs = 0;
  std::int64_t m_lastFrameMs = 0;
};

}  // namespace qlab::ui
