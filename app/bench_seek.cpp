// quorumlab bench seek --run FILE [--seeks N] [--seed S] [--json]: how long a jump of the time
// bar takes on a recording. Each seek, to a uniformly random moment of the run, does what the
// explorer does on a jump: a fresh reader position (no cursor reuse), the state at that moment
// and the newest 20000 events before it (the timeline's first frame). Reports p50/p99/max.
#include <chrono>
#include <random>

#include "app/args.h"
#include "app/bench.h"
#include "core/recording/run_reader.h"

namespace qlab::app {

int benchSeek(const Argv& argv) {
  Args args("bench seek", argv, {"run", "seeks", "seed"}, {"json"});
  const long long seeks = args.integer("seeks", 200, 1, 1'000'000);
  const long long seed = args.integer("seed", 1, 0, 1LL << 52);
  const auto file = args.value("run");
  if (args.ok() && !file) args.fail("--run FILE is required (a recording: quorumlab run --record FILE)");
  if (!args.ok()) return usageError("bench seek", args.error());
  const auto openStart = std::chrono::steady_clock::now();
  auto run = recording::RunReader::open(*file);
  if (!run) return inputError("bench seek", run.status().message());
  const double openMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - openStart).count();
  recording::RunReader& r = **run;
  std::mt19937_64 rng(static_cast<std::uint64_t>(seed));
  std::uniform_int_distribution<std::int64_t> at(r.startUs(), r.endUs());
  LatencyHistogram h;
  std::uint64_t events = 0;
  for (long long i = 0; i < seeks; ++i) {
    const std::int64_t t = at(rng);
    const auto t0 = std::chrono::steady_clock::now();
    // Far from the last answer: a jump, not a step (stateAt's cursor reuse only helps steps).
    (void)r.stateAt(r.startUs() - 1);
    const auto t1 = std::chrono::steady_clock::now();
    (void)r.stateAt(t);
    events += r.eventsUpTo(0, t, 20000).size();
    const auto t2 = std::chrono::steady_clock::now();
    h.record(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t2 - t1).count()));
  }
  BenchReport rep("seek: " + std::to_string(seeks) + " random jumps in " + *file);
  rep.number("p50_ms", h.quantileUs(0.5) / 1000.0, "ms");
  rep.number("p99_ms", h.quantileUs(0.99) / 1000.0, "ms");
  rep.number("max_ms", static_cast<double>(h.maxNs()) / 1e6, "ms");
  rep.number("open_ms", openMs, "ms");
  rep.number("run_seconds", static_cast<double>(r.endUs() - r.startUs()) / 1e6, "s");
  rep.number("file_mb", static_cast<double>(r.bytes()) / 1e6, "MB");
  rep.count("seeks", static_cast<std::uint64_t>(seeks));
  rep.count("events_per_seek", events / static_cast<std::uint64_t>(seeks));
  rep.note("a seek = the state at a random moment plus the newest 20000 events before it, from a cold cursor");
  rep.print(args.has("json"));
  return 0;
}

}  // namespace qlab::app
