#pragma once
// NodeInspector: everything about one node: role, generation, vote, the log positions (LWM,
// first index, HWM, durable end, acknowledged end, log end, applied), flush policy and
// buffered bytes, counters; and tabs for the leader's peer progress, the segment files
// (deleted ones fade out), the key-value state at the HWM, and the newest entries with the
// record view (fields, hex bytes, checksum verified).
#include <QWidget>

#include "ui/source/cluster_frame.h"

class QAbstractItemModel;
class QLabel;
class QTabWidget;
class QTableView;
class QGridLayout;

namespace qlab::ui {

class KvModel;
class NodeLogModel;
class PeerProgressModel;
class RecordView;
class SegmentModel;

class NodeInspector : public QWidget {
  Q_OBJECT
 public:
  explicit NodeInspector(QWidget* parent = nullptr);

  void setSource(const ClusterSource* source) { m_source = source; }
  void setNode(NodeId id);
  NodeId node() const { return m_node; }
  void updateFrame(const ClusterFrame& frame);
  // Selects the entry in the entry list and shows its record.
  void showEntry(Index index);

  // For tests and the window.
  QString fieldText(const QString& name) const;
  PeerProgressModel* peerModel() const { return m_peers; }
  SegmentModel* segmentModel() const { return m_segments; }
  KvModel* kvModel() const { return m_kv; }
  NodeLogModel* entryModel() const { return m_entries; }
  RecordView* recordView() const { return m_record; }
  QTabWidget* tabs() const { return m_tabs; }

 private:
  void addField(const QString& name, const QString& tip);
  void setField(const QString& name, const QString& value);
  void showSelected();
  QTableView* makeTable(QAbstractItemModel* model);

  const ClusterSource* m_source = nullptr;
  NodeId m_node = kNoNode;
  ViewPtr m_view;
  QLabel* m_title;
  QGridLayout* m_grid;
  std::vector<std::pair<QString, QLabel*>> m_fields;
  QTabWidget* m_tabs;
  PeerProgressModel* m_peers;
  SegmentModel* m_segments;
  KvModel* m_kv;
  QLabel* m_kvNote;
  QLabel* m_peersNote;
  NodeLogModel* m_entries;
  QTableView* m_entryTable;
  RecordView* m_record;
};

}  // namespace qlab::ui
