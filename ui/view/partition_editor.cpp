#include "ui/view/partition_editor.h"

#include <QSignalBlocker>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace qlab::ui {

PartitionEditor::PartitionEditor(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* intro = new QLabel(tr("Groups: nodes talk only within their group."), this);
  intro->setWordWrap(true);
  layout->addWidget(intro);
  m_groupGrid = new QGridLayout;
  layout->addLayout(m_groupGrid);
  auto* partition = new QPushButton(tr("Partition"), this);
  partition->setToolTip(tr("Cut every link between different groups (both directions). A minority group "
                           "cannot elect a leader or commit; the majority side carries on."));
  connect(partition, &QPushButton::clicked, this, &PartitionEditor::applyPartition);
  layout->addWidget(partition);

  auto* linkForm = new QFormLayout;
  linkForm->setContentsMargins(0, 6, 0, 0);
  auto* fromTo = new QHBoxLayout;
  m_from = new QComboBox(this);
  m_to = new QComboBox(this);
  fromTo->addWidget(m_from);
  fromTo->addWidget(new QLabel(QStringLiteral("→"), this));
  fromTo->addWidget(m_to);
  linkForm->addRow(tr("Link"), fromTo);
  m_delay = new QSpinBox(this);
  m_delay->setRange(0, 10000);
  m_delay->setSingleStep(50);
  m_delay->setSuffix(tr(" ms"));
  m_delay->setToolTip(tr("Hold every message on this link at least this long (order is kept). Slow links "
                         "delay acknowledgements, so the HWM moves later."));
  linkForm->addRow(tr("Delay"), m_delay);
  m_drop = new QDoubleSpinBox(this);
  m_drop->setRange(0, 100);
  m_drop->setSuffix(tr(" %"));
  m_drop->setDecimals(0);
  m_drop->setToolTip(tr("Drop this share of the messages on the link at random; the protocol retries."));
  linkForm->addRow(tr("Drop"), m_drop);
  auto* checks = new QHBoxLayout;
  m_cut = new QCheckBox(tr("cut"), this);
  m_cut->setToolTip(tr("Drop every message on the link."));
  m_oneWay = new QCheckBox(tr("one way"), this);
  m_oneWay->setToolTip(tr("Degrade only the direction from → to (asymmetric faults are the nasty ones)."));
  checks->addWidget(m_cut);
  checks->addWidget(m_oneWay);
  checks->addStretch();
  linkForm->addRow(QString(), checks);
  layout->addLayout(linkForm);
  auto* apply = new QPushButton(tr("Set link"), this);
  apply->setToolTip(tr("Apply the delay, drop rate and cut to this link."));
  connect(apply, &QPushButton::clicked, this, &PartitionEditor::applyLink);
  layout->addWidget(apply);
  m_state = new QLabel(this);
  m_state->setWordWrap(true);
  layout->addWidget(m_state);
  // Any change not made by showLink()/showGroups() (they block signals) is the user's edit.
  auto linkEdited = [this] { m_linkEdited = true; };
  connect(m_delay, &QSpinBox::valueChanged, this, linkEdited);
  connect(m_drop, &QDoubleSpinBox::valueChanged, this, linkEdited);
  connect(m_cut, &QCheckBox::toggled, this, linkEdited);
  auto pairChosen = [this] {
    m_linkEdited = false;  // a new pair: show what it has
    showLink(m_last);
  };
  connect(m_from, &QComboBox::activated, this, pairChosen);
  connect(m_to, &QComboBox::activated, this, pairChosen);
}

void PartitionEditor::rebuild(int nodes) {
  for (QComboBox* b : m_groupBoxes) b->deleteLater();
  m_groupBoxes.clear();
  while (QLayoutItem* it = m_groupGrid->takeAt(0)) {
    if (it->widget()) it->widget()->deleteLater();
    delete it;
  }
  m_from->clear();
  m_to->clear();
  for (int i = 1; i <= nodes; ++i) {
    auto* box = new QComboBox(this);
    box->addItems({tr("A"), tr("B"), tr("C")});
    connect(box, &QComboBox::currentIndexChanged, this, [this] { m_groupsEdited = true; });
    box->setToolTip(tr("The group of node %1").arg(i));
    const int col = ((i - 1) % 3) * 2, row = (i - 1) / 3;
    m_groupGrid->addWidget(new QLabel(tr("node %1").arg(i), this), row, col);
    m_groupGrid->addWidget(box, row, col + 1);
    m_groupBoxes.push_back(box);
    m_from->addItem(tr("node %1").arg(i), i);
    m_to->addItem(tr("node %1").arg(i), i);
  }
  if (nodes > 1) m_to->setCurrentIndex(1);
  m_nodes = nodes;
}

