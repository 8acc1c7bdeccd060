// The fault vocabulary (core/cluster/fault.h): names round-trip, descriptions say what a
// person needs, and scenario steps are parsed into the typed faults the runner applies.
#include <QtTest>

#include "core/cluster/fault.h"
#include "core/scenario/scenario.h"

using namespace qlab;
using namespace qlab::cluster;

class FaultTest : public QObject {
  Q_OBJECT
 private slots:
  void everyKindHasOneNameThatMapsBack() {
    std::set<std::string> names;
    for (int k = 0; k <= static_cast<int>(kLastFaultKind); ++k) {
      const auto kind = static_cast<FaultKind>(k);
      const std::string name = faultKindName(kind);
      QVERIFY2(names.insert(name).second, name.c_str());
      QCOMPARE(faultKindFromName(name), std::optional<FaultKind>(kind));
    }
    QVERIFY(!faultKindFromName("write").has_value());  // a client operation, not a fault
    QVERIFY(!faultKindFromName("").has_value());
  }

  void descriptionsNameTheNodesAndTheKind() {
    QCOMPARE(Fault::kill({2}, node::KillKind::kCrash).describe(), std::string("kill node 2 (process crash)"));
    QCOMPARE(Fault::kill({1, 3}, node::KillKind::kTornPowerLoss).describe(),
             std::string("kill nodes 1,3 (power loss, torn last write)"));
    QCOMPARE(Fault::partition({{1}, {2, 3}}).describe(), std::string("partition {1} {2,3}"));
    QCOMPARE(Fault::setLink({1}, {2}, net::LinkFault{false, 300, 0}, true).describe(),
             std::string("link 1 -> 2 delay 300 ms"));
    QCOMPARE(Fault::setWriteQuorum(0).describe(), std::string("write quorum majority"));
    QCOMPARE(Fault::flushPolicy({3}, {wal::FlushMode::kDelayed, 250}).describe(),
             std::string("flush policy of node 3: delayed 250 ms"));
  }

  void scenarioStepsBecomeTypedFaults() {
    auto sc = parseScenario(R"({"nodes": 3, "steps": [
      {"do": "kill", "node": 2, "how": "crash"},
      {"do": "kill", "node": "leader", "torn": true},
      {"do": "flush", "node": "all", "policy": "delayed", "delay_ms": 300},
      {"do": "link", "from": 1, "to": 3, "delay_ms": 40, "drop": 0.25, "oneway": true},
      {"do": "partition", "groups": [[1], [2, 3]]},
      {"do": "quorum", "write_quorum": 1},
      {"do": "drop_responses", "node": 1, "count": 4},
      {"do": "write", "key": "k", "value": "v"}
    ]})", "t.json");
    QVERIFY2(sc.isOk(), sc.status().toString().c_str());
    const auto& st = sc->steps;
    QCOMPARE(st.size(), std::size_t(8));
    QVERIFY(st[0].fault && st[0].fault->kind == FaultKind::kKill && st[0].fault->how == node::KillKind::kCrash);
    QVERIFY(st[0].fault->nodes.empty());  // picked when the step runs ("leader" is known only then)
    QVERIFY(st[1].fault && st[1].fault->how == node::KillKind::kTornPowerLoss);
    QVERIFY(st[2].fault && st[2].fault->policy == (wal::FlushPolicy{wal::FlushMode::kDelayed, 300}));
    QVERIFY(st[3].fault && st[3].fault->kind == FaultKind::kLink && st[3].fault->oneWay);
    QCOMPARE(st[3].fault->link.delayMs, 40);
    QCOMPARE(st[3].fault->link.dropProbability, 0.25);
    QVERIFY(!st[3].fault->link.cut);
    QVERIFY(st[4].fault && st[4].fault->groups == (std::vector<std::vector<NodeId>>{{1}, {2, 3}}));
    QVERIFY(st[5].fault && st[5].fault->writeQuorum == 1);
    QVERIFY(st[6].fault && st[6].fault->count == 4);
    QVERIFY(!st[7].fault);  // a write is not a fault
  }

  void aCrashWithATornWriteIsRefusedByField() {
    auto sc = parseScenario(R"({"steps": [{"do": "kill", "node": 1, "how": "crash", "torn": true}]})", "t.json");
    QVERIFY(!sc.isOk());
    QVERIFY2(sc.status().message().find("field 'torn'") != std::string::npos, sc.status().message().c_str());
    auto bad = parseScenario(R"({"steps": [{"do": "kill", "node": 1, "how": "unplug"}]})", "t.json");
    QVERIFY(!bad.isOk());
    QVERIFY2(bad.status().message().find("field 'how'") != std::string::npos, bad.status().message().c_str());
  }
};

QTEST_GUILESS_MAIN(FaultTest)
#include "test_fault.moc"
