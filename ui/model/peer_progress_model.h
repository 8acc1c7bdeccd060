#pragma once
// PeerProgressModel: the leader's view of each follower (match, next, state, lag): the
// numbers behind the HWM. Empty unless the inspected node leads.
#include <vector>

#include "ui/model/column_model.h"

#include "ui/source/cluster_source.h"

namespace qlab::ui {

class PeerProgressModel : public ColumnModel {
  Q_OBJECT
 public:
  enum Column { kPeer, kMatch, kNext, kState, kLag, kActive, kColumnCount };

  explicit PeerProgressModel(QObject* parent = nullptr);
  // Rows are kept by peer id: the same peers update in place, a different set resets.
  void update(const std::vector<replication::PeerProgress>& peers, Index leaderLast);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

 private:
  struct Row {
    NodeId id = kNoNode;
    Index match = 0;
    Index next = 0;
    QString state;
    Index lag = 0;
    bool active = false;
    QString snapshot;  // "sending snapshot 1200: 40%" when in state snapshot
    bool operator==(const Row&) const = default;
  };
  std::vector<Row> m_rows;
};

}  // namespace qlab::ui
