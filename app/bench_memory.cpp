// quorumlab bench memory --entries N [--record-bytes B] [--reads R] [--dir D] [--json]
//
// How much memory a node needs for a long log. A child process writes N entries (client
// writes of B-byte values, 1,000 keys, 64 clients) into one node's log on the real disk, fast
// (`manual` flush: the buffer cap flushes, big segments), and exits. Then this process opens
// a node on that data directory the way a restart does (NodeEngine: meta, snapshots, log
// recovery over every record), makes it leader of a one-node cluster so it commits and
// applies all N entries to its key-value store, and reads R random entries across the whole
// log. Resident memory (VmRSS, VmHWM of /proc/self/status) is taken before the node opens
// (the baseline: binary, libraries, heap of startup) and after. Writing happens in the child
// so that its buffers never count here.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>

#include "app/args.h"
#include "app/bench.h"
#include "core/kv/command.h"
#include "core/node/node_engine.h"
#include "core/wal/segmented_log.h"

namespace qlab::app {
namespace {

using Clock = std::chrono::steady_clock;

struct MemoryBenchConfig {
  std::uint64_t entries = 1'000'000;
  std::size_t valueBytes = 16;
  std::uint64_t reads = 100'000;
  std::uint64_t segmentBytes = 256ull << 20;
  std::string dir;
  bool json = false;
};

// One line of /proc/self/status ("VmRSS:   1234 kB") in bytes; 0 if absent.
std::uint64_t procStatusBytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1)) * 1024;
  }
  return 0;
}

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

// The child's work: N data entries, flushed as the buffer cap forces and at the end.
Status writeLog(const std::string& walDir, const MemoryBenchConfig& c) {
  wal::LogOptions opt;
  opt.segmentBytes = c.segmentBytes;
  Result<std::unique_ptr<wal::SegmentedLog>> log = wal::SegmentedLog::open(wal::posixFileSystem(), walDir, opt);
  if (!log.isOk()) return log.status();
  kv::Command cmd;
  Entry e;
  e.generation = 1;
  e.type = EntryType::kData;
  std::vector<Entry> batch(256, e);
  for (Index i = 1; i <= c.entries;) {
    batch.clear();
    for (; i <= c.entries && batch.size() < 256; ++i) {
      cmd.client = 1 + i % 64;
      cmd.seq = 1 + i / 64;
      cmd.key = "k" + std::to_string(i % 1000);
      cmd.value = std::to_string(i);
      cmd.value.resize(c.valueBytes, 'v');
      e.index = i;
      e.timestampMs = static_cast<std::int64_t>(i);
      e.payload = kv::encodeCommand(cmd);
      batch.push_back(e);
    }
    QLAB_RETURN_IF_ERROR((*log)->append(batch));
  }
  return (*log)->flush().status();
}

// Runs writeLog in a child process; the parent's memory stays as it was.
Status writeLogInChild(const std::string& walDir, const MemoryBenchConfig& c) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return Status::ioError("fork failed");
  if (pid == 0) {
    const Status s = writeLog(walDir, c);
    if (!s.isOk()) std::fprintf(stderr, "quorumlab bench memory: writing the log: %s\n", s.toString().c_str());
    std::fflush(nullptr);
    ::_exit(s.isOk() ? 0 : 1);
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Status::ioError("the process writing the log failed");
  return Status::ok();
}

// A one-node cluster's surroundings: nothing to send to, responses dropped.
class QuietHost final : public node::EngineHost {
 public:
  void sendMessage(const replication::Message&) override {}
  void sendClientResponse(std::uint64_t, const kv::ClientResponse&) override {}
  void emitEvent(node::NodeEvent) override {}
  std::int64_t nowMs() const override { return 0; }
  void logAppended(const wal::FlushPolicy&) override {}
  void flushPolicyChanged(const wal::FlushPolicy&) override {}
};

struct NodeMemory {
  double openSeconds = 0;
  double applySeconds = 0;
  Index applied = 0;
  std::uint64_t logBytes = 0;
  std::size_t segments = 0;
  std::size_t kvKeys = 0;
  std::uint64_t checksum = 0;  // of the random reads, so they cannot be optimized away
};

