#include "ui/window/app_settings.h"

#include <algorithm>

#include <QSettings>

namespace qlab::ui {

namespace {
// The layout version: bump when the docks change so an old saved state is not restored.
constexpr int kLayoutVersion = 1;

}  // namespace

AppSettings AppSettings::load() {
  QSettings s(QStringLiteral("QuorumLab"), QStringLiteral("quorumlab"));
  AppSettings a;
  if (s.value(QStringLiteral("window/layoutVersion")).toInt() == kLayoutVersion) {
    a.geometry = s.value(QStringLiteral("window/geometry")).toByteArray();
    a.windowState = s.value(QStringLiteral("window/state")).toByteArray();
  }
  a.theme = parseThemeMode(s.value(QStringLiteral("view/theme"), QStringLiteral("desktop")).toString());
  a.clusterSize = std::clamp(s.value(QStringLiteral("cluster/size"), 3).toInt(), 1, kMaxNodes);
  a.electionTimeoutMs = std::clamp(s.value(QStringLiteral("cluster/electionTimeoutMs"), cluster::kDefaultElectionTimeoutMs).toInt(),
                                   cluster::kMinElectionTimeoutMs, cluster::kMaxElectionTimeoutMs);
  auto mode = wal::parseFlushMode(s.value(QStringLiteral("cluster/policy"), QStringLiteral("always")).toString().toStdString());
  a.policy.mode = mode.isOk() ? mode.value() : wal::FlushMode::kAlways;
  a.policy.delayMs = std::clamp<qint64>(s.value(QStringLiteral("cluster/delayMs"), 200).toLongLong(), 1, 60000);
  a.timeScale = std::clamp(s.value(QStringLiteral("view/timeScale"), 1.0).toDouble(), 1.0, 32.0);
  a.laneCellWidth = std::clamp(s.value(QStringLiteral("view/laneCellWidth"), 46).toInt(), 6, 96);
  a.timelineKinds = s.value(QStringLiteral("timeline/kinds"), kAllTimelineKinds).toUInt() & kAllTimelineKinds;
  a.timelineBands = s.value(QStringLiteral("timeline/heartbeatBands"), true).toBool();
  return a;
}

void AppSettings::save() const {
  QSettings s(QStringLiteral("QuorumLab"), QStringLiteral("quorumlab"));
  s.setValue(QStringLiteral("window/layoutVersion"), kLayoutVersion);
  s.setValue(QStringLiteral("window/geometry"), geometry);
  s.setValue(QStringLiteral("window/state"), windowState);
  s.setValue(QStringLiteral("view/theme"), themeModeName(theme));
  s.setValue(QStringLiteral("cluster/size"), clusterSize);
  s.setValue(QStringLiteral("cluster/electionTimeoutMs"), electionTimeoutMs);
  s.setValue(QStringLiteral("cluster/policy"), QString::fromLatin1(wal::flushModeName(policy.mode)));
  s.setValue(QStringLiteral("cluster/delayMs"), static_cast<qint64>(policy.delayMs));
  s.setValue(QStringLiteral("view/timeScale"), timeScale);
  s.setValue(QStringLiteral("view/laneCellWidth"), laneCellWidth);
  s.setValue(QStringLiteral("timeline/kinds"), timelineKinds);
  s.setValue(QStringLiteral("timeline/heartbeatBands"), timelineBands);
}

}  // namespace qlab::ui