void PartitionEditor::setGroup(NodeId node, int group) {
  if (node >= 1 && node <= m_groupBoxes.size()) m_groupBoxes[node - 1]->setCurrentIndex(group);
}

std::vector<std::vector<NodeId>> PartitionEditor::groups() const {
  std::vector<std::vector<NodeId>> g(3);
  for (std::size_t i = 0; i < m_groupBoxes.size(); ++i)
    g[static_cast<std::size_t>(m_groupBoxes[i]->currentIndex())].push_back(static_cast<NodeId>(i + 1));
  std::erase_if(g, [](const auto& v) { return v.empty(); });
  return g;
}

void PartitionEditor::applyPartition() {
  m_groupsEdited = false;
  if (m_control) m_control->apply(cluster::Fault::partition(groups()));
}

void PartitionEditor::applyLink() {
  if (!m_control) return;
  const auto from = static_cast<NodeId>(m_from->currentData().toInt());
  const auto to = static_cast<NodeId>(m_to->currentData().toInt());
  if (from == to || from == kNoNode || to == kNoNode) return;
  net::LinkFault f;
  f.cut = m_cut->isChecked();
  f.delayMs = m_delay->value();
  f.dropProbability = m_drop->value() / 100.0;
  m_linkEdited = false;
  m_control->apply(cluster::Fault::setLink({from}, {to}, f.clamped(), m_oneWay->isChecked()));
}

// The groups the cluster's cut links form: nodes joined by links that work both ways are in
// one group. Shown when they fit the three boxes.
void PartitionEditor::showGroups(const ClusterFrame& f) {
  if (m_groupsEdited || static_cast<int>(m_groupBoxes.size()) != f.size) return;
  std::vector<int> group(static_cast<std::size_t>(f.size), -1);
  int groups = 0;
  for (int start = 1; start <= f.size; ++start) {
    if (group[static_cast<std::size_t>(start - 1)] >= 0) continue;
    std::vector<int> todo{start};
    group[static_cast<std::size_t>(start - 1)] = groups;
    while (!todo.empty()) {
      const int a = todo.back();
      todo.pop_back();
      for (int b = 1; b <= f.size; ++b) {
        if (group[static_cast<std::size_t>(b - 1)] >= 0) continue;
        if (f.link(static_cast<NodeId>(a), static_cast<NodeId>(b)).cut || f.link(static_cast<NodeId>(b), static_cast<NodeId>(a)).cut) continue;
        group[static_cast<std::size_t>(b - 1)] = groups;
        todo.push_back(b);
      }
    }
    ++groups;
  }
  if (groups > 3) return;
  for (int i = 0; i < f.size; ++i) {
    QSignalBlocker quiet(m_groupBoxes[static_cast<std::size_t>(i)]);
    m_groupBoxes[static_cast<std::size_t>(i)]->setCurrentIndex(group[static_cast<std::size_t>(i)]);
  }
}

void PartitionEditor::showLink(const ClusterFrame& f) {
  if (m_linkEdited || f.size == 0) return;
  const LinkInfo l = f.link(static_cast<NodeId>(m_from->currentData().toInt()), static_cast<NodeId>(m_to->currentData().toInt()));
  QSignalBlocker a(m_delay), b(m_drop), c(m_cut);
  // A spin box repaints on every setValue, even to the value it has: only what changed.
  if (m_delay->value() != l.delayMs) m_delay->setValue(l.delayMs);
  if (m_drop->cleanText() != m_drop->textFromValue(l.drop * 100.0)) m_drop->setValue(l.drop * 100.0);
  m_cut->setChecked(l.cut);
}

void PartitionEditor::updateFrame(const ClusterFrame& f) {
  if (f.size != m_nodes || f.sourceChanged) {
    rebuild(f.size);
    m_groupsEdited = m_linkEdited = false;
  }
  m_last = f.pictures();
  showGroups(f);
  showLink(f);
  QStringList degraded;
  for (int a = 1; a <= f.size; ++a)
    for (int b = 1; b <= f.size; ++b) {
      if (a == b) continue;
      const LinkInfo l = f.link(static_cast<NodeId>(a), static_cast<NodeId>(b));
      if (!l.degraded()) continue;
      QStringList what;
      if (l.cut) what << tr("cut");
      if (l.delayMs) what << tr("%1 ms").arg(l.delayMs);
      if (l.drop > 0) what << tr("drop %1%").arg(qRound(l.drop * 100));
      degraded << tr("%1→%2 %3").arg(a).arg(b).arg(what.join(QLatin1Char(' ')));
    }
  const QString text = degraded.isEmpty() ? tr("All links healthy.") : tr("Degraded: %1").arg(degraded.join(QStringLiteral(", ")));
  if (m_state->text() != text) m_state->setText(text);
}

}  // namespace qlab::ui
