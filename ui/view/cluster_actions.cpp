#include "ui/view/cluster_actions.h"

#include <QAction>
#include <QActionGroup>
#include <QMenu>
#include <QWidget>

namespace qlab::ui {

ClusterActions::ClusterActions(QWidget* window) : QObject(window), m_window(window) {
  m_loadOptions.clients = 2;
  m_loadOptions.rate = 20;
  m_kill = make(tr("&Kill"), Qt::Key_K,
                tr("Power loss: the node stops at once and its unflushed buffer is gone. What survives is "
                   "exactly what was flushed (its durable end). (K)"));
  m_killTorn = make(tr("Kill with &torn write"), Qt::SHIFT | Qt::Key_K,
                    tr("Power loss in the middle of a write: part of the buffered bytes reach the file, so "
                       "the last record is torn. Recovery finds it by its checksum and cuts it. (Shift+K)"));
  m_crash = make(tr("&Crash process (kill -9)"), Qt::ALT | Qt::Key_K,
                 tr("The process dies (SIGKILL), the machine stays up: what the node had written to its files "
                    "survives in the kernel's page cache even if it was never fdatasync'ed; only its own memory "
                    "is lost. Real only when nodes are processes (quorumlab gui --processes); a thread node "
                    "writes nothing before its flush, so there it loses what a power loss does. (Alt+K)"));
  m_restart = make(tr("&Restart"), Qt::Key_R,
                   tr("Start the node again from its data directory: scan the segments, verify checksums, "
                      "cut a torn tail, load the snapshot, replay the log, rejoin as a follower. (R)"));
  m_pause = make(tr("&Pause"), Qt::Key_P,
                 tr("Freeze the node like a long GC pause or a stopped VM: it keeps its sockets but does "
                    "nothing. Peers time out and elect; on resume it must notice the newer generation. (P)"));
  m_pause->setCheckable(true);
  m_flushNow = make(tr("&Flush now"), Qt::Key_F,
                    tr("Write the node's buffer and fdatasync it now: its durable end catches up with its "
                       "log end. (F)"));
  m_campaign = make(tr("Start &election"), Qt::Key_E,
                    tr("Make this node time out now and ask for votes in a new generation. It wins only "
                       "if its log is at least as up to date as a majority's. (E)"));
  m_dropResponses = make(tr("&Drop next responses"), Qt::Key_D,
                         tr("Lose this node's next answers to clients. The clients retry with the same request "
                            "id, so the log gets duplicates the state machine ignores (Idempotent Receiver). (D)"));
  m_heal = make(tr("&Heal network"), Qt::Key_H,
                tr("Remove every partition and link fault. (H)"));
  m_load = make(tr("Client &load"), Qt::Key_L,
                tr("Start or stop the background clients writing to the cluster. (L)"));
  m_load->setCheckable(true);
  // F8 as in a debugger's pause/continue (Space would steal the focused button's click).
  m_freeze = make(tr("Free&ze cluster"), Qt::Key_F8,
                  tr("Stop the whole cluster in this instant: every node thread, flusher, client deadline "
                     "and the cluster's clock stand still, so nothing times out because of the freeze. "
                     "Ask \"what happens next?\", then press again: it goes on as if no time had passed. "
                     "(F8 or Pause)"));
  m_freeze->setShortcuts({QKeySequence(Qt::Key_F8), QKeySequence(Qt::Key_Pause)});
  m_freeze->setCheckable(true);

  m_policyGroup = new QActionGroup(this);
  const std::pair<wal::FlushMode, QString> modes[] = {
      {wal::FlushMode::kAlways, tr("Every append batch is flushed (write + fdatasync) before it is acknowledged. Safe.")},
      {wal::FlushMode::kGroup, tr("Appends that arrive during a flush share the next one (group commit). Safe and fast.")},
      {wal::FlushMode::kDelayed, tr("Acknowledge at once, flush every few ms. Fast, and a kill loses acknowledged writes.")},
      {wal::FlushMode::kManual, tr("Flush only when you press Flush now (or the buffer fills). Unsafe.")}};
  for (const auto& [mode, tip] : modes) {
    QAction* a = make(tr("Flush policy: %1").arg(QString::fromLatin1(wal::flushModeName(mode))), {}, tip);
    a->setCheckable(true);
    a->setData(static_cast<int>(mode));
    m_policyGroup->addAction(a);
    m_policies << a;
    connect(a, &QAction::triggered, this, [this, mode = mode] { setPolicy(mode); });
  }
  for (int i = 1; i <= kMaxNodes; ++i) {
    QAction* a = make(tr("Select node %1").arg(i), QKeySequence(Qt::Key_0 + i), tr("Inspect node %1 (%1)").arg(i));
    connect(a, &QAction::triggered, this, [this, i] { setTarget(static_cast<NodeId>(i)); });
    m_select << a;
  }

  auto target = [this] { return m_target; };
  connect(m_kill, &QAction::triggered, this, [this, target] {
    if (m_control && target()) m_control->apply(cluster::Fault::kill({target()}, node::KillKind::kPowerLoss));
  });
  connect(m_killTorn, &QAction::triggered, this, [this, target] {
    if (m_control && target()) m_control->apply(cluster::Fault::kill({target()}, node::KillKind::kTornPowerLoss));
  });
  connect(m_crash, &QAction::triggered, this, [this, target] {
    if (m_control && target()) m_control->apply(cluster::Fault::kill({target()}, node::KillKind::kCrash));
  });
  connect(m_restart, &QAction::triggered, this, [this, target] {
    if (!m_control || !target()) return;
    const std::string err = m_control->apply(cluster::Fault::restart({target()}));
    emit message(err.empty() ? tr("Node %1 restarted: recovered from disk.").arg(target())
                             : tr("Node %1 did not start: %2").arg(target()).arg(QString::fromStdString(err)));
  });
  connect(m_pause, &QAction::triggered, this, [this, target](bool on) {
    if (!m_control || !target()) return;
    m_control->apply(on ? cluster::Fault::pause({target()}) : cluster::Fault::resume({target()}));
  });
  connect(m_flushNow, &QAction::triggered, this, [this, target] {
    if (m_control && target()) m_control->apply(cluster::Fault::flushNow({target()}));
  });
  connect(m_campaign, &QAction::triggered, this, [this, target] {
    if (m_control && target()) m_control->apply(cluster::Fault::campaign({target()}));
  });
  connect(m_dropResponses, &QAction::triggered, this, [this, target] {
    if (!m_control || !target()) return;
    m_control->apply(cluster::Fault::dropResponses({target()}, m_dropCount));
    emit message(tr("Node %1 will lose its next %2 answers to clients; watch for duplicates.").arg(target()).arg(m_dropCount));
  });
  connect(m_heal, &QAction::triggered, this, [this] {
    if (!m_control) return;
    m_control->apply(cluster::Fault::heal());
    emit message(tr("Network healed: every link works again."));
  });
  connect(m_freeze, &QAction::triggered, this, [this](bool on) {
    if (!m_control) return;
    m_control->setFrozen(on);
    emit message(on ? tr("Cluster frozen: nothing moves and no time passes for it. F8 goes on.")
                    : tr("Cluster thawed: it goes on as if no time had passed."));
  });
  connect(m_load, &QAction::triggered, this, [this](bool on) {
    if (!m_control) return;
    if (on) m_control->startLoad(m_loadOptions);
    else m_control->stopLoad();
  });
}

QAction* ClusterActions::make(const QString& text, const QKeySequence& key, const QString& tip) {
  auto* a = new QAction(text, this);
  if (!key.isEmpty()) {
    a->setShortcut(key);
    a->setShortcutContext(Qt::WindowShortcut);
  }
  a->setToolTip(tip);
  a->setStatusTip(tip);
  m_window->addAction(a);
  return a;
}

QAction* ClusterActions::policy(wal::FlushMode m) const {
  for (QAction* a : m_policies)
    if (a->data().toInt() == static_cast<int>(m)) return a;
  return nullptr;
}

void ClusterActions::setPolicy(wal::FlushMode m) {
  if (!m_control || !m_target) return;
  wal::FlushPolicy p;
  p.mode = m;
  p.delayMs = m == wal::FlushMode::kDelayed ? m_delayedMs : 0;
  m_control->apply(cluster::Fault::flushPolicy({m_target}, p));
  emit message(tr("Node %1 now flushes: %2").arg(m_target).arg(QString::fromLatin1(wal::flushModeName(m))));
}

void ClusterActions::setTarget(NodeId id) {
  if (id != kNoNode && static_cast<int>(id) > m_size && m_size > 0) return;
  if (id == m_target) return;
  m_target = id;
  emit targetChanged(id);
}

void ClusterActions::updateFrame(const ClusterFrame& f) {
  m_size = f.size;
  m_freeze->setEnabled(f.size > 0);
  m_freeze->setChecked(f.frozen);
  m_freeze->setText(f.frozen ? tr("Thaw cluster") : tr("Free&ze cluster"));
  if (static_cast<int>(m_target) > f.size) setTarget(f.size > 0 ? 1 : kNoNode);
  m_targetView = m_target ? f.views[m_target - 1] : nullptr;
  for (int i = 0; i < m_select.size(); ++i) m_select[i]->setEnabled(i < f.size);
  const node::NodeView* v = m_targetView.get();
  const bool up = v && (v->status == node::NodeStatus::kRunning || v->status == node::NodeStatus::kPaused);
  const bool running = v && v->status == node::NodeStatus::kRunning;
  m_kill->setEnabled(up);
  m_killTorn->setEnabled(up);
  m_crash->setEnabled(up);
  m_restart->setEnabled(v && !up);
  m_pause->setEnabled(up);
  m_pause->setChecked(v && v->status == node::NodeStatus::kPaused);
  m_pause->setText(m_pause->isChecked() ? tr("Resume") : tr("&Pause"));
  m_flushNow->setEnabled(running);
  m_campaign->setEnabled(running);
  m_dropResponses->setEnabled(running);
  for (QAction* a : m_policies) {
    a->setEnabled(v != nullptr);
    if (v && a->data().toInt() == static_cast<int>(v->flush.mode) && !a->isChecked()) a->setChecked(true);
  }
  m_load->setChecked(f.loadRunning);
  // Without a control (a replayed moment of the past) nothing can be done to the cluster.
  if (!m_control) {
    for (QAction* a : {m_kill, m_killTorn, m_crash, m_restart, m_pause, m_flushNow, m_campaign, m_dropResponses, m_load,
                       m_heal, m_freeze})
      a->setEnabled(false);
    for (QAction* a : m_policies) a->setEnabled(false);
  }
}

QMenu* ClusterActions::nodeMenu(NodeId id, QWidget* parent) {
  setTarget(id);
  auto* menu = new QMenu(parent);
  menu->setAttribute(Qt::WA_DeleteOnClose);
  menu->setToolTipsVisible(true);
  menu->addSection(tr("Node %1").arg(id));
  menu->addAction(m_kill);
  menu->addAction(m_killTorn);
  menu->addAction(m_crash);
  menu->addAction(m_restart);
  menu->addAction(m_pause);
  menu->addSeparator();
  menu->addAction(m_flushNow);
  QMenu* policies = menu->addMenu(tr("Flush policy"));
  policies->setToolTipsVisible(true);
  for (QAction* a : m_policies) policies->addAction(a);
  menu->addSeparator();
  menu->addAction(m_campaign);
  menu->addAction(m_dropResponses);
  return menu;
}

}  // namespace qlab::ui
