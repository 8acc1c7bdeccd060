// Watch values of lesson pages: parsing and the sentence the panel shows for each.
#include "ui/lesson/watch.h"

#include <QCoreApplication>

namespace qlab::ui {

namespace {
QString tr(const char* s) { return QCoreApplication::translate("Watch", s); }
}  // namespace

Watch Watch::parse(const QString& value) {
  using T = Target;
  static const struct {
    const char* name;
    T target;
  } kNamed[] = {
      {"cluster", T::kCluster},
      {"lanes", T::kLanes},
      {"hwm", T::kHwm},
      {"lanes:hwm", T::kHwm},
      {"lanes:durable", T::kDurable},
      {"lanes:uncommitted", T::kUncommitted},
      {"lanes:segments", T::kSegments},
      {"lanes:lwm", T::kLwm},
      {"lanes:duplicate", T::kDuplicate},
      {"lost", T::kLost},
      {"timeline", T::kTimeline},
      {"inspector:segments", T::kInspectorSegments},
      {"inspector:record", T::kInspectorRecord},
      {"node:leader", T::kLeader},
      {"node:dead", T::kDead},
      {"control:quorum", T::kControlQuorum},
      {"control:drop", T::kControlDrop},
      {"log:recovery", T::kLogRecovery},
      {"log:torn", T::kLogTorn},
  };
  Watch w;
  const QString v = value.trimmed().toLower();
  for (const auto& n : kNamed)
    if (v == QLatin1String(n.name)) {
      w.target = n.target;
      return w;
    }
  if (v.startsWith(QLatin1String("node:"))) {
    bool ok = false;
    const int id = v.mid(5).toInt(&ok);
    if (ok && id >= 1 && id <= kMaxNodes) {
      w.target = T::kNode;
      w.node = static_cast<NodeId>(id);
    }
  }
  return w;
}

QString Watch::describe() const {
  using T = Target;
  switch (target) {
    case T::kNone: return {};
    case T::kCluster: return tr("The cluster ring: each node's role, its generation, and the messages flying between them.");
    case T::kLanes: return tr("The log lanes: one row per node, one cell per log entry, lined up by index.");
    case T::kHwm: return tr("The green HWM line across the lanes: every entry left of it is committed (durable on a quorum).");
    case T::kDurable:
      return tr("The 'durable' marker under each lane and the hatched cells right of it: those are in memory only.");
    case T::kUncommitted: return tr("The cells right of the HWM line: written on some disks, not yet committed.");
    case T::kSegments: return tr("The file names above each lane: where one segment file ends and the next begins.");
    case T::kLwm: return tr("The LWM marker and the shaded band at the start of each lane: segments already deleted.");
    case T::kDuplicate: return tr("Cells with a purple border marked 'dup': a retried request, in the log twice.");
    case T::kLost: return tr("The 'lost writes' row under the lanes: writes a client was told are safe, then lost.");
    case T::kTimeline: return tr("The timeline: who sent what to whom, and when (elections, appends, acknowledgements).");
    case T::kInspectorSegments: return tr("The inspector's Segments tab: each segment file, its first and last index and its size.");
    case T::kInspectorRecord:
      return tr("The inspector's Records tab: one record's fields and bytes, with its checksum verified.");
    case T::kNode: return tr("Node %1, in the ring and in its lane.").arg(node);
    case T::kLeader: return tr("The leader, in the ring and in its lane.");
    case T::kDead: return tr("The dead node(s): grey in the ring; their lanes keep only what reached the disk.");
    case T::kControlQuorum: return tr("The Write quorum (W) control on the left.");
    case T::kControlDrop: return tr("The Drop next responses button in the Node controls on the left.");
    case T::kLogRecovery: return tr("The event log (bottom): what each node's recovery found on disk.");
    case T::kLogTorn: return tr("The event log (bottom): the torn record recovery found and cut, with its byte offset.");
  }
  return {};
}

}  // namespace qlab::ui
