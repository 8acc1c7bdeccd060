#include "ui/view/node_inspector.h"

#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include "ui/model/kv_model.h"
#include "ui/model/node_log_model.h"
#include "ui/model/peer_progress_model.h"
#include "ui/model/segment_model.h"
#include "ui/view/column_fitter.h"
#include "ui/view/record_view.h"
#include "ui/view/steady_label.h"
#include "ui/view/theme.h"

namespace qlab::ui {

NodeInspector::NodeInspector(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 6, 6, 6);
  m_title = new QLabel(tr("<i>Click a node to inspect it.</i>"), this);
  QFont tf = m_title->font();
  tf.setPointSizeF(tf.pointSizeF() * 1.2);
  m_title->setFont(tf);
  layout->addWidget(m_title);

  m_grid = new QGridLayout;
  m_grid->setHorizontalSpacing(10);
  m_grid->setVerticalSpacing(2);
  layout->addLayout(m_grid);
  addField(tr("Generation"), tr("The generation clock (Raft's term): every election starts a new one. "
                                "A node that sees a higher generation steps down."));
  addField(tr("Voted for"), tr("Whom this node voted for in its current generation (at most one vote each)."));
  addField(tr("Leader"), tr("The leader this node follows, as far as it knows."));
  addField(tr("LWM"), tr("Low-water mark: the first index still needed. Segments wholly below it "
                         "(covered by a snapshot and committed) may be deleted."));
  addField(tr("First index"), tr("The first entry still on disk; below it the segments were deleted."));
  addField(tr("HWM"), tr("High-water mark: entries up to here are durable on W nodes (committed) and "
                         "may be applied. Followers learn it from the leader."));
  addField(tr("Durable end"), tr("The last index covered by a completed flush (write + fdatasync)."));
  addField(tr("Acked end"), tr("What the node tells the leader it holds: the durable end, or, under the "
                               "delayed and manual policies, everything appended (unsafe)."));
  addField(tr("Log end"), tr("The last entry appended, buffered or not."));
  addField(tr("Applied"), tr("Entries applied to the key-value state machine."));
  addField(tr("Snapshot"), tr("The latest key-value snapshot: the log below it can be deleted."));
  addField(tr("Flush"), tr("The flush policy: always, group (group commit), delayed (acknowledge before "
                           "durable: fast, loses the tail on a kill) or manual."));
  addField(tr("Buffered"), tr("Bytes appended but not yet flushed: lost if the node is killed now."));
  addField(tr("Counters"), tr("Since this node started: entries appended, flushes, messages in/out, "
                              "entries truncated, duplicates ignored, segments deleted."));

  m_tabs = new QTabWidget(this);
  m_peers = new PeerProgressModel(this);
  m_segments = new SegmentModel(this);
  m_kv = new KvModel(this);
  m_entries = new NodeLogModel(1000, this);

  auto* peersPage = new QWidget;
  auto* pl = new QVBoxLayout(peersPage);
  pl->setContentsMargins(0, 0, 0, 0);
  m_peersNote = new QLabel(peersPage);
  m_peersNote->setWordWrap(true);
  pl->addWidget(new SteadyLabelBox(m_peersNote, peersPage));
  pl->addWidget(makeTable(m_peers), 1);
  m_tabs->addTab(peersPage, tr("Peers"));
  m_tabs->setTabToolTip(0, tr("On the leader: how far each follower is known to hold the log (match), "
                              "what is sent next, and how far behind it is."));
  m_tabs->addTab(makeTable(m_segments), tr("Segments"));
  m_tabs->setTabToolTip(1, tr("The segment files of this node's write-ahead log, named by their first index. "
                              "Deleted segments fade out."));
  auto* kvPage = new QWidget;
  auto* kl = new QVBoxLayout(kvPage);
  kl->setContentsMargins(0, 0, 0, 0);
  m_kvNote = new QLabel(kvPage);
  kl->addWidget(new SteadyLabelBox(m_kvNote, kvPage));
  kl->addWidget(makeTable(m_kv), 1);
  m_tabs->addTab(kvPage, tr("State"));
  m_tabs->setTabToolTip(2, tr("The key-value state this node has applied (up to its HWM)."));
  auto* split = new QSplitter(Qt::Vertical);
  m_entryTable = makeTable(m_entries);
  m_entryTable->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_entryTable->setSelectionMode(QAbstractItemView::SingleSelection);
  split->addWidget(m_entryTable);
  m_record = new RecordView;
  split->addWidget(m_record);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 2);
  m_tabs->addTab(split, tr("Records"));
  m_tabs->setTabToolTip(3, tr("The newest entries; select one to see its record's bytes on disk and "
                              "its checksum verified."));
  layout->addWidget(m_tabs, 1);
  connect(m_entryTable->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this] { showSelected(); });
}

QTableView* NodeInspector::makeTable(QAbstractItemModel* model) {
  auto* t = new QTableView;
  t->setModel(model);
  t->verticalHeader()->hide();
  t->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
  t->horizontalHeader()->setStretchLastSection(true);
  // Columns fit their contents, measured at most twice a second and only while shown:
  // ResizeToContents would measure every visible cell's text on each 30 Hz update (a seventh
  // of the UI thread's time with five nodes at full load).
  new ColumnFitter(t, 500);
  t->setAlternatingRowColors(true);
  t->setEditTriggers(QAbstractItemView::NoEditTriggers);
  t->setWordWrap(false);
  return t;
}

