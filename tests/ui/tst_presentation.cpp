// Presentation mode and its captions: the words for what happened (from a frame's events and
// the pictures before them), and what F11 changes in the window and puts back.
#include <QApplication>
#include <QDockWidget>
#include <QtTest>

#include "ui/view/captions.h"
#include "ui/view/theme.h"
#include "ui/window/main_window.h"
#include "ui/window/presentation_mode.h"

using namespace qlab;
using namespace qlab::ui;

namespace {

ClusterFrame frameWith(std::vector<node::NodeEvent> events) {
  ClusterFrame f;
  f.size = 3;
  for (NodeId i = 1; i <= 3; ++i) {
    auto v = std::make_shared<node::NodeView>();
    v->id = i;
    v->status = node::NodeStatus::kRunning;
    v->lastIndex = 50;
    v->durableEnd = i == 2 ? 13 : 50;  // node 2 holds 37 entries not yet flushed
    f.views.push_back(v);
  }
  std::uint64_t seq = 1;
  for (auto& e : events) f.events.push_back({seq++, std::move(e)});
  return f;
}

node::NodeEvent ev(node::EventKind k, NodeId n, Index a = 0, Index b = 0, std::string detail = {}) {
  node::NodeEvent e;
  e.kind = k;
  e.node = n;
  e.a = a;
  e.b = b;
  e.generation = 4;
  e.detail = std::move(detail);
  return e;
}

}  // namespace

class PresentationTest : public QObject {
  Q_OBJECT
  QTemporaryDir m_config;

 private slots:
  void initTestCase() { qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8()); }

  void captionsSayWhatHappened() {
    using K = node::EventKind;
    const ClusterFrame before = frameWith({});
    QCOMPARE(captionFor(frameWith({ev(K::kKill, 2, 0, 0, "power loss")}), before),
             QStringLiteral("node 2 lost power: 37 unflushed entries gone"));
    QCOMPARE(captionFor(frameWith({ev(K::kKill, 1, 0, 0, "power loss")}), before),
             QStringLiteral("node 1 lost power: nothing was unflushed, nothing is lost"));
    QVERIFY(captionFor(frameWith({ev(K::kKill, 2, 0, 0, "power loss, torn last write")}), before).contains("mid-write"));
    // The most telling event of the frame wins; lost writes are counted.
    QCOMPARE(captionFor(frameWith({ev(K::kElected, 3), ev(K::kKill, 2)}), before),
             QStringLiteral("node 2 lost power: 37 unflushed entries gone"));
    QCOMPARE(captionFor(frameWith({ev(K::kLostWrite, 3, 44), ev(K::kLostWrite, 3, 45), ev(K::kElected, 3)}), before),
             QStringLiteral("2 acknowledged writes are lost: their clients were told ok"));
    QCOMPARE(captionFor(frameWith({ev(K::kElected, 3)}), before), QStringLiteral("node 3 is the new leader (generation 4)"));
    QCOMPARE(captionFor(frameWith({ev(K::kTruncate, 1, 40, 44)}), before),
             QStringLiteral("node 1 drops entries 41 to 44: they were never committed"));
    // Messages and flushes are not news.
    QVERIFY(captionFor(frameWith({ev(K::kSend, 1), ev(K::kFlush, 2)}), before).isEmpty());
    QVERIFY(captionFor(frameWith({}), before).isEmpty());
  }

  void f11ChangesTheWindowAndPutsItBack() {
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    PresentationMode* pm = w.presentation();
    auto* controls = w.findChild<QDockWidget*>(QStringLiteral("controlsDock"));
    auto* timeline = w.findChild<QDockWidget*>(QStringLiteral("timelineDock"));
    QVERIFY(controls && timeline);
    QVERIFY(controls->isVisible());
    const qreal font = QApplication::font().pointSizeF();
    QCOMPARE(pm->action()->shortcut(), QKeySequence(Qt::Key_F11));
    pm->action()->trigger();
    QVERIFY(pm->on());
    QVERIFY(!controls->isVisible());
    QVERIFY(timeline->isVisible());
    QCOMPARE(QApplication::font().pointSizeF(), font * PresentationMode::kFontScale);
    const Theme t = Theme::current();
    QVERIFY(t.line > 1);
    QCOMPARE(t.background, QColor(Qt::white));
    QCOMPARE(t.text, QColor(Qt::black));
    // A kill in a frame: the caption shows over the views.
    pm->noteFrame(frameWith({ev(node::EventKind::kKill, 2, 0, 0, "power loss")}), frameWith({}));
    QVERIFY(pm->captions()->isVisible());
    QCOMPARE(pm->captions()->text(), QStringLiteral("node 2 lost power: 37 unflushed entries gone"));
    QVERIFY(pm->captions()->geometry().bottom() < w.height());
    // Losses found over several frames add up while on screen.
    pm->noteFrame(frameWith({ev(node::EventKind::kLostWrite, 2, 30), ev(node::EventKind::kLostWrite, 2, 31)}), frameWith({}));
    pm->noteFrame(frameWith({ev(node::EventKind::kLostWrite, 2, 32)}), frameWith({}));
    QCOMPARE(pm->captions()->text(), QStringLiteral("3 acknowledged writes are lost: their clients were told ok"));
    pm->action()->trigger();
    QVERIFY(!pm->on());
    QVERIFY(!pm->captions()->isVisible());
    QCOMPARE(QApplication::font().pointSizeF(), font);
    QCOMPARE(Theme::current().line, 1.0);
    QTRY_VERIFY(controls->isVisible());
    // Off: frames make no captions.
    pm->noteFrame(frameWith({ev(node::EventKind::kKill, 2)}), frameWith({}));
    QVERIFY(!pm->captions()->isVisible());
  }
};

QTEST_MAIN(PresentationTest)
#include "tst_presentation.moc"
