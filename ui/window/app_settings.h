#pragma once
// AppSettings: what the explorer remembers between runs (QSettings, organisation
// "QuorumLab", application "quorumlab"): window geometry and dock layout, theme, the default
// cluster size, flush policy and election timeout for new clusters, the animation speed, the
// lanes' zoom and the timeline's message kinds (and whether heartbeats are a band).
#include <QByteArray>

#include "core/cluster/cluster.h"
#include "core/wal/flusher.h"
#include "ui/view/theme.h"
#include "ui/view/timeline_painter.h"

namespace qlab::ui {

struct AppSettings {
  QByteArray geometry;
  QByteArray windowState;
  ThemeMode theme = ThemeMode::kDesktop;
  int clusterSize = 3;
  int electionTimeoutMs = cluster::kDefaultElectionTimeoutMs;
  wal::FlushPolicy policy;
  double timeScale = 1.0;
  int laneCellWidth = 46;
  std::uint32_t timelineKinds = kAllTimelineKinds;
  bool timelineBands = true;

  static AppSettings load();
  void save() const;
};

}  // namespace qlab::ui