// Opens the node, commits and applies everything, then reads random entries.
Result<NodeMemory> openAndServe(const std::string& dataDir, const MemoryBenchConfig& c) {
  node::EngineOptions eo;
  eo.dataDir = dataDir;
  eo.log.segmentBytes = c.segmentBytes;
  eo.flush = {wal::FlushMode::kAlways, 0};
  eo.snapshotEvery = 0;  // keep every entry on disk: the point is a long log
  eo.heartbeatTicks = 1;
  eo.electionTicks = 3;
  QuietHost host;
  NodeMemory m;
  const Clock::time_point t0 = Clock::now();
  Result<std::unique_ptr<node::NodeEngine>> engine = node::NodeEngine::open(eo, wal::posixFileSystem(), host);
  if (!engine.isOk()) return engine.status();
  node::NodeEngine& n = **engine;
  const Clock::time_point t1 = Clock::now();
  m.openSeconds = std::chrono::duration<double>(t1 - t0).count();
  // Ticks until it elected itself and applied everything (bounded: 10 minutes).
  while (n.view().applied < c.entries && Clock::now() - t1 < std::chrono::minutes(10)) {
    n.tick();
    n.endOfTurn();
    n.onLogDurable();
  }
  m.applySeconds = std::chrono::duration<double>(Clock::now() - t1).count();
  const node::NodeView v = n.view();
  if (v.applied < c.entries) return Status::ioError("the node applied only " + std::to_string(v.applied) + " entries");
  m.applied = v.applied;
  m.kvKeys = v.kvKeys;
  for (const auto& s : n.log().segments()) m.logBytes += s.bytes;
  m.segments = n.log().segments().size();
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<Index> pick(n.log().firstIndex(), n.log().lastIndex());
  for (std::uint64_t i = 0; i < c.reads; ++i) {
    Result<Entry> e = n.log().read(pick(rng));
    if (!e.isOk()) return e.status();
    m.checksum += e->payload.size() + e->index;
  }
  return m;
}

int run(const MemoryBenchConfig& c) {
  BenchDir scratch(c.dir);
  if (!scratch.ok()) return inputError("bench memory", scratch.error());
  const std::string dataDir = scratch.path() + "/node-1";
  const Clock::time_point w0 = Clock::now();
  if (Status s = writeLogInChild(dataDir + "/wal", c); !s.isOk()) return inputError("bench memory", s.toString());
  const double writeSeconds = std::chrono::duration<double>(Clock::now() - w0).count();

  const std::uint64_t baseline = procStatusBytes("VmRSS");
  Result<NodeMemory> m = openAndServe(dataDir, c);
  if (!m.isOk()) return inputError("bench memory", m.status().toString());
  const std::uint64_t rss = procStatusBytes("VmRSS");
  const std::uint64_t peak = procStatusBytes("VmHWM");
  const double growth = static_cast<double>(rss > baseline ? rss - baseline : 0);

  BenchReport out("memory of a node holding " + std::to_string(c.entries) + " entries on disk (" +
                  scratch.path() + ")");
  out.text("bench", "memory").count("entries", c.entries);
  out.number("rss_mib", mib(rss), "MiB resident after opening, applying and random reads");
  out.number("peak_mib", mib(peak), "MiB resident at the peak (VmHWM), whole process");
  out.number("baseline_mib", mib(baseline), "MiB resident before the node opened");
  out.number("rss_growth_mib", growth / (1 << 20), "MiB");
  out.number("bytes_per_entry", growth / static_cast<double>(c.entries), "B resident per entry on disk");
  out.count("log_bytes", m->logBytes, "B on disk").count("segments", m->segments);
  out.count("record_bytes", c.valueBytes, "B per value");
  out.count("applied", m->applied).count("kv_keys", m->kvKeys);
  out.count("random_reads", c.reads);
  out.number("write_seconds", writeSeconds, "s (child process)");
  out.number("open_seconds", m->openSeconds, "s (recovery)");
  out.number("apply_seconds", m->applySeconds, "s (elect, commit, apply all)");
  out.note("read checksum " + std::to_string(m->checksum));
  out.print(c.json);
  return 0;
}

}  // namespace

int benchMemory(const Argv& argv) {
  Args args("bench memory", argv, {"entries", "record-bytes", "reads", "segment-bytes", "dir"}, {"json"});
  MemoryBenchConfig c;
  c.entries = static_cast<std::uint64_t>(args.integer("entries", 1'000'000, 1, 1'000'000'000));
  c.valueBytes = static_cast<std::size_t>(args.integer("record-bytes", 16, 1, kv::kMaxValueBytes));
  c.reads = static_cast<std::uint64_t>(args.integer("reads", 100'000, 0, 1'000'000'000));
  c.segmentBytes = static_cast<std::uint64_t>(args.integer("segment-bytes", 256ll << 20, 4096, 1ll << 40));
  c.dir = args.string("dir", "");
  c.json = args.has("json");
  if (!args.positionals().empty()) args.fail("unexpected argument '" + args.positionals()[0] + "'");
  if (!args.ok()) return usageError("bench memory", args.error());
  return run(c);
}

}  // namespace qlab::app
