// ReplicaCore behaviour, one rule per test, on an in-memory cluster (harness.h).
#include <QtTest>

#include "harness.h"

using namespace qlab;
using namespace qlab::replication;
using namespace qlab::replication::testing;

namespace {

bool hasEvent(TestNode& n, EventKind k) {
  for (const auto& e : n.events)
    if (e.kind == k) return true;
  return false;
}

std::string payloadAt(TestNode& n, Index i) {
  std::vector<Entry> one;
  if (!n.storage.entries(i, i, 1 << 20, &one).isOk()) return "<missing>";
  return one[0].payload;
}

}  // namespace

class ReplicaCoreTest : public QObject {
  Q_OBJECT
 private slots:

  // ---- elections and the generation clock ----

  void singleNodeElectsItselfAndCommitsOnItsOwnDurability() {
    TestCluster c(1);
    c.tickAll(25);
    QCOMPARE(c.leader(), NodeId(1));
    Index i = c.propose(1, "a");
    QCOMPARE(i, Index(2));  // 1 is the leader's no-op
    QCOMPARE(c.core(1).hwm(), Index(2));
  }

  void electionTimeoutMakesACandidateThatWinsWithAMajority() {
    TestCluster c(3);
    c.tickAll(25);
    NodeId l = c.leader();
    QVERIFY(l != kNoNode);
    QCOMPARE(c.core(l).generation(), Generation(1));
    QVERIFY(hasEvent(c.node(l), EventKind::kElected));
    for (NodeId id : {1u, 2u, 3u}) QCOMPARE(c.core(id).leader(), l);
  }

  void newLeaderAppendsANoopOfItsGeneration() {
    TestCluster c(3);
    c.campaign(1);
    QCOMPARE(c.leader(), NodeId(1));
    std::vector<Entry> e;
    QVERIFY(c.node(1).storage.entries(1, 1, 100, &e).isOk());
    QCOMPARE(e[0].type, EntryType::kNoop);
    QCOMPARE(e[0].generation, Generation(1));
    QCOMPARE(c.core(1).hwm(), Index(1));
  }

  void theVoteIsPersistedInTheSameReadyAsTheGrant() {
    TestCluster c(3);
    Ready r = c.core(1).campaign();
    QVERIFY(r.hardState.has_value());
    QCOMPARE(r.hardState->votedFor, NodeId(1));
    Message req = r.messages.at(0);
    Ready v = c.core(req.to).step(req);
    QVERIFY(v.hardState.has_value());
    QCOMPARE(v.hardState->generation, Generation(1));
    QCOMPARE(v.hardState->votedFor, NodeId(1));
    QCOMPARE(v.messages.at(0).type, MessageType::kVoteResponse);
    QVERIFY(v.messages.at(0).success);
  }

  void oneVotePerGeneration() {
    TestCluster c(3);
    Ready r1 = c.core(1).campaign();
    Ready r2 = c.core(2).campaign();
    // Node 3 sees node 1's request first and grants it; node 2's, same generation, is refused.
    Message from1, from2;
    for (auto& m : r1.messages) if (m.to == 3) from1 = m;
    for (auto& m : r2.messages) if (m.to == 3) from2 = m;
    QVERIFY(c.core(3).step(from1).messages.at(0).success);
    QVERIFY(!c.core(3).step(from2).messages.at(0).success);
  }

  void votesGoOnlyToLogsAtLeastAsUpToDate() {
    TestCluster c(3);
    c.campaign(1);
    c.propose(1, "x");
    c.deliverAll();
    // Node 3 misses the newest entry; it cannot win against 1 and 2.
    c.cut(1, 3);
    c.propose(1, "y");
    c.deliverAll();
    c.crash(1);
    Ready r = c.core(3).campaign();
    Message toTwo;
    for (auto& m : r.messages) if (m.to == 2) toTwo = m;
    Ready v = c.core(2).step(toTwo);
    QVERIFY(!v.messages.at(0).success);
  }

  void higherGenerationMakesALeaderStepDown() {
    TestCluster c(3);
    c.campaign(1);
    Message m;
    m.type = MessageType::kHeartbeat;
    m.from = 2;
    m.to = 1;
    m.generation = 5;
    c.apply(1, c.core(1).step(m));
    QCOMPARE(c.core(1).role(), Role::kFollower);
    QCOMPARE(c.core(1).generation(), Generation(5));
    QVERIFY(hasEvent(c.node(1), EventKind::kSteppedDown));
  }

