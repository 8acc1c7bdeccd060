#pragma once
// Lesson highlights: what a lesson page asks the student to look at, drawn by the views
// themselves as a pulsing outline in one accent colour that no other mark uses. The views
// hold a highlight value (LanesHighlight, NodeHighlight) and resolve it against each frame,
// so "the leader" or "the dead nodes" follow the cluster as it changes.
#include <QColor>

#include "ui/source/cluster_frame.h"

class QPainter;

namespace qlab::ui {

struct LanesScene;

// The lesson accent (magenta): distinct from roles, entry states and markers in both themes.
QColor highlightColor();
// 0..1, a slow breathing pulse shared by every highlight so they beat together.
double highlightPulse();
// A pulsing outline around `r` with rounded corners (radius = half the side: a circle).
void paintHighlightRect(QPainter& p, const QRectF& r, double cornerRadius = 4);
// How often a view repaints while it shows a highlight.
constexpr int kHighlightRepaintMs = 50;

// Which nodes a highlight is about.
struct NodeHighlight {
  enum class Mode { kNone, kAll, kNode, kLeader, kDead };
  Mode mode = Mode::kNone;
  NodeId node = kNoNode;  // for kNode
  bool active() const { return mode != Mode::kNone; }
  bool matches(const node::NodeView& v, NodeId leader) const;
  bool operator==(const NodeHighlight&) const = default;
};

// Parts of the log lanes a lesson points at.
struct LanesHighlight {
  enum class Kind { kNone, kAll, kHwm, kDurable, kUncommitted, kSegments, kLwm, kDuplicate, kLost, kNodes };
  Kind kind = Kind::kNone;
  NodeHighlight nodes;  // for kNodes: the lanes of these nodes
  bool active() const { return kind != Kind::kNone; }
  bool operator==(const LanesHighlight&) const = default;
};

// Draws `h` over lanes already painted with the same scene.
void paintLanesHighlight(QPainter& p, const LanesScene& s, const LanesHighlight& h);

}  // namespace qlab::ui
