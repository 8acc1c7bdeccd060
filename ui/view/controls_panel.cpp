#include "ui/view/controls_panel.h"

#include <cmath>

#include <QAction>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/cluster/cluster.h"
#include "ui/view/cluster_actions.h"
#include "ui/view/partition_editor.h"
#include "ui/view/theme.h"

namespace qlab::ui {

namespace {
QToolButton* actionButton(QAction* a, QWidget* parent) {
  auto* b = new QToolButton(parent);
  b->setDefaultAction(a);
  b->setToolButtonStyle(Qt::ToolButtonTextOnly);
  b->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  return b;
}

QComboBox* policyCombo(QWidget* parent) {
  auto* c = new QComboBox(parent);
  for (auto m : {wal::FlushMode::kAlways, wal::FlushMode::kGroup, wal::FlushMode::kDelayed, wal::FlushMode::kManual})
    c->addItem(QString::fromLatin1(wal::flushModeName(m)), static_cast<int>(m));
  return c;
}

QSpinBox* delaySpin(QWidget* parent) {
  auto* s = new QSpinBox(parent);
  s->setRange(1, 60000);
  s->setValue(200);
  s->setSingleStep(50);
  s->setSuffix(QObject::tr(" ms"));
  s->setToolTip(QObject::tr("For the delayed policy: how often the buffer is flushed."));
  return s;
}
}  // namespace

ControlsPanel::ControlsPanel(ClusterActions* actions, QWidget* parent) : QWidget(parent), m_actions(actions) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 6, 6, 6);
  layout->addWidget(nodeGroup());
  auto* net = new QGroupBox(tr("Network"), this);
  auto* nl = new QVBoxLayout(net);
  m_partition = new PartitionEditor(net);
  nl->addWidget(m_partition);
  nl->addWidget(actionButton(m_actions->heal(), net));
  layout->addWidget(net);
  layout->addWidget(quorumGroup());
  layout->addWidget(clientGroup());
  layout->addWidget(clusterGroup());
  layout->addStretch();
  connect(m_actions, &ClusterActions::targetChanged, this, [this](NodeId id) {
    m_target->setText(id ? tr("<b>Node %1</b> (click a node or press 1–9)").arg(id) : tr("No node selected"));
  });
}

QWidget* ControlsPanel::nodeGroup() {
  auto* g = new QGroupBox(tr("Node"), this);
  auto* l = new QVBoxLayout(g);
  m_target = new QLabel(tr("No node selected"), g);
  l->addWidget(m_target);
  auto* grid = new QGridLayout;
  grid->addWidget(actionButton(m_actions->kill(), g), 0, 0);
  grid->addWidget(actionButton(m_actions->killTorn(), g), 0, 1);
  grid->addWidget(actionButton(m_actions->restart(), g), 1, 0);
  grid->addWidget(actionButton(m_actions->pause(), g), 1, 1);
  grid->addWidget(actionButton(m_actions->flushNow(), g), 2, 0);
  grid->addWidget(actionButton(m_actions->campaign(), g), 2, 1);
  grid->addWidget(actionButton(m_actions->crash(), g), 3, 0, 1, 2);
  l->addLayout(grid);
  auto* pol = new QHBoxLayout;
  m_policy = policyCombo(g);
  m_policy->setToolTip(tr("How this node makes appends durable. always and group flush before they "
                          "acknowledge; delayed and manual acknowledge what is only in memory."));
  m_delay = delaySpin(g);
  m_setPolicy = new QPushButton(tr("Set"), g);
  m_setPolicy->setToolTip(tr("Give the selected node this flush policy (takes effect at once)."));
  pol->addWidget(new QLabel(tr("Flush"), g));
  pol->addWidget(m_policy, 1);
  pol->addWidget(m_delay);
  pol->addWidget(m_setPolicy);
  l->addLayout(pol);
  connect(m_setPolicy, &QPushButton::clicked, this, &ControlsPanel::applyPolicy);
  connect(m_policy, &QComboBox::currentIndexChanged, this, [this] {
    m_delay->setEnabled(m_policy->currentData().toInt() == static_cast<int>(wal::FlushMode::kDelayed));
    m_policyEdited = true;  // showNodePolicy() blocks signals: this is the user
  });
  connect(m_delay, &QSpinBox::valueChanged, this, [this] { m_policyEdited = true; });
  m_delay->setEnabled(false);
  m_policyNow = new QLabel(g);
  m_policyNow->setWordWrap(true);
  m_policyNow->setToolTip(tr("What the selected node really does now. The row above shows it too, "
                             "unless you are choosing a new policy that Set has not applied yet."));
  l->addWidget(m_policyNow);
  auto* drop = new QHBoxLayout;
  m_dropCount = new QSpinBox(g);
  m_dropCount->setRange(1, 100);
  m_dropCount->setValue(3);
  m_dropCount->setToolTip(tr("How many client answers to lose."));
  connect(m_dropCount, &QSpinBox::valueChanged, m_actions, &ClusterActions::setDropCount);
  drop->addWidget(actionButton(m_actions->dropResponses(), g), 1);
  drop->addWidget(m_dropCount);
  l->addLayout(drop);
  return g;
}