  void staleLeaderAfterAPauseIsRejectedAndStepsDown() {
    TestCluster c(3);
    c.campaign(1);
    c.propose(1, "before pause");
    c.deliverAll();
    c.crash(1);  // "paused": it keeps its state, hears nothing
    c.campaign(2);
    QCOMPARE(c.core(2).role(), Role::kLeader);
    QCOMPARE(c.core(2).generation(), Generation(2));
    // Node 1 wakes up still believing it leads generation 1.
    c.node(1).down = false;
    QCOMPARE(c.core(1).role(), Role::kLeader);
    c.propose(1, "stale write");
    c.tick(1);
    c.deliverAll();
    QCOMPARE(c.core(1).role(), Role::kFollower);
    QCOMPARE(c.core(1).generation(), Generation(2));
    // Its stale write never committed and is gone once node 2's log reaches it.
    c.propose(2, "new");
    c.deliverAll();
    c.tickAll(3);
    QCOMPARE(c.core(1).hwm(), c.core(2).hwm());
    for (Index i = 1; i <= c.core(2).hwm(); ++i) QVERIFY(payloadAt(c.node(1), i) != "stale write");
  }

  void isolatedLeaderStepsDownWithinTwoElectionTimeouts() {
    // Check quorum looks back over a whole election timeout, so a leader cut off right after
    // winning notices at the end of the second one.
    TestCluster c(3);
    c.campaign(1);
    c.isolate(1);
    c.tick(1, 10);
    QCOMPARE(c.core(1).role(), Role::kLeader);
    c.tick(1, 10);
    QCOMPARE(c.core(1).role(), Role::kFollower);
    QVERIFY(hasEvent(c.node(1), EventKind::kSteppedDown));
  }

  // ---- replication and the high-water mark ----

  void leaderCommitsOnceAMajorityHasItDurably() {
    TestCluster c(3);
    c.campaign(1);
    c.node(2).autoDurable = false;
    c.node(3).autoDurable = false;
    Index i = c.propose(1, "v");
    c.deliverAll();
    QCOMPARE(c.core(1).hwm(), Index(1));  // only the no-op... and only if durable on a follower
    c.makeDurable(2);
    c.deliverAll();
    QCOMPARE(c.core(1).hwm(), i);
  }

  void pipelinedBatchesCommitOnlyWhatAQuorumHasDurably() {
    // The leader sends a second batch before the first is acknowledged; a follower that has
    // received both but synced only the first lets the HWM reach the first batch's end only.
    TestCluster c(3);
    c.campaign(1);
    c.crash(3);
    c.node(2).autoDurable = false;
    c.makeDurable(2);
    c.deliverAll();
    Index endA = 0;
    for (int i = 0; i < 3; ++i) endA = c.propose(1, "a" + std::to_string(i));
    Index endB = 0;
    for (int i = 0; i < 3; ++i) endB = c.propose(1, "b" + std::to_string(i));
    int appendsToTwo = 0;
    for (const auto& m : c.queue())
      if (m.type == MessageType::kAppend && m.to == 2 && !m.entries.empty()) ++appendsToTwo;
    QCOMPARE(appendsToTwo, 6);  // one per proposal, none waiting for an acknowledgement
    c.deliverAll();
    QCOMPARE(c.core(2).lastIndex(), endB);
    QVERIFY(c.core(1).hwm() < endA);
    c.apply(2, c.core(2).onDurable(endA));
    c.deliverAll();
    QCOMPARE(c.core(1).hwm(), endA);
    c.tickAll(3);  // heartbeats carry the follower's durable end too: still endA
    QCOMPARE(c.core(1).hwm(), endA);
    c.makeDurable(2);
    c.deliverAll();
    QCOMPARE(c.core(1).hwm(), endB);
  }

