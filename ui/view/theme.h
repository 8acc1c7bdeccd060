#pragma once
// Theme: the explorer's colours, chosen for the palette in force (light or dark) so roles,
// message types and entry states stay readable in both. ThemeMode applies a palette to the
// application: follow the desktop, or Fusion light/dark.
#include <QColor>
#include <QString>

#include "core/node/node_view.h"

class QApplication;
class QPalette;

namespace qlab::ui {

enum class ThemeMode { kDesktop, kLight, kDark };
QString themeModeName(ThemeMode m);  // "desktop" | "light" | "dark"
ThemeMode parseThemeMode(const QString& s);
// Applies the mode to the running application (palette and style) and remembers the desktop
// palette the first time so "follow desktop" can go back to it.
void applyTheme(ThemeMode m);
// Presentation mode (a projector): Theme::current() answers with high-contrast colours and
// thicker lines, whatever the palette. The window's PresentationMode sets it.
void setPresentationColours(bool on);
bool presentationColours();

struct Theme {
  bool dark = false;
  QColor background, surface, text, mutedText, grid;
  QColor leader, follower, candidate, paused, dead, failed;
  QColor msgAppend, msgAck, msgVote, msgHeartbeat, msgSnapshot;
  QColor committed, durable, buffered, duplicate, lost, truncated, noop;
  QColor hwm, lwm, durableMark, endMark, segmentMark;
  QColor cut, slow;
  QColor violation, warning;
  qreal line = 1;  // multiplies every line width (presentation mode: thicker)
  qreal pen(qreal width) const { return width * line; }

  // The colours for that palette, or the presentation theme while presentation mode is on.
  static Theme forPalette(const QPalette& p);
  static Theme current();  // from the application's palette
  QColor roleColor(const node::NodeView& v) const;
  QColor messageColor(std::uint8_t msgType) const;
  // A colour's text counterpart (dark text on light fills, light text on dark ones).
  static QColor textOn(const QColor& fill);
};

// "leader", "follower", "candidate", or the status when not running ("paused", "dead"...).
QString roleOrStatusName(const node::NodeView& v);
// Display names of message types: "append", "ack", "vote", "vote reply", "heartbeat", ...
QString messageKindName(std::uint8_t msgType);

}  // namespace qlab::ui