QWidget* ControlsPanel::quorumGroup() {
  auto* g = new QGroupBox(tr("Write quorum"), this);
  auto* l = new QVBoxLayout(g);
  auto* row = new QHBoxLayout;
  m_quorum = new QComboBox(g);
  m_quorum->setToolTip(tr("W: how many nodes must hold an entry durably before it commits. Elections always "
                          "need a majority. W below a majority can lose acknowledged writes on failover; "
                          "W = N stops when any node is down."));
  auto* apply = new QPushButton(tr("Apply"), g);
  apply->setToolTip(tr("Propose this write quorum through the leader (it is a log entry too)."));
  row->addWidget(new QLabel(tr("W ="), g));
  row->addWidget(m_quorum, 1);
  row->addWidget(apply);
  l->addLayout(row);
  m_quorumWarning = new QLabel(g);
  m_quorumWarning->setWordWrap(true);
  l->addWidget(m_quorumWarning);
  connect(m_quorum, &QComboBox::activated, this, [this] { m_quorumEdited = true; });
  connect(apply, &QPushButton::clicked, this, [this] {
    m_quorumEdited = false;
    if (!m_control) return;
    const auto w = static_cast<std::uint32_t>(m_quorum->currentData().toInt());
    if (const std::string why = m_control->apply(cluster::Fault::setWriteQuorum(w)); !why.empty())
      m_quorumWarning->setText(QString::fromStdString(why));
  });
  return g;
}