  void followerAcknowledgesOnlyItsDurableEnd() {
    TestCluster c(3);
    c.campaign(1);
    c.node(2).autoDurable = false;
    c.propose(1, "v");
    // Inspect node 2's answer to the append: none until durable.
    while (!c.queue().empty()) {
      Message m = c.queue().front();
      c.queue().pop_front();
      if (m.to != 2) continue;
      Ready r = c.core(2).step(m);
      for (const auto& out : r.messages)
        if (out.type == MessageType::kAppendResponse && out.success)
          QVERIFY(out.matchIndex <= c.core(2).durableEnd());
      c.apply(2, std::move(r));
    }
  }

  void followerHwmIsTheMinimumOfLeaderHwmAndItsOwnDurableEnd() {
    TestCluster c(3);
    c.campaign(1);
    c.propose(1, "a");
    c.deliverAll();
    c.node(3).autoDurable = false;
    c.propose(1, "b");
    c.deliverAll();
    c.tickAll(2);
    QCOMPARE(c.core(1).hwm(), Index(3));
    QCOMPARE(c.core(2).hwm(), Index(3));
    QVERIFY(c.core(3).hwm() <= c.core(3).durableEnd());
    QCOMPARE(c.core(3).hwm(), Index(2));
  }

  void entriesOfAnOlderGenerationCommitOnlyThroughTheCurrentOne() {
    // Raft figure 8: a leader must not count replicas for an entry of an older generation.
    TestCluster c(3);
    c.campaign(1);
    c.deliverAll();
    c.cut(1, 2);
    c.cut(1, 3);
    c.propose(1, "old generation entry");  // only on node 1
    c.crash(1);
    c.heal();
    c.campaign(2);  // generation 2; node 2 never saw index 2
    c.crash(2);
    c.node(1).down = false;
    c.restart(1);
    c.tick(1, 30);
    c.deliverAll();
    // Node 1 may win generation 3 and replicate its old entry to node 3, but the old entry
    // counts as committed only together with node 1's new no-op.
    for (int i = 0; i < 40 && c.leader() == kNoNode; ++i) c.tickAll();
    NodeId l = c.leader();
    QVERIFY(l != kNoNode);
    Index hwm = c.core(l).hwm();
    if (hwm > 0) QCOMPARE(*c.node(l).storage.generationAt(hwm), c.core(l).generation());
  }

  void followerTruncatesAConflictingUncommittedSuffix() {
    TestCluster c(3);
    c.campaign(1);
    c.deliverAll();
    c.isolate(1);
    c.propose(1, "lost-1");
    c.propose(1, "lost-2");
    c.crash(1);
    c.heal();
    c.campaign(2);
    c.propose(2, "winner");
    c.deliverAll();
    c.node(1).down = false;
    c.restart(1);
    c.tickAll(3);
    QVERIFY(hasEvent(c.node(1), EventKind::kTruncated));
    QCOMPARE(c.node(1).truncations.front(), Index(1));
    QCOMPARE(c.core(1).lastIndex(), c.core(2).lastIndex());
    for (Index i = 1; i <= c.core(2).lastIndex(); ++i)
      QCOMPARE(payloadAt(c.node(1), i), payloadAt(c.node(2), i));
  }

  void leaderWalksBackOverALongDivergentTail() {
    TestCluster c(3);
    c.campaign(1);
    c.deliverAll();
    c.isolate(1);
    for (int i = 0; i < 300; ++i) c.propose(1, "orphan-" + std::to_string(i));
    c.crash(1);
    c.heal();
    c.campaign(2);
    for (int i = 0; i < 5; ++i) c.propose(2, "kept-" + std::to_string(i));
    c.deliverAll();
    c.node(1).down = false;
    c.restart(1);
    int messagesBefore = 0;
    c.dropFilter = [&](const Message& m) {
      if (m.to == 2 && m.from == 1 && m.type == MessageType::kAppendResponse) ++messagesBefore;
      return false;
    };
    c.tickAll(5);
    QCOMPARE(c.core(1).lastIndex(), c.core(2).lastIndex());
    QCOMPARE(payloadAt(c.node(1), c.core(2).lastIndex()), std::string("kept-4"));
    // Walk-back by generation jumps over the 300 orphans in a handful of round trips.
    QVERIFY2(messagesBefore < 20, std::to_string(messagesBefore).c_str());
  }

