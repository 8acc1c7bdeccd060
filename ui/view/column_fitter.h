#pragma once
// ColumnFitter: a table's columns fit their contents, measured at most every `intervalMs`
// after its model changes, and only while the table is shown: a table on a hidden tab is
// measured once it is shown again. Measuring a hidden table reads every row (Qt cannot tell
// which are visible), which at five nodes and full load took ~20 ms every half second on the
// GUI thread for the inspector's four tables. While shown, only the visible rows are read.
#include <QObject>

class QTableView;
class QTimer;

namespace qlab::ui {

class ColumnFitter : public QObject {
  Q_OBJECT
 public:
  // Parented to `table`; follows its current model (set the model first).
  explicit ColumnFitter(QTableView* table, int intervalMs = 500);
  // Fits now if the table is shown, else remembers to when it is (the timer calls this).
  void fitIfShown();
  bool pending() const { return m_pending; }
  int fits() const { return m_fits; }  // how often the columns were measured (for tests)

 protected:
  bool eventFilter(QObject* watched, QEvent* e) override;

 private:
  void later();

  QTableView* m_table;
  QTimer* m_timer;
  bool m_pending = false;
  int m_fits = 0;
};

}  // namespace qlab::ui
