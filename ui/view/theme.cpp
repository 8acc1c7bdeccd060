#include "ui/view/theme.h"

#include <optional>

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

#include "core/replication/message.h"

namespace qlab::ui {

namespace {
std::optional<QPalette> g_desktopPalette;
QString g_desktopStyle;
bool g_presentation = false;

// For a projector: pure white and black, saturated hues far apart in lightness as well as
// hue (a washed-out projector keeps lightness better than hue), no pastel fills.
Theme presentationTheme() {
  Theme t;
  t.dark = false;
  t.background = Qt::white;
  t.surface = Qt::white;
  t.text = Qt::black;
  t.mutedText = QColor(0x30, 0x30, 0x30);
  t.grid = QColor(0x90, 0x90, 0x90);
  t.leader = QColor(0x00, 0x80, 0x20);
  t.follower = QColor(0x00, 0x40, 0xd0);
  t.candidate = QColor(0xe0, 0x90, 0x00);
  t.paused = QColor(0x60, 0x60, 0x60);
  t.dead = QColor(0x9a, 0x9a, 0x9a);
  t.failed = QColor(0xd0, 0x00, 0x00);
  t.msgAppend = t.follower;
  t.msgAck = t.leader;
  t.msgVote = QColor(0x90, 0x00, 0xc0);
  t.msgHeartbeat = QColor(0x70, 0x70, 0x70);
  t.msgSnapshot = QColor(0xe0, 0x60, 0x00);
  t.committed = QColor(0x7c, 0xd8, 0x8c);
  t.durable = QColor(0x8c, 0xb4, 0xff);
  t.buffered = QColor(0xff, 0xc8, 0x00);
  t.duplicate = QColor(0x90, 0x00, 0xc0);
  t.lost = QColor(0xd0, 0x00, 0x00);
  t.truncated = QColor(0xd0, 0x00, 0x00);
  t.noop = QColor(0xd0, 0xd0, 0xd0);
  t.hwm = QColor(0x00, 0x70, 0x10);
  t.lwm = QColor(0x70, 0x20, 0xc0);
  t.durableMark = t.follower;
  t.endMark = Qt::black;
  t.segmentMark = QColor(0x40, 0x40, 0x40);
  t.cut = QColor(0xd0, 0x00, 0x00);
  t.slow = QColor(0xe0, 0x90, 0x00);
  t.violation = QColor(0xd0, 0x00, 0x00);
  t.warning = QColor(0xc0, 0x60, 0x00);
  t.line = 2.5;
  return t;
}

QPalette darkPalette() {
  QPalette p;
  const QColor window(0x26, 0x28, 0x2d), base(0x1c, 0x1e, 0x22), text(0xe6, 0xe6, 0xe6);
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, QColor(0x23, 0x25, 0x2a));
  p.setColor(QPalette::ToolTipBase, QColor(0x33, 0x36, 0x3c));
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, QColor(0x30, 0x33, 0x39));
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, Qt::red);
  p.setColor(QPalette::Highlight, QColor(0x3d, 0x7e, 0xc9));
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::Link, QColor(0x6f, 0xa8, 0xe8));
  p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x8f, 0x98));
  p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x7a, 0x7d, 0x84));
  p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x7a, 0x7d, 0x84));
  p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x7a, 0x7d, 0x84));
  p.setColor(QPalette::Mid, QColor(0x44, 0x47, 0x4e));
  p.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1c));
  p.setColor(QPalette::Light, QColor(0x4a, 0x4d, 0x55));
  return p;
}
}  // namespace

QString themeModeName(ThemeMode m) {
  switch (m) {
    case ThemeMode::kDesktop: return QStringLiteral("desktop");
    case ThemeMode::kLight: return QStringLiteral("light");
    case ThemeMode::kDark: return QStringLiteral("dark");
  }
  return QStringLiteral("desktop");
}

ThemeMode parseThemeMode(const QString& s) {
  if (s == QLatin1String("light")) return ThemeMode::kLight;
  if (s == QLatin1String("dark")) return ThemeMode::kDark;
  return ThemeMode::kDesktop;
}

void applyTheme(ThemeMode m) {
  if (!g_desktopPalette) {
    g_desktopPalette = QApplication::palette();
    g_desktopStyle = QApplication::style()->name();
  }
  switch (m) {
    case ThemeMode::kDesktop:
      QApplication::setStyle(QStyleFactory::create(g_desktopStyle));
      QApplication::setPalette(*g_desktopPalette);
      break;
    case ThemeMode::kLight:
      QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
      QApplication::setPalette(QApplication::style()->standardPalette());
      break;
    case ThemeMode::kDark:
      QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
      QApplication::setPalette(darkPalette());
      break;
  }
}

