#pragma once
// EventLogPane: the nodes' log lines (LogHub, incremental by sequence number), filterable by
// node and level, following the newest line unless the user scrolled up.
#include <QWidget>

#include "ui/source/cluster_frame.h"

class QComboBox;
class QTableView;

namespace qlab::ui {

class LogFilterProxy;
class LogLineModel;

class EventLogPane : public QWidget {
  Q_OBJECT
 public:
  explicit EventLogPane(QWidget* parent = nullptr);
  void updateFrame(const ClusterFrame& frame);
  LogLineModel* model() const { return m_model; }
  LogFilterProxy* proxy() const { return m_proxy; }
  QComboBox* nodeFilter() const { return m_node; }
  QComboBox* levelFilter() const { return m_level; }

 private:
  LogLineModel* m_model;
  LogFilterProxy* m_proxy;
  QComboBox* m_node;
  QComboBox* m_level;
  QTableView* m_table;
  int m_nodes = -1;
};

}  // namespace qlab::ui