QWidget* ControlsPanel::clientGroup() {
  auto* g = new QGroupBox(tr("Clients"), this);
  auto* l = new QVBoxLayout(g);
  auto* row = new QHBoxLayout;
  row->addWidget(actionButton(m_actions->load(), g), 1);
  m_clients = new QSpinBox(g);
  m_clients->setRange(1, 64);
  m_clients->setValue(2);
  m_clients->setPrefix(tr("clients "));
  m_clients->setToolTip(tr("Concurrent clients (applies when the load starts)."));
  m_rate = new QSpinBox(g);
  m_rate->setRange(0, 100000);
  m_rate->setValue(20);
  m_rate->setSingleStep(10);
  m_rate->setSuffix(tr(" ops/s"));
  m_rate->setSpecialValueText(tr("unlimited"));
  m_rate->setToolTip(tr("Operations per second, all clients together (0 = as fast as the cluster answers). "
                        "Changes apply at once."));
  row->addWidget(m_clients);
  row->addWidget(m_rate);
  l->addLayout(row);
  auto sync = [this] {
    cluster::LoadOptions o = m_actions->loadOptions();
    o.clients = m_clients->value();
    o.rate = m_rate->value();
    m_actions->setLoadOptions(o);
  };
  connect(m_clients, &QSpinBox::valueChanged, this, sync);
  connect(m_rate, &QSpinBox::valueChanged, this, [this, sync](int r) {
    sync();
    if (m_control) m_control->setLoadRate(r);
  });
  sync();
  auto* w = new QHBoxLayout;
  m_key = new QLineEdit(g);
  m_key->setPlaceholderText(tr("key"));
  m_key->setToolTip(tr("One write from a client of its own: key and value."));
  m_value = new QLineEdit(g);
  m_value->setPlaceholderText(tr("value"));
  m_write = new QPushButton(tr("Write"), g);
  m_write->setToolTip(tr("Send this write to the leader and wait for its answer (up to 5 s). Return in the "
                         "value box does the same."));
  w->addWidget(m_key, 1);
  w->addWidget(m_value, 1);
  w->addWidget(m_write);
  l->addLayout(w);
  m_writeResult = new QLabel(g);
  m_writeResult->setWordWrap(true);
  l->addWidget(m_writeResult);
  connect(m_write, &QPushButton::clicked, this, &ControlsPanel::submitWrite);
  connect(m_value, &QLineEdit::returnPressed, this, &ControlsPanel::submitWrite);
  connect(m_key, &QLineEdit::returnPressed, this, &ControlsPanel::submitWrite);
  return g;
}

QWidget* ControlsPanel::clusterGroup() {
  auto* g = new QGroupBox(tr("Cluster and animation"), this);
  auto* f = new QFormLayout(g);
  m_sizeBox = new QSpinBox(g);
  m_sizeBox->setRange(1, kMaxNodes);
  m_sizeBox->setValue(3);
  m_sizeBox->setSuffix(tr(" nodes"));
  m_sizeBox->setToolTip(tr("Cluster size for the next reset (1 to 9)."));
  f->addRow(tr("Size"), m_sizeBox);
  auto* pol = new QHBoxLayout;
  m_defaultPolicy = policyCombo(g);
  m_defaultPolicy->setToolTip(tr("The flush policy every node starts with after a reset."));
  m_defaultDelay = delaySpin(g);
  pol->addWidget(m_defaultPolicy, 1);
  pol->addWidget(m_defaultDelay);
  f->addRow(tr("Policy"), pol);
  m_electionBox = new QSpinBox(g);
  m_electionBox->setRange(cluster::kMinElectionTimeoutMs, cluster::kMaxElectionTimeoutMs);
  m_electionBox->setSingleStep(100);
  m_electionBox->setValue(cluster::kDefaultElectionTimeoutMs);
  m_electionBox->setSuffix(tr(" ms"));
  m_electionBox->setToolTip(tr("Election timeout for the next reset: a follower that hears nothing from a leader "
                               "for a random time between this and twice this stands for election. Shorter elects "
                               "faster after a failure; longer leaves more time to watch each step. Heartbeats go "
                               "out every 100 ms, so keep it well above that."));
  f->addRow(tr("Election timeout"), m_electionBox);
  m_reset = new QPushButton(tr("Reset cluster"), g);
  m_reset->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
  m_reset->setToolTip(tr("Stop this cluster and start a new one of the chosen size and policy in a fresh "
                         "data directory. (Ctrl+Shift+R)"));
  f->addRow(m_reset);
  connect(m_reset, &QPushButton::clicked, this,
          [this] { emit resetRequested(clusterSize(), defaultPolicy(), electionTimeoutMs()); });
  auto* slow = new QHBoxLayout;
  m_slowMotion = new QSlider(Qt::Horizontal, g);
  m_slowMotion->setRange(0, 40);  // 2^(v/8): 1x .. 32x slower
  m_slowMotion->setToolTip(tr("Slow motion for the message animation: messages take this many times longer "
                              "to cross a link, so a class can follow them. The cluster itself runs at full "
                              "speed. ([ slower, ] faster)"));
  m_slowLabel = new QLabel(tr("1×"), g);
  m_slowLabel->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("32.0×")));
  slow->addWidget(m_slowMotion, 1);
  slow->addWidget(m_slowLabel);
  f->addRow(tr("Slow motion"), slow);
  connect(m_slowMotion, &QSlider::valueChanged, this, [this] {
    m_slowLabel->setText(tr("%1×").arg(timeScale(), 0, 'g', 3));
    emit timeScaleChanged(timeScale());
  });
  return g;
}