  void lostAppendsAreSentAgainAfterStalledHeartbeats() {
    TestCluster c(3);
    c.campaign(1);
    c.deliverAll();
    int dropped = 0;
    c.dropFilter = [&](const Message& m) {
      if (m.type == MessageType::kAppend && m.to == 3 && !m.entries.empty() && dropped < 3) {
        ++dropped;
        return true;
      }
      return false;
    };
    c.propose(1, "a");
    c.deliverAll();
    c.propose(1, "b");
    c.deliverAll();
    QVERIFY(c.core(3).lastIndex() < c.core(1).lastIndex());
    c.tickAll(6);
    QCOMPARE(c.core(3).lastIndex(), c.core(1).lastIndex());
  }

  void restartedFollowerIsProbedAgainAndItsHwmCatchesUp() {
    // After a restart a follower trusts only its committed prefix, while the leader still
    // remembers the follower's old match: the leader must probe it again.
    TestCluster c(3);
    c.campaign(1);
    for (int i = 0; i < 5; ++i) c.propose(1, "v" + std::to_string(i));
    c.deliverAll();
    c.tickAll(2);
    QCOMPARE(c.core(3).hwm(), c.core(1).hwm());
    c.restart(3);
    QCOMPARE(c.core(3).hwm(), Index(0));
    c.tickAll(6);
    QCOMPARE(c.core(3).hwm(), c.core(1).hwm());
  }

  void followerThatLostAcknowledgedEntriesIsRepaired() {
    // Under an unsafe flush policy a follower acknowledges buffered entries and then loses
    // them in a crash; the leader's record of its match is now too high.
    TestCluster c(3);
    c.campaign(1);
    for (int i = 0; i < 5; ++i) c.propose(1, "v" + std::to_string(i));
    c.deliverAll();
    c.tickAll(2);
    Index last = c.core(1).lastIndex();
    c.node(3).storage.truncateAfter(last - 3);  // the buffered tail vanished with the power
    c.restart(3);
    c.tickAll(6);
    QCOMPARE(c.core(3).lastIndex(), last);
    QCOMPARE(c.core(3).hwm(), c.core(1).hwm());
  }

  void partitionedMinorityLeaderCannotCommit() {
    TestCluster c(5);
    c.campaign(1);
    c.deliverAll();
    Index before = c.core(1).hwm();
    c.cut(1, 3);
    c.cut(1, 4);
    c.cut(1, 5);
    c.cut(2, 3);
    c.cut(2, 4);
    c.cut(2, 5);
    c.propose(1, "minority write");
    c.deliverAll();
    QCOMPARE(c.core(1).hwm(), before);
    c.tickAll(30);  // majority side elects, old leader steps down (check quorum)
    QVERIFY(c.core(1).role() != Role::kLeader);
    c.heal();
    c.tickAll(5);
    NodeId l = c.leader();
    QVERIFY(l != kNoNode);
    QCOMPARE(c.core(1).lastIndex(), c.core(l).lastIndex());
  }

  void hwmNeverDecreasesAcrossLeaderChanges() {
    TestCluster c(5, 0, 7);
    Index last[6] = {};
    for (int round = 0; round < 20; ++round) {
      c.tickAll(15);
      NodeId l = c.leader();
      if (l != kNoNode) {
        for (int i = 0; i < 5; ++i) c.propose(l, "r" + std::to_string(round) + "-" + std::to_string(i));
        c.deliverAll();
        if (round % 3 == 0) c.isolate(l);
      }
      if (round % 3 == 1) c.heal();
      for (NodeId id = 1; id <= 5; ++id) {
        QVERIFY(c.core(id).hwm() >= last[id]);
        last[id] = c.core(id).hwm();
      }
    }
  }

  // ---- write quorum ----

  void writeQuorumOfOneCommitsOnTheLeaderAlone() {
    TestCluster c(3, 1);
    c.campaign(1);
    c.cut(1, 2);
    c.cut(1, 3);
    Index i = c.propose(1, "acked by one");
    QCOMPARE(c.core(1).hwm(), i);
  }

  void writeQuorumOfOneCanLoseAnAcknowledgedWriteOnFailover() {
    TestCluster c(3, 1);
    c.campaign(1);
    c.deliverAll();
    c.isolate(1);
    Index acked = c.propose(1, "acknowledged then lost");
    QCOMPARE(c.core(1).hwm(), acked);  // the client was told "ok"
    c.crash(1);
    c.heal();
    c.campaign(2);
    c.propose(2, "new history");
    c.deliverAll();
    c.node(1).down = false;
    c.restart(1);
    c.tickAll(5);
    // The old leader's acknowledged entry is overwritten: the log now says "new history".
    QCOMPARE(payloadAt(c.node(1), acked), payloadAt(c.node(2), acked));
    QVERIFY(payloadAt(c.node(1), acked) != "acknowledged then lost");
  }

