// The live cluster on real threads, TCP and disk: a first smoke of the whole stack.
#include <QtTest>

#include <algorithm>
#include <string>
#include <vector>

#include "core/cluster/cluster.h"

using namespace qlab;
using namespace qlab::cluster;

class ClusterLiveTest : public QObject {
  Q_OBJECT
 private slots:
  void electsCommitsAndSurvivesALeaderKill() {
    ClusterOptions o;
    o.nodes = 3;
    o.electionTimeoutMs = 300;  // 300-600 ms: keep the test short
    Cluster c(o);
    Status s = c.start();
    QVERIFY2(s.isOk(), s.toString().c_str());
    QTRY_VERIFY_WITH_TIMEOUT(c.leader() != kNoNode, 10000);
    LoadOptions lo;
    lo.clients = 3;
    lo.rate = 300;
    c.load().start(lo);
    QTRY_VERIFY_WITH_TIMEOUT(c.recorder().stats().okWrites > 50, 10000);
    // Every answered client write is on the timeline as the leader's client_write event, at
    // the index it answered with (exports, the timeline's request highlight and ShiViz use it).
    QTRY_VERIFY_WITH_TIMEOUT(c.recorder().count(node::EventKind::kClientWrite) > 50, 5000);
    {
      bool atAnIndex = false;
      for (const auto& re : c.recorder().eventsSince(0, 200000))
        if (re.event.kind == node::EventKind::kClientWrite && re.event.a > 0 && re.event.node == c.leader()) atAnIndex = true;
      QVERIFY(atAnIndex);
    }
    NodeId old = c.leader();
    c.kill(old);
    QTRY_VERIFY_WITH_TIMEOUT(c.leader() != kNoNode && c.leader() != old, 10000);
    auto before = c.recorder().stats().okWrites;
    QTRY_VERIFY_WITH_TIMEOUT(c.recorder().stats().okWrites > before + 50, 10000);
    QVERIFY(c.restart(old).isOk());
    c.load().stop(3000);
    {
      std::int64_t since = c.nowMs();
      QTRY_VERIFY_WITH_TIMEOUT(c.caughtUpSince(since), 15000);
    }
    auto violations = c.checker().violations();
    QVERIFY2(violations.empty(), violations.empty() ? "" : violations.front().c_str());
    QVERIFY(c.checker().lostWrites(c.leader()).empty());
  }

  // The leader proposes once per pass of its event loop (the turn runs as the loop is
  // about to wait again): requests that arrive together share one proposal, one append and,
  // under `always`, one fdatasync; a request alone in its pass is still answered at once.
  void requestsArrivingTogetherShareOneProposal() {
    ClusterOptions o;
    o.nodes = 3;
    o.electionTimeoutMs = 300;
    o.flush = {wal::FlushMode::kAlways, 0};
    Cluster c(o);
    Status s = c.start();
    QVERIFY2(s.isOk(), s.toString().c_str());
    QTRY_VERIFY_WITH_TIMEOUT(c.leader() != kNoNode, 10000);
    LoadOptions lo;
    lo.clients = 1;  // one request in flight: every pass holds at most one
    lo.rate = 0;
    c.load().start(lo);
    QTRY_VERIFY_WITH_TIMEOUT(c.recorder().stats().okWrites > 100, 10000);
    c.load().stop(3000);
    {
      // Unpaced, a client issues its next operation as soon as the last one is answered.
      std::vector<std::int64_t> gaps;
      const auto ops = c.recorder().operationsSince(0);
      for (std::size_t i = 1; i < ops.size(); ++i)
        if (ops[i].client == ops[i - 1].client) gaps.push_back(ops[i].invokeUs - ops[i - 1].completeUs);
      QVERIFY(gaps.size() > 50);
      std::sort(gaps.begin(), gaps.end());
      QVERIFY2(gaps[gaps.size() / 2] < 1000, std::to_string(gaps[gaps.size() / 2]).c_str());
      QVERIFY(gaps.front() >= 0);
    }
    lo.clients = 32;
    c.load().start(lo);
    const auto before = c.recorder().stats().okWrites;
    QTRY_VERIFY_WITH_TIMEOUT(c.recorder().stats().okWrites > before + 3000, 30000);
    c.load().stop(3000);
    const NodeId leader = c.leader();
    QVERIFY(leader != kNoNode);
    QTRY_VERIFY_WITH_TIMEOUT(c.view(leader)->counters.clientWrites >= before + 3000, 5000);
    const auto view = c.view(leader);
    // One fdatasync per proposal under `always`: fewer flushes than writes means batches.
    QVERIFY2(view->counters.flushes * 3 < view->counters.clientWrites * 2,
             (std::to_string(view->counters.flushes) + " flushes for " +
              std::to_string(view->counters.clientWrites) + " writes").c_str());
    auto violations = c.checker().violations();
    QVERIFY2(violations.empty(), violations.empty() ? "" : violations.front().c_str());
  }
};

QTEST_GUILESS_MAIN(ClusterLiveTest)
#include "test_cluster_live.moc"