Theme Theme::forPalette(const QPalette& p) {
  if (g_presentation) return presentationTheme();
  Theme t;
  t.dark = p.color(QPalette::Window).lightness() < 128;
  t.background = p.color(QPalette::Base);
  t.surface = p.color(QPalette::Window);
  t.text = p.color(QPalette::Text);
  t.mutedText = t.dark ? QColor(0x9a, 0x9f, 0xa8) : QColor(0x6a, 0x6f, 0x78);
  t.grid = t.dark ? QColor(0x3a, 0x3d, 0x44) : QColor(0xd8, 0xdb, 0xe0);
  t.leader = t.dark ? QColor(0x3c, 0xb3, 0x71) : QColor(0x2e, 0x9e, 0x5b);
  t.follower = t.dark ? QColor(0x4a, 0x90, 0xd9) : QColor(0x3b, 0x7d, 0xc4);
  t.candidate = QColor(0xe0, 0xa8, 0x1c);
  t.paused = QColor(0x8a, 0x8f, 0x98);
  t.dead = t.dark ? QColor(0x4a, 0x4d, 0x54) : QColor(0xb0, 0xb4, 0xba);
  t.failed = QColor(0xd6, 0x45, 0x3d);
  t.msgAppend = t.follower;
  t.msgAck = t.leader;
  t.msgVote = QColor(0xa4, 0x63, 0xd6);
  t.msgHeartbeat = t.dark ? QColor(0xa0, 0xa4, 0xab) : QColor(0x7d, 0x82, 0x8a);
  t.msgSnapshot = QColor(0xe6, 0x7e, 0x22);
  t.committed = t.dark ? QColor(0x23, 0x6b, 0x43) : QColor(0xb9, 0xe4, 0xc9);
  t.durable = t.dark ? QColor(0x2a, 0x4f, 0x7a) : QColor(0xc9, 0xdc, 0xf3);
  t.buffered = t.dark ? QColor(0x6b, 0x50, 0x1e) : QColor(0xfb, 0xe3, 0xb0);
  t.duplicate = QColor(0xa4, 0x63, 0xd6);
  t.lost = QColor(0xe0, 0x4a, 0x3f);
  t.truncated = QColor(0xe0, 0x4a, 0x3f);
  t.noop = t.dark ? QColor(0x44, 0x47, 0x4e) : QColor(0xe2, 0xe4, 0xe8);
  t.hwm = t.dark ? QColor(0x4c, 0xd1, 0x86) : QColor(0x1e, 0x8a, 0x4c);
  t.lwm = QColor(0x8e, 0x6b, 0xd6);
  t.durableMark = t.follower;
  t.endMark = t.dark ? QColor(0xe6, 0xe6, 0xe6) : QColor(0x33, 0x36, 0x3c);
  t.segmentMark = t.dark ? QColor(0x8a, 0x8f, 0x98) : QColor(0x80, 0x85, 0x8e);
  t.cut = QColor(0xe0, 0x4a, 0x3f);
  t.slow = QColor(0xe0, 0xa8, 0x1c);
  t.violation = QColor(0xd6, 0x45, 0x3d);
  t.warning = QColor(0xd4, 0x8a, 0x1c);
  return t;
}

Theme Theme::current() { return forPalette(QApplication::palette()); }

void setPresentationColours(bool on) { g_presentation = on; }
bool presentationColours() { return g_presentation; }

QColor Theme::roleColor(const node::NodeView& v) const {
  switch (v.status) {
    case node::NodeStatus::kDead: return dead;
    case node::NodeStatus::kFailed: return failed;
    case node::NodeStatus::kPaused: return paused;
    case node::NodeStatus::kRunning: break;
  }
  switch (v.role) {
    case replication::Role::kLeader: return leader;
    case replication::Role::kCandidate: return candidate;
    case replication::Role::kFollower: return follower;
  }
  return follower;
}

QColor Theme::messageColor(std::uint8_t msgType) const {
  using replication::MessageType;
  switch (static_cast<MessageType>(msgType)) {
    case MessageType::kAppend: return msgAppend;
    case MessageType::kAppendResponse: return msgAck;
    case MessageType::kHeartbeat:
    case MessageType::kHeartbeatResponse: return msgHeartbeat;
    case MessageType::kVoteRequest:
    case MessageType::kVoteResponse: return msgVote;
    case MessageType::kSnapshotChunk:
    case MessageType::kSnapshotResponse: return msgSnapshot;
  }
  return msgHeartbeat;
}

QColor Theme::textOn(const QColor& fill) {
  return fill.lightness() > 140 ? QColor(0x1c, 0x1e, 0x22) : QColor(0xf2, 0xf2, 0xf2);
}

QString roleOrStatusName(const node::NodeView& v) {
  if (v.status != node::NodeStatus::kRunning) return QString::fromLatin1(node::nodeStatusName(v.status));
  return QString::fromLatin1(replication::roleName(v.role));
}

QString messageKindName(std::uint8_t msgType) {
  using replication::MessageType;
  switch (static_cast<MessageType>(msgType)) {
    case MessageType::kAppend: return QStringLiteral("append");
    case MessageType::kAppendResponse: return QStringLiteral("ack");
    case MessageType::kHeartbeat: return QStringLiteral("heartbeat");
    case MessageType::kHeartbeatResponse: return QStringLiteral("heartbeat reply");
    case MessageType::kVoteRequest: return QStringLiteral("vote request");
    case MessageType::kVoteResponse: return QStringLiteral("vote");
    case MessageType::kSnapshotChunk: return QStringLiteral("snapshot");
    case MessageType::kSnapshotResponse: return QStringLiteral("snapshot reply");
  }
  return QStringLiteral("message");
}

}  // namespace qlab::ui