  void followerWithADivergentCommittedEntryAsksForASnapshot() {
    // W = 1: node 1 commits alone; node 1 stays up (no restart), so its HWM covers the entry
    // the new leader does not have. It must not truncate below its HWM: it diverges.
    TestCluster c(3, 1);
    c.campaign(1);
    c.deliverAll();
    c.tickAll(1);
    c.isolate(1);
    c.propose(1, "committed only here");
    Index hwm1 = c.core(1).hwm();
    c.heal();
    c.cut(1, 2);
    c.cut(1, 3);
    c.campaign(2);
    c.propose(2, "other history");
    c.deliverAll();
    c.heal();
    c.tickAll(8);
    QVERIFY(hasEvent(c.node(1), EventKind::kDiverged));
    QVERIFY(c.node(1).snapshotsInstalled >= 1);
    QVERIFY(hwm1 > 0);
    QCOMPARE(c.core(1).lastIndex(), c.core(2).lastIndex());
    QCOMPARE(payloadAt(c.node(1), c.core(2).lastIndex()), std::string("other history"));
  }

  void writeQuorumOfAllStallsWithOneNodeDown() {
    TestCluster c(3, 3);
    c.campaign(1);
    c.deliverAll();
    c.tickAll(2);
    Index before = c.core(1).hwm();
    c.crash(3);
    c.propose(1, "needs all three");
    c.tickAll(3);
    QCOMPARE(c.core(1).hwm(), before);
    c.node(3).down = false;
    c.tickAll(3);
    QVERIFY(c.core(1).hwm() > before);
  }

  void configEntryChangesTheWriteQuorumWhenAppended() {
    TestCluster c(3);
    c.campaign(1);
    c.deliverAll();
    QCOMPARE(c.core(1).effectiveWriteQuorum(), 2);
    c.apply(1, c.core(1).proposeWriteQuorum(3));
    c.deliverAll();
    QCOMPARE(c.core(1).writeQuorum(), 3u);
    QCOMPARE(c.core(2).writeQuorum(), 3u);  // followers carry it for when they lead
    QCOMPARE(c.core(1).effectiveWriteQuorum(), 3);
    c.crash(3);
    Index i = c.propose(1, "stalls");
    c.tickAll(2);
    QVERIFY(c.core(1).hwm() < i);
    // Lowering W again lets everything before commit.
    c.apply(1, c.core(1).proposeWriteQuorum(0));
    c.tickAll(2);
    QVERIFY(c.core(1).hwm() >= i);
  }

  // ---- low-water mark and snapshots ----

  void followerBelowTheLeadersLowWaterMarkCatchesUpBySnapshotInChunks() {
    TestCluster c(3);
    c.campaign(1);
    c.deliverAll();
    c.crash(3);
    for (int i = 0; i < 50; ++i) c.propose(1, "v" + std::to_string(i));
    c.deliverAll();
    c.tickAll(2);
    Index applied = c.node(1).applied;
    QVERIFY(applied >= 50);
    c.snapshotAndCompact(1, applied + 1);
    QVERIFY(c.node(1).storage.firstIndex() > 1);
    c.node(3).down = false;
    c.tickAll(3);
    for (int i = 0; i < 20 && c.core(3).lastIndex() < c.core(1).lastIndex(); ++i) c.tickAll();
    QCOMPARE(c.node(3).snapshotsInstalled, 1);
    QCOMPARE(c.node(3).storage.firstIndex(), applied + 1);
    QCOMPARE(c.core(3).lastIndex(), c.core(1).lastIndex());
    QVERIFY(hasEvent(c.node(1), EventKind::kSnapshotSendStarted));
    QVERIFY(hasEvent(c.node(1), EventKind::kSnapshotSent));
  }

