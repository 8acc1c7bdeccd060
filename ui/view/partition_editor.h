#pragma once
// PartitionEditor: put nodes into groups that cannot talk to each other (a network
// partition), and degrade single links (delay, loss, one direction only). Shows the links
// the cluster currently has degraded.
#include <QWidget>

#include "ui/source/cluster_frame.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGridLayout;
class QLabel;
class QSpinBox;

namespace qlab::ui {

class PartitionEditor : public QWidget {
  Q_OBJECT
 public:
  explicit PartitionEditor(QWidget* parent = nullptr);
  void setControl(ClusterControl* control) { m_control = control; }
  void updateFrame(const ClusterFrame& frame);

  // The groups as edited (nodes in group A, B, C; empty groups left out).
  std::vector<std::vector<NodeId>> groups() const;
  void setGroup(NodeId node, int group);  // 0 = A, 1 = B, 2 = C
  void applyPartition();
  void applyLink();

 private:
  void rebuild(int nodes);

  ClusterControl* m_control = nullptr;
  int m_nodes = 0;
  QGridLayout* m_groupGrid;
  std::vector<QComboBox*> m_groupBoxes;
  QComboBox* m_from;
  QComboBox* m_to;
  QSpinBox* m_delay;
  QDoubleSpinBox* m_drop;
  QCheckBox* m_cut;
  QCheckBox* m_oneWay;
  QLabel* m_state;
};

}  // namespace qlab::ui
