#pragma once
// RecordView: one log record as it is on disk: its fields, its bytes in hex with each header
// field coloured, and the checksum recomputed and compared. Reads the segment file read-only
// (ui/wal/record_reader.h); an entry still buffered in memory is explained, not shown.
#include <QWidget>

#include "core/node/node_view.h"

class QLabel;
class QTextEdit;

namespace qlab::ui {

struct RecordBytes;

class RecordView : public QWidget {
  Q_OBJECT
 public:
  explicit RecordView(QWidget* parent = nullptr);

  // Reads entry `index` of node `v` from the segment files under `nodeDir`/wal.
  void showRecord(const node::NodeView& v, const std::string& nodeDir, Index index);
  void clear();
  Index index() const { return m_index; }
  // For tests: the checksum verdict shown ("verified", "MISMATCH", or why nothing is shown).
  QString verdict() const;
  QString hexText() const;
  QString fieldsText() const;

 private:
  void showBytes(const RecordBytes& r, const node::NodeView& v);

  Index m_index = 0;
  QLabel* m_title;
  QLabel* m_fields;
  QLabel* m_checksum;
  QTextEdit* m_hex;
};

}  // namespace qlab::ui