  void followerWhoseLogHoldsTheSnapshotsLastEntryKeepsItsLog() {
    // A restarted follower trusts only its committed prefix; the leader, having compacted,
    // offers a snapshot. The follower's log already holds the snapshot's last entry and
    // durable, acknowledged entries after it: installing would throw those away (and let a
    // leader without them be elected). It must keep its log instead.
    TestCluster c(3);
    c.campaign(1);
    for (int i = 0; i < 30; ++i) c.propose(1, "v" + std::to_string(i));
    c.deliverAll();
    c.tickAll(2);
    Index applied = c.node(1).applied;
    c.snapshotAndCompact(1, applied - 2);  // keep a couple of entries below the snapshot
    for (int i = 0; i < 3; ++i) c.propose(1, "after" + std::to_string(i));
    c.deliverAll();
    Index last = c.core(1).lastIndex();
    QCOMPARE(c.core(2).lastIndex(), last);
    c.restart(2);
    c.tickAll(6);
    QCOMPARE(c.node(2).snapshotsInstalled, 0);
    QCOMPARE(c.core(2).lastIndex(), last);
    QCOMPARE(c.node(2).storage.firstIndex(), Index(1));
    QCOMPARE(c.core(2).hwm(), c.core(1).hwm());
  }

  void snapshotChunksAreResentWhenLost() {
    TestCluster c(3);
    c.campaign(1);
    c.deliverAll();
    c.crash(3);
    for (int i = 0; i < 10; ++i) c.propose(1, std::string(100, 'k'));
    c.deliverAll();
    c.tickAll(2);
    c.snapshotAndCompact(1, c.node(1).applied + 1);
    c.node(3).down = false;
    int dropped = 0;
    c.dropFilter = [&](const Message& m) {
      return m.type == MessageType::kSnapshotChunk && dropped++ < 2;
    };
    for (int i = 0; i < 40 && c.node(3).snapshotsInstalled == 0; ++i) c.tickAll();
    QCOMPARE(c.node(3).snapshotsInstalled, 1);
  }

  // ---- reads ----

  void readIndexWaitsForAMajorityToConfirmLeadership() {
    TestCluster c(3);
    c.campaign(1);
    c.deliverAll();
    c.propose(1, "w");
    c.deliverAll();
    c.apply(1, c.core(1).readIndex(42));
    QVERIFY(c.node(1).reads.empty());  // not yet confirmed
    c.deliverAll();
    QCOMPARE(c.node(1).reads.size(), std::size_t(1));
    QVERIFY(c.node(1).reads[0].ok);
    QCOMPARE(c.node(1).reads[0].readIndex, c.core(1).hwm());
  }

  void readIndexOnAFollowerPointsAtTheLeader() {
    TestCluster c(3);
    c.campaign(1);
    c.deliverAll();
    c.apply(2, c.core(2).readIndex(7));
    QCOMPARE(c.node(2).reads.size(), std::size_t(1));
    QVERIFY(!c.node(2).reads[0].ok);
    QCOMPARE(c.node(2).reads[0].leaderHint, NodeId(1));
  }

  void readIndexOfAnIsolatedLeaderNeverSucceeds() {
    TestCluster c(3);
    c.campaign(1);
    c.deliverAll();
    c.isolate(1);
    c.apply(1, c.core(1).readIndex(1));
    c.tick(1, 25);
    c.deliverAll();
    QCOMPARE(c.node(1).reads.size(), std::size_t(1));
    QVERIFY(!c.node(1).reads[0].ok);  // failed when it stepped down
  }

  void readsWaitForTheNewLeadersFirstCommit() {
    TestCluster c(3);
    Ready r = c.core(1).campaign();
    c.apply(1, std::move(r));
    // Deliver only the votes, not the appends: leader, but its no-op is not committed.
    while (c.leader() != 1) {
      Message m = c.queue().front();
      c.queue().pop_front();
      if (m.type == MessageType::kVoteRequest || m.type == MessageType::kVoteResponse)
        c.apply(m.to, c.core(m.to).step(m));
    }
    c.apply(1, c.core(1).readIndex(5));
    QVERIFY(c.node(1).reads.empty());
    c.deliverAll();
    QCOMPARE(c.node(1).reads.size(), std::size_t(1));
    QVERIFY(c.node(1).reads[0].ok);
  }
};

QTEST_APPLESS_MAIN(ReplicaCoreTest)
#include "test_replica_core.moc"
