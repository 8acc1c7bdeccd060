#pragma once
// NodeLogModel: the newest entries of one node's log as a table (the inspector's entry list,
// from which the record view is chosen). Fed NodeView snapshots; updated by diffing by index
// (log_diff.h): appends insert rows, a moved first index removes a prefix, truncation and
// restart reset. The State column follows the node's HWM and durable end.
#include <deque>

#include "ui/model/column_model.h"

#include "ui/model/log_diff.h"
#include "ui/source/cluster_source.h"

namespace qlab::ui {

class NodeLogModel : public ColumnModel {
  Q_OBJECT
 public:
  enum Column { kIndex, kGeneration, kType, kClient, kKey, kValue, kState, kColumnCount };
  enum Role { kIndexRole = Qt::UserRole + 1 };

  explicit NodeLogModel(std::size_t capacity = 2000, QObject* parent = nullptr);

  // Follows `view` (another node than before, or nullptr, resets).
  void update(const ViewPtr& view);
  NodeId node() const { return m_node; }
  ResetReason lastResetReason() const { return m_lastReset; }
  const node::EntryView* entryAt(int row) const;
  int rowOfIndex(Index index) const;  // -1 if not held

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

  static QString stateName(const node::EntryView& e, const node::NodeView& v);

 private:
  std::size_t m_capacity;
  NodeId m_node = kNoNode;
  ViewPtr m_view;
  std::deque<node::EntryView> m_rows;
  ResetReason m_lastReset = ResetReason::kNone;
};

}  // namespace qlab::ui
