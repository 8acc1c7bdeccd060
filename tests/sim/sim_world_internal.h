#pragma once
// Inside SimWorld (sim_world*.cpp only): the simulated node (the real NodeEngine over a
// fault-injecting in-memory disk), the simulated client, and the constants they share.
#include "sim_world.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <sstream>

#include "core/kv/command.h"
#include "core/kv/kv_store.h"

namespace qlab::sim {

using cluster::OpKind;
using cluster::OpResult;
using cluster::Operation;
using node::EventKind;

inline constexpr std::int64_t kTickUs = 10'000;          // one protocol tick = 10 ms virtual
inline constexpr std::int64_t kAttemptTimeoutUs = 300'000;
inline constexpr std::int64_t kClientDeadlineUs = 4'000'000;
inline constexpr std::size_t kTraceLines = 60;

inline const char* modeName(wal::FlushMode m) { return wal::flushModeName(m); }

// ---------------------------------------------------------------------------------------
// One simulated node: the real engine over a fault-injecting in-memory disk.

struct SimWorld::Node final : node::EngineHost {
  SimWorld* world = nullptr;
  NodeId id = 0;
  wal::MemFileSystem mem;
  std::unique_ptr<wal::FaultFileSystem> fs;
  std::unique_ptr<node::NodeEngine> engine;
  bool alive = false;
  bool paused = false;
  int incarnation = 0;
  std::deque<std::function<void()>> deferred;  // work that arrived while paused
  bool groupFlushScheduled = false;
  bool delayedArmed = false;
  wal::FlushPolicy policy;
  int dropResponses = 0;
  Index lastHwm = 0;
  // What this node's state machine has applied, in order (index, entry): exact, so the
  // final lost-write check does not depend on compaction.
  std::vector<Entry> appliedLog;

  void sendMessage(const replication::Message& m) override { world->sendFromNode(id, m); }
  void sendClientResponse(std::uint64_t conn, const kv::ClientResponse& r) override {
    if (dropResponses > 0) {
      --dropResponses;
      world->trace("n" + std::to_string(id) + " dropped response to client " + std::to_string(conn));
      return;
    }
    std::int64_t delay = world->m_rng.range(200, world->m_config.maxDelayMs * 1000);
    world->schedule(delay, [w = world, conn, r] { w->clientResponse(conn, r); });
  }
  void emitEvent(node::NodeEvent e) override { world->nodeEvent(e); }
  std::int64_t nowMs() const override { return world->m_clock.nowMs(); }
  void logAppended(const wal::FlushPolicy& p) override {
    if (p.mode == wal::FlushMode::kGroup) scheduleGroupFlush();
    if (p.mode == wal::FlushMode::kDelayed) armDelayed();
  }
  void flushPolicyChanged(const wal::FlushPolicy& p) override {
    policy = p;
    if (p.mode == wal::FlushMode::kDelayed) armDelayed();
    if (p.mode == wal::FlushMode::kGroup) scheduleGroupFlush();
  }
  void applied(const Entry& e, bool) override {
    appliedLog.push_back(e);
    world->checkApplied(id, e);
  }
  void stateReplaced(const replication::SnapshotMeta& meta, NodeId from) override {
    // The snapshot is the sender's state at meta.index: copy what it had applied up to there.
    appliedLog.clear();
    if (from >= 1 && from <= world->m_nodes.size()) {
      for (const Entry& e : world->m_nodes[from - 1]->appliedLog)
        if (e.index <= meta.index) appliedLog.push_back(e);
    }
    lastHwm = meta.index;
  }

  // Runs `fn` now, or after resume if paused; nothing if this life ended.
  void run(int life, std::function<void()> fn) {
    if (!alive || incarnation != life) return;
    if (paused) {
      deferred.push_back(std::move(fn));
      return;
    }
    fn();
  }

  void scheduleGroupFlush() {
    if (groupFlushScheduled) return;
    groupFlushScheduled = true;
    int life = incarnation;
    world->schedule(world->m_rng.range(300, 3000), [this, life] {
      run(life, [this] {
        groupFlushScheduled = false;
        if (!engine || engine->failed()) return;
        (void)engine->log().flush();
        engine->onLogDurable();
        if (policy.mode == wal::FlushMode::kGroup && engine->log().bufferedBytes() > 0) scheduleGroupFlush();
      });
    });
  }
  void armDelayed() {
    if (delayedArmed) return;
    delayedArmed = true;
    int life = incarnation;
    world->schedule(std::max<std::int64_t>(1, policy.delayMs) * 1000, [this, life] {
      if (incarnation != life) return;
      delayedArmed = false;
      run(life, [this] {
        if (!engine || engine->failed()) return;
        if (engine->log().bufferedBytes() > 0) {
          (void)engine->log().flush();
          engine->onLogDurable();
        }
      });
      if (alive && policy.mode == wal::FlushMode::kDelayed) armDelayed();
    });
  }
  void tickLoop(int life) {
    world->schedule(kTickUs, [this, life] {
      if (!alive || incarnation != life) return;
      if (!paused && engine && !engine->failed()) {
        engine->tick();
        engine->endOfTurn();
      }
      tickLoop(life);
    });
  }
};

struct SimWorld::Client {
  std::uint64_t id = 0;
  std::uint64_t seq = 0;
  bool busy = false;
  bool background = false;
  Operation op;
  NodeId target = 1;
  int attempt = 0;
  std::int64_t deadlineUs = 0;
  std::function<void(const Operation&)> onDone;
};

}  // namespace qlab::sim
