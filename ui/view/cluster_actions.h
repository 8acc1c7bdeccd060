#pragma once
// ClusterActions: every command the explorer can send, as QActions with a tooltip that
// teaches and a keyboard shortcut, shared by the menus, the node context menu and the
// controls panel so they always agree. Node actions act on the target node (the selection,
// or the node right-clicked); their enabled state follows that node's status.
#include <QObject>

#include "ui/source/cluster_frame.h"

class QAction;
class QActionGroup;
class QMenu;
class QWidget;

namespace qlab::ui {

class ClusterActions : public QObject {
  Q_OBJECT
 public:
  explicit ClusterActions(QWidget* window);

  void setControl(ClusterControl* control) { m_control = control; }
  void setTarget(NodeId id);
  NodeId target() const { return m_target; }
  void updateFrame(const ClusterFrame& frame);
  // The context menu of node `id` (targets it first).
  QMenu* nodeMenu(NodeId id, QWidget* parent);

  QAction* kill() const { return m_kill; }
  QAction* killTorn() const { return m_killTorn; }
  QAction* crash() const { return m_crash; }
  QAction* restart() const { return m_restart; }
  QAction* pause() const { return m_pause; }
  QAction* flushNow() const { return m_flushNow; }
  QAction* campaign() const { return m_campaign; }
  QAction* dropResponses() const { return m_dropResponses; }
  QAction* heal() const { return m_heal; }
  QAction* load() const { return m_load; }
  QAction* freeze() const { return m_freeze; }
  QAction* policy(wal::FlushMode m) const;
  const QList<QAction*>& selectNode() const { return m_select; }

  void setDelayedFlushMs(int ms) { m_delayedMs = ms; }
  int delayedFlushMs() const { return m_delayedMs; }
  void setDropCount(int n) { m_dropCount = n; }
  void setLoadOptions(const cluster::LoadOptions& o) { m_loadOptions = o; }
  const cluster::LoadOptions& loadOptions() const { return m_loadOptions; }

 signals:
  void targetChanged(qlab::NodeId id);
  void message(const QString& text);  // for the status bar

 private:
  QAction* make(const QString& text, const QKeySequence& key, const QString& tip);
  void setPolicy(wal::FlushMode m);

  QWidget* m_window;
  ClusterControl* m_control = nullptr;
  NodeId m_target = kNoNode;
  ViewPtr m_targetView;
  int m_size = 0;
  int m_delayedMs = 200;
  int m_dropCount = 3;
  cluster::LoadOptions m_loadOptions;
  QAction* m_kill;
  QAction* m_killTorn;
  QAction* m_crash;
  QAction* m_restart;
  QAction* m_pause;
  QAction* m_flushNow;
  QAction* m_campaign;
  QAction* m_dropResponses;
  QAction* m_heal;
  QAction* m_load;
  QAction* m_freeze;
  QActionGroup* m_policyGroup;
  QList<QAction*> m_policies;
  QList<QAction*> m_select;
};

}  // namespace qlab::ui