void NodeInspector::addField(const QString& name, const QString& tip) {
  const int row = static_cast<int>(m_fields.size());
  auto* label = new QLabel(name + QLatin1Char(':'), this);
  label->setToolTip(tip);
  auto* value = new QLabel(QStringLiteral("–"), this);
  value->setToolTip(tip);
  value->setTextInteractionFlags(Qt::TextSelectableByMouse);
  value->setWordWrap(true);
  // Two columns of fields; the counters take a whole row at the end.
  const bool wide = name == tr("Counters");
  const int r = wide ? (row + 1) / 2 : row / 2, c = wide ? 0 : (row % 2) * 2;
  m_grid->addWidget(label, r, c, Qt::AlignRight | Qt::AlignTop);
  // The value changes on every frame: it must not re-lay out or repaint the window around it.
  auto* box = new SteadyLabelBox(value, this);
  box->setAutoFillBackground(true);  // on the panel's plain background
  m_grid->addWidget(box, r, c + 1, 1, wide ? 3 : 1);
  m_fields.emplace_back(name, value);
}

void NodeInspector::setField(const QString& name, const QString& value) {
  for (auto& [n, label] : m_fields)
    if (n == name && label->text() != value) label->setText(value);
}

QString NodeInspector::fieldText(const QString& name) const {
  for (const auto& [n, label] : m_fields)
    if (n == name) return label->text();
  return {};
}

void NodeInspector::setNode(NodeId id) {
  if (id == m_node) return;
  m_node = id;
  m_record->clear();
}

void NodeInspector::updateFrame(const ClusterFrame& f) {
  if (f.sourceChanged) m_record->clear();
  const node::NodeView* v = f.view(m_node);
  m_view = v ? f.views[m_node - 1] : nullptr;
  m_entries->update(m_view);
  if (!v) {
    m_title->setText(tr("<i>Click a node to inspect it.</i>"));
    m_peers->update({}, 0);
    m_segments->update(kNoNode, {}, f.nowMs);
    m_kv->update(kNoNode, {});
    return;
  }
  const Theme t = Theme::forPalette(palette());
  QString title = tr("<b>Node %1</b> <span style=\"color:%2\">%3</span>")
                      .arg(v->id).arg(t.roleColor(*v).name(), roleOrStatusName(*v));
  if (!v->failure.empty()) title += tr(": %1").arg(QString::fromStdString(v->failure).toHtmlEscaped());
  if (m_title->text() != title) m_title->setText(title);
  auto num = [](Index i) { return QString::number(i); };
  setField(tr("Generation"), num(v->generation));
  setField(tr("Voted for"), v->votedFor ? tr("node %1").arg(v->votedFor) : tr("nobody"));
  setField(tr("Leader"), v->leader ? tr("node %1").arg(v->leader) : tr("unknown"));
  setField(tr("LWM"), num(v->lwm));
  setField(tr("First index"), num(v->firstIndex));
  setField(tr("HWM"), num(v->hwm));
  setField(tr("Durable end"), num(v->durableEnd));
  setField(tr("Acked end"), num(v->ackEnd));
  setField(tr("Log end"), num(v->lastIndex));
  setField(tr("Applied"), num(v->applied));
  setField(tr("Snapshot"), v->snapshot.index ? tr("index %1, %2").arg(v->snapshot.index)
                                                    .arg(QLocale().formattedDataSize(static_cast<qint64>(v->snapshot.bytes)))
                                              : tr("none"));
  QString policy = QString::fromLatin1(wal::flushModeName(v->flush.mode));
  if (v->flush.mode == wal::FlushMode::kDelayed) policy += tr(" every %1 ms").arg(v->flush.delayMs);
  setField(tr("Flush"), policy);
  setField(tr("Buffered"), QLocale().formattedDataSize(static_cast<qint64>(v->bufferedBytes)));
  const auto& c = v->counters;
  setField(tr("Counters"), tr("%1 appended · %2 flushes · %3 in / %4 out · %5 truncated · %6 duplicates · "
                              "%7 segments deleted")
                               .arg(c.appended).arg(c.flushes).arg(c.messagesIn).arg(c.messagesOut)
                               .arg(c.truncatedEntries).arg(c.duplicatesIgnored).arg(c.segmentsDeleted));
  m_peers->update(v->peers, v->lastIndex);
  m_peersNote->setText(v->role == replication::Role::kLeader
                           ? tr("Node %1 leads: it tracks each follower.").arg(v->id)
                           : tr("Only the leader tracks its followers' progress; node %1 is a %2.")
                                 .arg(v->id).arg(roleOrStatusName(*v)));
  m_segments->update(v->id, v->segments, f.nowMs);
  m_kv->update(v->id, v->kv);
  m_kvNote->setText(v->kvKeys > v->kv.size() ? tr("%1 keys applied; the first %2 are shown.").arg(v->kvKeys).arg(v->kv.size())
                                             : tr("%1 keys applied.").arg(v->kvKeys));
}

void NodeInspector::showEntry(Index index) {
  m_tabs->setCurrentIndex(3);
  const int row = m_entries->rowOfIndex(index);
  if (row >= 0) m_entryTable->selectRow(row);
  if (m_view && m_source && (row < 0 || m_record->index() != index))
    m_record->showRecord(*m_view, m_source->nodeDir(m_view->id), index);
}

void NodeInspector::showSelected() {
  const QModelIndex cur = m_entryTable->selectionModel()->currentIndex();
  const node::EntryView* e = m_entries->entryAt(cur.row());
  if (!e || !m_view || !m_source) return;
  if (e->index != m_record->index()) m_record->showRecord(*m_view, m_source->nodeDir(m_view->id), e->index);
}

}  // namespace qlab::ui
