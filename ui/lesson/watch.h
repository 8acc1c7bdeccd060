#pragma once
// ui/lesson: the in-app lesson experience (LessonController, LessonPanel, highlights). It
// drives lessons through ClusterHost and ScenarioRunner and points at parts of the window;
// it never talks to nodes directly.
//
// Watch: a lesson page's "watch" value ("hwm", "lanes:durable", "node:2", ...) parsed into
// the part of the window it names, with a sentence that tells the student what to look for.
// Unknown values parse to kNone and are ignored (tests check the shipped lessons use none).
#include <QString>

#include "core/common/types.h"

namespace qlab::ui {

struct Watch {
  enum class Target {
    kNone,
    kCluster,           // the ring
    kLanes,             // the whole log lanes
    kHwm,               // the HWM line
    kDurable,           // durable-end markers and the buffered tail
    kUncommitted,       // cells right of the HWM
    kSegments,          // segment file names over the lanes
    kLwm,               // LWM markers and the deleted band
    kDuplicate,         // duplicate cells
    kLost,              // the lost-writes row
    kTimeline,
    kInspectorSegments,
    kInspectorRecord,
    kNode,              // node:N
    kLeader,            // node:leader
    kDead,              // node:dead
    kControlQuorum,
    kControlDrop,
    kLogRecovery,       // the event log, where recovery reports
    kLogTorn,           // the event log, where the torn record is reported
  };
  Target target = Target::kNone;
  NodeId node = kNoNode;  // for kNode

  bool known() const { return target != Target::kNone; }
  static Watch parse(const QString& value);
  // "The HWM line across the lanes: ..." — what to look at and what it means.
  QString describe() const;
};

}  // namespace qlab::ui
