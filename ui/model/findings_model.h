#pragma once
// FindingsModel: what the live invariant checker found, newest last. Violations (a safety
// property the configuration promised was broken) and expected losses (the price of an unsafe
// configuration: delayed flush, W below a majority) are told apart in every role.
#include <vector>

#include "ui/model/column_model.h"

#include "core/instruments/live_checker.h"

namespace qlab::ui {

class FindingsModel : public ColumnModel {
  Q_OBJECT
 public:
  enum Column { kTime, kKind, kText, kColumnCount };
  enum Role { kViolationRole = Qt::UserRole + 1 };

  explicit FindingsModel(QObject* parent = nullptr);
  void append(const std::vector<cluster::Finding>& findings);
  void clear();
  int violations() const { return m_violations; }
  int expected() const { return static_cast<int>(m_rows.size()) - m_violations; }
  const cluster::Finding* latest() const { return m_rows.empty() ? nullptr : &m_rows.back(); }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

 private:
  std::vector<cluster::Finding> m_rows;
  int m_violations = 0;
};

}  // namespace qlab::ui
