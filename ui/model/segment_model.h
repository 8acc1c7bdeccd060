#pragma once
// SegmentModel: one node's segment files (name, index range, size, durable bytes). A file
// that disappears (deleted below the LWM, or cut by a truncation) stays as a row marked
// "deleted" that fades out over kFadeMs, so the user sees the Segmented Log and Low-Water Mark
// patterns at work instead of rows silently vanishing.
#include <cstdint>
#include <vector>

#include "ui/model/column_model.h"

#include "ui/source/cluster_source.h"

namespace qlab::ui {

class SegmentModel : public ColumnModel {
  Q_OBJECT
 public:
  enum Column { kFile, kFirst, kLast, kBytes, kState, kColumnCount };
  enum Role { kOpacityRole = Qt::UserRole + 1, kDeletedRole };
  static constexpr std::int64_t kFadeMs = 6000;

  explicit SegmentModel(QObject* parent = nullptr);
  // `node` changing resets; `nowMs` drives the fade.
  void update(NodeId node, const std::vector<node::SegmentView>& segments, std::int64_t nowMs);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

 private:
  struct Row {
    node::SegmentView seg;
    bool deleted = false;
    std::int64_t deletedAtMs = 0;
  };
  double opacity(const Row& r) const;

  NodeId m_node = kNoNode;
  std::int64_t m_nowMs = 0;
  std::vector<Row> m_rows;  // sorted by first index, then file name
};

// "00000000000000001201.wal" -> "…1201.wal": the digits that matter, for narrow places.
QString shortSegmentName(const std::string& file);

}  // namespace qlab::ui