void ControlsPanel::setControl(ClusterControl* control) {
  m_control = control;
  m_partition->setControl(control);
}

int ControlsPanel::clusterSize() const { return m_sizeBox->value(); }
void ControlsPanel::setClusterSize(int n) { m_sizeBox->setValue(n); }
int ControlsPanel::electionTimeoutMs() const { return m_electionBox->value(); }
void ControlsPanel::setElectionTimeoutMs(int ms) { m_electionBox->setValue(ms); }

wal::FlushPolicy ControlsPanel::defaultPolicy() const {
  wal::FlushPolicy p;
  p.mode = static_cast<wal::FlushMode>(m_defaultPolicy->currentData().toInt());
  p.delayMs = p.mode == wal::FlushMode::kDelayed ? m_defaultDelay->value() : 0;
  return p;
}

void ControlsPanel::setDefaultPolicy(const wal::FlushPolicy& p) {
  m_defaultPolicy->setCurrentIndex(m_defaultPolicy->findData(static_cast<int>(p.mode)));
  if (p.delayMs > 0) m_defaultDelay->setValue(static_cast<int>(p.delayMs));
}

double ControlsPanel::timeScale() const { return std::pow(2.0, m_slowMotion->value() / 8.0); }
void ControlsPanel::setTimeScale(double scale) {
  m_slowMotion->setValue(static_cast<int>(std::lround(std::log2(std::max(scale, 1.0)) * 8)));
}

cluster::LoadOptions ControlsPanel::loadOptions() const { return m_actions->loadOptions(); }

void ControlsPanel::applyPolicy() {
  wal::FlushPolicy p;
  p.mode = static_cast<wal::FlushMode>(m_policy->currentData().toInt());
  p.delayMs = p.mode == wal::FlushMode::kDelayed ? m_delay->value() : 0;
  m_applied = p;
  m_appliedAtMs = m_lastFrameMs;
  m_actions->setDelayedFlushMs(m_delay->value());
  if (QAction* a = m_actions->policy(static_cast<wal::FlushMode>(m_policy->currentData().toInt()))) a->trigger();
}

void ControlsPanel::submitWrite() {
  if (!m_control) return;
  const std::string key = m_key->text().trimmed().toStdString();
  if (key.empty()) {
    m_writeResult->setText(tr("Type a key first."));
    m_key->setFocus();
    return;
  }
  std::string value = m_value->text().toStdString();
  if (value.empty()) value = "v" + std::to_string(++m_writeSeq);
  m_writeResult->setText(tr("Writing %1 = %2 …").arg(QString::fromStdString(key), QString::fromStdString(value)));
  QPointer<QLabel> result = m_writeResult;
  auto started = std::make_shared<QElapsedTimer>();
  started->start();
  m_control->submit(key, value, [result, started](const cluster::Operation& op) {
    if (!result) return;
    const Theme t = Theme::forPalette(result->palette());
    switch (op.result) {
      case cluster::OpResult::kOk:
        result->setText(tr("<span style=\"color:%1\">Committed</span> at index %2 after %3 ms (%4 attempt(s)).")
                            .arg(t.leader.name()).arg(op.index).arg(started->elapsed()).arg(op.attempts));
        break;
      case cluster::OpResult::kFail:
        result->setText(tr("<span style=\"color:%1\">Refused</span>: it had no effect.").arg(t.violation.name()));
        break;
      case cluster::OpResult::kTimeout:
        result->setText(tr("<span style=\"color:%1\">Timed out</span>: no answer in time; it may or may not "
                           "have been applied.").arg(t.warning.name()));
        break;
    }
  });
}

