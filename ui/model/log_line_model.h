#pragma once
// LogLineModel: the nodes' log lines (LogHub), appended incrementally by sequence number and
// capped (the oldest rows go first). LogFilterProxy filters by node and minimum level.
#include <deque>
#include <vector>

#include "ui/model/column_model.h"
#include <QSortFilterProxyModel>

#include "core/instruments/log_hub.h"

namespace qlab::ui {

class LogLineModel : public ColumnModel {
  Q_OBJECT
 public:
  enum Column { kTime, kNode, kLevel, kText, kColumnCount };
  enum Role { kNodeRole = Qt::UserRole + 1, kLevelRole };

  explicit LogLineModel(std::size_t capacity = 20000, QObject* parent = nullptr);
  // Lines must come in increasing seq; ones already held are skipped.
  void append(const std::vector<cluster::LogLine>& lines);
  void clear();
  std::uint64_t lastSeq() const { return m_lastSeq; }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

  static QString levelName(int level);

 private:
  std::size_t m_capacity;
  std::uint64_t m_lastSeq = 0;
  std::deque<cluster::LogLine> m_rows;
};

class LogFilterProxy : public QSortFilterProxyModel {
  Q_OBJECT
 public:
  explicit LogFilterProxy(QObject* parent = nullptr);
  void setNode(int node);        // -1 = every node, 0 = the cluster itself, 1..9
  void setMinLevel(int level);   // spdlog level: 0 trace .. 4 error
  int node() const { return m_node; }
  int minLevel() const { return m_minLevel; }

 protected:
  bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

 private:
  int m_node = -1;
  int m_minLevel = 0;
};

}  // namespace qlab::ui
