#pragma once
// PartitionEditor: put nodes into groups that cannot talk to each other (a network
// partition), and degrade single links (delay, loss, one direction only). Shows the links
// the cluster currently has degraded. Its fields show the cluster's actual state (the groups
// its cut links form, the chosen link's delay, loss and cut), whatever changed them (this
// editor, a scenario, a lesson, the menu), except while the user is editing them.
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
  // For tests.
  QComboBox* groupBox(NodeId node) const { return node >= 1 && node <= m_groupBoxes.size() ? m_groupBoxes[node - 1] : nullptr; }
  QComboBox* fromBox() const { return m_from; }
  QComboBox* toBox() const { return m_to; }
  QSpinBox* linkDelayBox() const { return m_delay; }
  QCheckBox* cutBox() const { return m_cut; }

 private:
  void rebuild(int nodes);
  void showGroups(const ClusterFrame& f);
  void showLink(const ClusterFrame& f);
  ClusterFrame m_last;          // the pictures of the last frame, to show a newly chosen link
  bool m_groupsEdited = false;  // the user changed a group and has not applied it yet
  bool m_linkEdited = false;    // likewise for the link fields

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
