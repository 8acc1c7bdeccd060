// quorumlab bench cluster --nodes N --policy P --clients C --seconds S [--json]
// Commits per second and client-observed latency of a live cluster over real loopback TCP
// and real disks: C clients, each with one request in flight, as fast as the cluster
// answers. Instrumentation (timeline, live checker) is off unless --instrumented.
#include <algorithm>
#include <cstdio>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTimer>

#include "app/args.h"
#include "app/bench.h"
#include "core/cluster/cluster.h"
#include "core/recording/run_recorder.h"

namespace qlab::app {

int benchCluster(const Argv& argv) {
  Args args("bench cluster", argv, {"nodes", "policy", "clients", "seconds", "warmup-seconds", "value-bytes", "delay-ms", "dir"},
            {"json", "instrumented", "record"});
  if (!args.ok()) return usageError("bench cluster", args.error());
  int nodes = static_cast<int>(args.integer("nodes", 3, 1, kMaxNodes));
  int clients = static_cast<int>(args.integer("clients", 8, 1, 256));
  double seconds = args.number("seconds", 10, 0.5, 3600);
  double warmup = args.number("warmup-seconds", 1, 0, 60);
  int valueBytes = static_cast<int>(args.integer("value-bytes", 16, 1, 1 << 20));
  int delayMs = static_cast<int>(args.integer("delay-ms", 10, 0, 60000));
  auto mode = wal::parseFlushMode(args.string("policy", "always"));
  if (!mode.isOk()) return usageError("bench cluster", "--policy: " + mode.status().message());
  if (!args.ok()) return usageError("bench cluster", args.error());
  BenchDir dir(args.string("dir", ""));
  if (!dir.ok()) return usageError("bench cluster", dir.error());

  int argc = 1;
  char name[] = "quorumlab";
  char* argvQt[] = {name, nullptr};
  QCoreApplication app(argc, argvQt);

  cluster::ClusterOptions o;
  o.nodes = nodes;
  o.dataDir = dir.path() + "/cluster";
  o.flush = {*mode, delayMs};
  o.segmentBytes = 16ull << 20;
  o.snapshotEvery = 100000;
  // A recording (time travel) needs the events: --record turns instrumentation on too.
  o.instrument = args.has("instrumented") || args.has("record");
  o.spillFiles = false;
  cluster::Cluster c(o);
  Status s = c.start();
  if (!s.isOk()) {
    std::fprintf(stderr, "quorumlab bench cluster: %s\n", s.toString().c_str());
    return 1;
  }
  std::unique_ptr<recording::RunRecorder> recorder;
  if (args.has("record")) {
    auto rec = recording::RunRecorder::start(c, dir.path() + "/run.qlabrun");
    if (!rec) {
      std::fprintf(stderr, "quorumlab bench cluster: %s\n", rec.status().toString().c_str());
      return 1;
    }
    recorder = std::move(*rec);
  }
  // The main thread sleeps in its event loop between checks, woken by this timer at most
  // every 5 ms: it shares the cores with the nodes and the clients it measures, and a 1 ms
  // polling loop woke it about 500 times a second.
  QTimer wake;
  wake.start(5);
  auto waitFor = [&](auto pred, int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while (!pred() && t.elapsed() < timeoutMs) app.processEvents(QEventLoop::WaitForMoreEvents);
    return pred();
  };
  if (!waitFor([&] { return c.leader() != kNoNode; }, 15000)) {
    std::fprintf(stderr, "quorumlab bench cluster: no leader elected within 15 s\n");
    return 1;
  }
  cluster::LoadOptions lo;
  lo.clients = clients;
  lo.rate = 0;  // as fast as the cluster answers
  lo.keys = 1000;
  lo.valueBytes = valueBytes;
  lo.attemptTimeoutMs = 2000;
  lo.deadlineMs = 10000;
  c.load().start(lo);
  QElapsedTimer clock;
  clock.start();
  waitFor([&] { return clock.elapsed() >= static_cast<qint64>(warmup * 1000); }, static_cast<int>(warmup * 1000) + 1000);
  std::int64_t t0 = c.nowUs();
  int leaderChanges0 = c.checker().leaderChanges();
  waitFor([&] { return c.nowUs() - t0 >= static_cast<std::int64_t>(seconds * 1e6); }, static_cast<int>(seconds * 1000) + 2000);
  std::int64_t t1 = c.nowUs();
  c.load().stop(3000);

  LatencyHistogram latency;
  std::uint64_t ok = 0, failed = 0;
  for (const auto& op : c.recorder().operationsSince(t0)) {
    if (op.completeUs > t1) continue;
    if (op.result != cluster::OpResult::kOk) {
      ++failed;
      continue;
    }
    ++ok;
    latency.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, op.completeUs - op.invokeUs)) * 1000);
  }
  double elapsed = static_cast<double>(t1 - t0) / 1e6;
  BenchReport r("cluster: " + std::to_string(nodes) + " nodes, " + wal::flushModeName(*mode) + " flush, " +
                std::to_string(clients) + " clients over loopback TCP");
  r.number("commits_per_s", static_cast<double>(ok) / elapsed, "commits/s");
  r.number("p50_ms", latency.quantileUs(0.50) / 1000.0, "ms");
  r.number("p99_ms", latency.quantileUs(0.99) / 1000.0, "ms");
  r.number("max_ms", static_cast<double>(latency.maxNs()) / 1e6, "ms");
  r.count("commits", ok);
  r.count("failed_or_timed_out", failed);
  r.count("nodes", static_cast<std::uint64_t>(nodes));
  r.text("policy", wal::flushModeName(*mode));
  r.count("clients", static_cast<std::uint64_t>(clients));
  r.number("seconds", elapsed, "s");
  r.count("leader_changes", static_cast<std::uint64_t>(c.checker().leaderChanges() - leaderChanges0));
  r.text("instrumented", o.instrument ? "yes" : "no");
  r.text("recorded", recorder ? "yes" : "no");
  if (recorder) {
    (void)recorder->stop();
    const recording::WriterStats st = recorder->stats();
    const double minutes = static_cast<double>(c.nowUs()) / 60e6;
    r.number("record_mb", static_cast<double>(st.bytes) / 1e6, "MB");
    r.number("record_mb_per_min", static_cast<double>(st.bytes) / 1e6 / minutes, "MB/min");
    r.count("record_dropped", st.dropped);
  }
  r.note("every commit was acknowledged to a client only after W nodes reported it " +
         std::string(*mode == wal::FlushMode::kAlways || *mode == wal::FlushMode::kGroup ? "durable (fdatasync)"
                                                                                        : "buffered (NOT durable)"));
  c.stop();
  r.print(args.has("json"));
  return 0;
}

}  // namespace qlab::app