void ControlsPanel::showNodePolicy(const ClusterFrame& f) {
  const NodeId id = m_actions->target();
  const node::NodeView* v = f.view(id);
  if (!v) {
    m_policyNow->clear();
    return;
  }
  if (id != m_policyNode || f.sourceChanged) {
    m_policyNode = id;
    m_policyEdited = false;
    m_applied.reset();
  }
  const wal::FlushPolicy& actual = v->flush;
  const QString actualText = actual.mode == wal::FlushMode::kDelayed
                                 ? tr("delayed, every %1 ms").arg(actual.delayMs)
                                 : QString::fromLatin1(wal::flushModeName(actual.mode));
  if (m_policyEdited && m_applied && (actual == *m_applied || f.nowMs - m_appliedAtMs > 2000)) {
    m_policyEdited = false;  // the node took it (or never will): show the truth again
    m_applied.reset();
  }
  if (!m_policyEdited) {
    QSignalBlocker a(m_policy), b(m_delay);
    m_policy->setCurrentIndex(m_policy->findData(static_cast<int>(actual.mode)));
    // Only a change: a spin box repaints on every setValue, even to the value it has.
    if (actual.mode == wal::FlushMode::kDelayed && m_delay->value() != static_cast<int>(actual.delayMs))
      m_delay->setValue(static_cast<int>(actual.delayMs));
    m_delay->setEnabled(actual.mode == wal::FlushMode::kDelayed);
  }
  const QString now = m_policyEdited ? tr("Node %1 flushes %2 now; Set applies your choice.").arg(id).arg(actualText)
                                     : tr("Node %1 flushes: %2.").arg(id).arg(actualText);
  if (m_policyNow->text() != now) m_policyNow->setText(now);
}

void ControlsPanel::updateFrame(const ClusterFrame& f) {
  m_lastFrameMs = f.nowMs;
  showNodePolicy(f);
  if (f.size != m_size) {
    m_size = f.size;
    m_quorum->clear();
    m_quorum->addItem(tr("majority (%1)").arg(f.size / 2 + 1), 0);
    for (int w = 1; w <= f.size; ++w) m_quorum->addItem(QString::number(w), w);
  }
  const int want = m_quorum->findData(static_cast<int>(f.writeQuorum));
  // Follow the cluster's W unless the user picked another value and has not applied it yet.
  if (!m_quorumEdited && want >= 0 && m_quorum->currentIndex() != want) m_quorum->setCurrentIndex(want);
  const Theme t = Theme::forPalette(palette());
  const QString warn = f.writeQuorumWarning.empty()
                           ? tr("W = %1 of %2: a majority. Any two quorums overlap, so no committed write is "
                                "lost while a majority survives.").arg(f.effectiveWriteQuorum()).arg(f.size)
                           : QStringLiteral("<span style=\"color:%1\">⚠ %2</span>")
                                 .arg(t.warning.name(), QString::fromStdString(f.writeQuorumWarning).toHtmlEscaped());
  if (m_quorumWarning->text() != warn) m_quorumWarning->setText(warn);
  m_partition->updateFrame(f);
  // The running load's clients and rate, whoever started it (this panel, a scenario, a lesson).
  if (f.loadRunning && (m_rate->value() != static_cast<int>(f.loadRate) || m_clients->value() != f.loadClients)) {
    QSignalBlocker a(m_rate), b(m_clients);
    m_rate->setValue(static_cast<int>(f.loadRate));
    m_clients->setValue(f.loadClients);
    cluster::LoadOptions o = m_actions->loadOptions();
    o.clients = f.loadClients;
    o.rate = f.loadRate;
    m_actions->setLoadOptions(o);
  } else if (f.sourceChanged) {
    m_rate->setValue(static_cast<int>(f.loadRate));
  }
}

}  // namespace qlab::ui
