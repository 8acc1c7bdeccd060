#pragma once
// DumpDialog: File > Open data directory. Inspects the logs of an existing data directory
// (a cluster's, one node's, or a wal/ folder) strictly read-only, through core/wal's verifier:
// the segments with what recovery would say of each (ok, torn tail, corrupt...), and the
// records, decoded. Nothing is ever written, truncated or removed.
#include <QDialog>

class QComboBox;
class QLabel;
class QTableView;
class QTableWidget;

namespace qlab::ui {

class DumpModel;

class DumpDialog : public QDialog {
  Q_OBJECT
 public:
  explicit DumpDialog(const QString& dir, QWidget* parent = nullptr);

  static constexpr std::size_t kMaxRows = 200000;
  // The wal/ folders found under `dir`, labelled ("node 2", or the folder itself).
  static QList<QPair<QString, QString>> findLogs(const QString& dir);
  // Reads one wal/ folder; returns the summary line shown (for tests).
  QString load(const QString& walDir);
  DumpModel* model() const { return m_model; }
  QTableWidget* segments() const { return m_segments; }
  QString summary() const;

 private:
  QComboBox* m_logs;
  QLabel* m_summary;
  QTableWidget* m_segments;
  QTableView* m_records;
  DumpModel* m_model;
};

}  // namespace qlab::ui
