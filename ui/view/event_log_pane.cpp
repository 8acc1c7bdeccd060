#include "ui/view/event_log_pane.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QScrollBar>
#include <QTableView>
#include <QVBoxLayout>

#include "ui/model/log_line_model.h"

namespace qlab::ui {

EventLogPane::EventLogPane(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  auto* bar = new QHBoxLayout;
  m_node = new QComboBox(this);
  m_node->setToolTip(tr("Show the lines of one node, of the cluster itself, or of all."));
  m_level = new QComboBox(this);
  m_level->setToolTip(tr("Show lines of this level and above."));
  for (int l = 0; l <= 4; ++l) m_level->addItem(LogLineModel::levelName(l), l);
  m_level->setCurrentIndex(1);
  bar->addWidget(new QLabel(tr("Node"), this));
  bar->addWidget(m_node);
  bar->addWidget(new QLabel(tr("Level"), this));
  bar->addWidget(m_level);
  bar->addStretch();
  layout->addLayout(bar);
  m_model = new LogLineModel(20000, this);
  m_proxy = new LogFilterProxy(this);
  m_proxy->setSourceModel(m_model);
  m_proxy->setMinLevel(1);
  m_table = new QTableView(this);
  m_table->setModel(m_proxy);
  m_table->verticalHeader()->hide();
  m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 2);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setWordWrap(false);
  m_table->setColumnWidth(LogLineModel::kTime, fontMetrics().horizontalAdvance(QStringLiteral("00000.000 s")) + 12);
  m_table->setColumnWidth(LogLineModel::kNode, fontMetrics().horizontalAdvance(QStringLiteral("cluster")) + 16);
  m_table->setColumnWidth(LogLineModel::kLevel, fontMetrics().horizontalAdvance(QStringLiteral("warn")) + 16);
  layout->addWidget(m_table, 1);
  connect(m_node, &QComboBox::currentIndexChanged, this, [this] { m_proxy->setNode(m_node->currentData().toInt()); });
  connect(m_level, &QComboBox::currentIndexChanged, this, [this] { m_proxy->setMinLevel(m_level->currentData().toInt()); });
}

void EventLogPane::updateFrame(const ClusterFrame& f) {
  if (f.sourceChanged) m_model->clear();
  if (f.size != m_nodes) {
    m_nodes = f.size;
    const QSignalBlocker block(m_node);
    m_node->clear();
    m_node->addItem(tr("all"), -1);
    m_node->addItem(tr("cluster"), 0);
    for (int i = 1; i <= f.size; ++i) m_node->addItem(tr("node %1").arg(i), i);
    m_proxy->setNode(-1);
  }
  if (f.logLines.empty()) return;
  QScrollBar* sb = m_table->verticalScrollBar();
  const bool atBottom = sb->value() >= sb->maximum() - 2;
  m_model->append(f.logLines);
  if (atBottom) m_table->scrollToBottom();
}

}  // namespace qlab::ui
