// LessonHighlighter: turns a page's watch value into highlights on the window's views.
#include "ui/lesson/lesson_highlighter.h"

#include <algorithm>

#include <QComboBox>
#include <QDockWidget>
#include <QScrollArea>
#include <QSpinBox>
#include <QTabWidget>
#include <QToolButton>

#include "ui/source/cluster_poller.h"
#include "ui/view/cluster_actions.h"
#include "ui/view/cluster_view.h"
#include "ui/view/controls_panel.h"
#include "ui/view/event_log_pane.h"
#include "ui/view/log_lanes_view.h"
#include "ui/view/node_inspector.h"
#include "ui/view/pulse_outline.h"
#include "ui/view/timeline_view.h"
#include "ui/window/main_window.h"

namespace qlab::ui {

namespace {
constexpr int kLostRetryMs = 500;
constexpr int kLostTriesMax = 30;  // the checker reports within a few seconds
}  // namespace

LessonHighlighter::LessonHighlighter(MainWindow* window) : QObject(window), m_window(window) {
  m_lostRetry.setInterval(kLostRetryMs);
  connect(&m_lostRetry, &QTimer::timeout, this, [this] {
    if (m_window->showLostWrites() || ++m_lostTries >= kLostTriesMax) m_lostRetry.stop();
  });
}

LessonHighlighter::~LessonHighlighter() { delete m_outline.data(); }

QWidget* LessonHighlighter::outlined() const { return m_outline ? m_outline->target() : nullptr; }

void LessonHighlighter::clear() {
  m_watch = {};
  m_window->lanes()->setHighlight({});
  m_window->clusterView()->setHighlight({});
  delete m_outline.data();
  m_lostRetry.stop();
}

void LessonHighlighter::show(const QString& watch) {
  clear();
  m_watch = Watch::parse(watch);
  if (!m_watch.known()) return;
  showInLanes(m_watch);
  showInRing(m_watch);
  showWidget(m_watch);
}

void LessonHighlighter::showInLanes(const Watch& w) {
  using T = Watch::Target;
  using K = LanesHighlight::Kind;
  LanesHighlight h;
  switch (w.target) {
    case T::kLanes: h.kind = K::kAll; break;
    case T::kHwm: h.kind = K::kHwm; break;
    case T::kDurable: h.kind = K::kDurable; break;
    case T::kUncommitted: h.kind = K::kUncommitted; break;
    case T::kSegments: h.kind = K::kSegments; break;
    case T::kLwm: h.kind = K::kLwm; break;
    case T::kDuplicate: h.kind = K::kDuplicate; break;
    case T::kLost: h.kind = K::kLost; break;
    case T::kNode: h = {K::kNodes, {NodeHighlight::Mode::kNode, w.node}}; break;
    case T::kLeader: h = {K::kNodes, {NodeHighlight::Mode::kLeader, kNoNode}}; break;
    case T::kDead: h = {K::kNodes, {NodeHighlight::Mode::kDead, kNoNode}}; break;
    default: return;
  }
  LogLanesView* lanes = m_window->lanes();
  lanes->setHighlight(h);
  if (h.kind == K::kLwm) scrollLanesToLwm();
  else if (h.kind == K::kLost) {
    m_lostTries = 0;
    if (!m_window->showLostWrites()) m_lostRetry.start();
  } else lanes->setFollowing(true);  // the tail is where the page's steps just acted
}

void LessonHighlighter::scrollLanesToLwm() {
  Index lwm = 0;
  for (const auto& v : m_window->poller()->lastFrame().views)
    if (v && v->lwm > 1) lwm = lwm == 0 ? v->lwm : std::min(lwm, v->lwm);
  if (lwm > 0) m_window->lanes()->scrollToIndex(lwm > 4 ? lwm - 4 : 1);
}

void LessonHighlighter::showInRing(const Watch& w) {
  using T = Watch::Target;
  using M = NodeHighlight::Mode;
  NodeHighlight h;
  switch (w.target) {
    case T::kCluster: h.mode = M::kAll; break;
    case T::kNode: h = {M::kNode, w.node}; break;
    case T::kLeader: h.mode = M::kLeader; break;
    case T::kDead: h.mode = M::kDead; break;
    default: return;
  }
  m_window->clusterView()->setHighlight(h);
  revealDockOf(m_window->clusterView());
  if (w.target == T::kNode && m_window->source() && static_cast<int>(w.node) <= m_window->source()->size())
    m_window->selectNode(w.node);
}

void LessonHighlighter::showWidget(const Watch& w) {
  using T = Watch::Target;
  NodeInspector* inspector = m_window->inspector();
  auto showTab = [&](const QString& name) {
    for (int i = 0; i < inspector->tabs()->count(); ++i)
      if (inspector->tabs()->tabText(i).remove(QLatin1Char('&')) == name) inspector->tabs()->setCurrentIndex(i);
    outline(inspector->tabs());
  };
  switch (w.target) {
    case T::kTimeline: outline(m_window->timeline()); break;
    case T::kInspectorSegments: showTab(tr("Segments")); break;
    case T::kInspectorRecord: showTab(tr("Records")); break;
    case T::kControlQuorum: {
      QWidget* box = m_window->controls()->quorumBox();
      outline(box->parentWidget() ? box->parentWidget() : box);
      break;
    }
    case T::kControlDrop:
      for (QToolButton* b : m_window->controls()->findChildren<QToolButton*>())
        if (b->defaultAction() == m_window->actions()->dropResponses()) outline(b, b->parentWidget());
      break;
    case T::kLogRecovery:
    case T::kLogTorn: outline(m_window->eventLog()); break;
    default: break;
  }
}

void LessonHighlighter::outline(QWidget* target, QWidget* container) {
  if (!target) return;
  delete m_outline.data();
  revealDockOf(target);
  m_outline = new PulseOutline(target, container);
}

void LessonHighlighter::revealDockOf(QWidget* w) {
  for (QWidget* p = w; p; p = p->parentWidget()) {
    if (auto* scroll = qobject_cast<QScrollArea*>(p); scroll && scroll != w) scroll->ensureWidgetVisible(w);
    if (auto* dock = qobject_cast<QDockWidget*>(p)) {
      dock->show();
      dock->raise();
      return;
    }
  }
}

}  // namespace qlab::ui
