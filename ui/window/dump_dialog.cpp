#include "ui/window/dump_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

#include "core/node/node_engine.h"
#include "core/wal/log_verifier.h"
#include "ui/model/dump_model.h"

namespace qlab::ui {

DumpDialog::DumpDialog(const QString& dir, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Logs in %1 (read-only)").arg(dir));
  resize(1000, 700);
  auto* layout = new QVBoxLayout(this);
  m_logs = new QComboBox(this);
  layout->addWidget(m_logs);
  m_summary = new QLabel(this);
  m_summary->setWordWrap(true);
  layout->addWidget(m_summary);
  auto* split = new QSplitter(Qt::Vertical, this);
  m_segments = new QTableWidget(0, 7, split);
  m_segments->setHorizontalHeaderLabels({tr("File"), tr("First"), tr("Last"), tr("Records"), tr("Bytes"),
                                         tr("Status"), tr("What recovery would do")});
  m_segments->horizontalHeader()->setStretchLastSection(true);
  m_segments->verticalHeader()->hide();
  m_segments->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_model = new DumpModel(this);
  m_records = new QTableView(split);
  m_records->setModel(m_model);
  m_records->verticalHeader()->hide();
  m_records->horizontalHeader()->setStretchLastSection(true);
  split->addWidget(m_segments);
  split->addWidget(m_records);
  split->setStretchFactor(1, 3);
  layout->addWidget(split, 1);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);
  for (const auto& [label, path] : findLogs(dir)) m_logs->addItem(label, path);
  connect(m_logs, &QComboBox::currentIndexChanged, this, [this] { load(m_logs->currentData().toString()); });
  if (m_logs->count() > 0) load(m_logs->currentData().toString());
  else m_summary->setText(tr("No write-ahead log found in %1: pick a cluster's data directory, one node's "
                             "directory, or its wal/ folder.").arg(dir));
}

QList<QPair<QString, QString>> DumpDialog::findLogs(const QString& dir) {
  QList<QPair<QString, QString>> out;
  QDir d(dir);
  if (!d.entryList({QStringLiteral("*.wal")}, QDir::Files).isEmpty()) out.append({d.dirName(), d.absolutePath()});
  if (d.exists(QStringLiteral("wal"))) out.append({tr("this node"), d.absoluteFilePath(QStringLiteral("wal"))});
  QStringList nodes = d.entryList({QStringLiteral("node-*")}, QDir::Dirs);
  std::sort(nodes.begin(), nodes.end(), [](const QString& a, const QString& b) {
    return a.mid(5).toInt() < b.mid(5).toInt();
  });
  for (const QString& n : nodes)
    if (QDir(d.absoluteFilePath(n)).exists(QStringLiteral("wal")))
      out.append({tr("node %1").arg(n.mid(5)), d.absoluteFilePath(n + QStringLiteral("/wal"))});
  return out;
}

QString DumpDialog::summary() const { return m_summary->text(); }

QString DumpDialog::load(const QString& walDir) {
  std::vector<node::EntryView> rows;
  std::uint64_t seen = 0;
  wal::VerifyOptions opt;
  auto check = wal::verifyLog(wal::posixFileSystem(), walDir.toStdString(), opt, [&](const wal::RecordView& r) {
    ++seen;
    if (rows.size() >= kMaxRows) return true;  // keep counting
    // Decoded exactly as a live node decodes its entries for display.
    rows.push_back(node::decodeEntryView(wal::toEntry(r)));
    rows.back().value = rows.back().value.substr(0, 200);
    return true;
  });
  m_model->setRows(std::move(rows));
  m_segments->setRowCount(0);
  if (!check.isOk()) {
    m_summary->setText(tr("Could not read %1: %2").arg(walDir, QString::fromStdString(check.status().message())));
    return m_summary->text();
  }
  const wal::LogCheck& c = check.value();
  m_segments->setRowCount(static_cast<int>(c.segments.size()));
  for (int i = 0; i < static_cast<int>(c.segments.size()); ++i) {
    const auto& s = c.segments[static_cast<std::size_t>(i)];
    const QStringList cells = {QString::fromStdString(s.fileName), QString::number(s.firstIndex),
                               QString::number(s.lastIndex), QString::number(s.records), QString::number(s.bytes),
                               QString::fromLatin1(wal::segmentStatusName(s.status)),
                               QString::fromStdString(s.reason)};
    for (int col = 0; col < cells.size(); ++col) m_segments->setItem(i, col, new QTableWidgetItem(cells[col]));
  }
  QString text = tr("%1: %2 segments, %3 records (indices %4..%5), %6 bytes.")
                     .arg(walDir).arg(c.segments.size()).arg(c.records).arg(c.firstIndex).arg(c.lastIndex).arg(c.bytes);
  if (c.tornTail) text += tr(" The last segment ends in a torn record: recovery would cut it.");
  if (c.corrupt) text += tr(" CORRUPT: %1 (recovery would refuse to start).").arg(QString::fromStdString(c.corruption));
  if (seen > kMaxRows) text += tr(" Showing the first %1 records; `quorumlab dump` prints them all.").arg(kMaxRows);
  m_summary->setText(text);
  return text;
}

}  // namespace qlab::ui
