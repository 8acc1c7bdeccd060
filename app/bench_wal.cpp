// quorumlab bench wal --policy always|group|delayed|none|buffer --record-bytes B --writers K
//                     --seconds S [--delay-ms D] [--segment-bytes N] [--dir D] [--paired-raw]
//                     [--json]
//
// K writer threads append B-byte records to one SegmentedLog on the real disk for S seconds.
// Taking the next index and appending is serialized by a mutex (append asserts the index);
// the writers count the index themselves, so the log's lock is taken once per append.
// What a writer waits for, and so what its latency measures, is the policy's
// acknowledgement point (docs/architecture.md "Flush policies"):
//   always   Flusher::append flushes before it returns: one write + fdatasync per record
//            (the mutex is held through it, as a node thread would block).
//   group    Flusher thread flushes whatever accumulated; each writer waits until its own
//            record is durable. With K writers a batch holds at most K records, so
//            records/s <= K x flushes/s: reported as group_bound_records_per_s.
//   delayed  acknowledged on append; the Flusher flushes every --delay-ms (default 10).
//   none     (benchmark only) append without fsync: records are encoded into the buffer and
//            written to the page cache by the Flusher thread under `delayed` (its early mark:
//            every 2 MiB, a quarter of the buffer cap, the delay itself never comes), on a file
//            system whose fdatasync is a no-op. Measures appending with the OS's write() cost
//            behind it, as a node under `delayed` at full load appends.
//   buffer   (benchmark only) like none, but the flushes drop the bytes instead of writing
//            them: no write(), no fdatasync. Measures the log's own append cost.
// --paired-raw (always, 1 writer): the run takes turns with a raw write+fdatasync loop on a
// scratch file, a quarter second each, and reports the raw rate and ours / raw.
// Output keys (docs/cli-tools.md): records_per_s, mb_per_s (encoded record bytes, 10^6 B/s),
// p50_us, p99_us, fsyncs (fdatasync calls); plus the settings and extra detail.
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include "app/args.h"
#include "app/bench.h"
#include "core/wal/flusher.h"
#include "core/wal/format.h"
#include "core/wal/segmented_log.h"

namespace qlab::app {
namespace {

using Clock = std::chrono::steady_clock;

struct WalBenchConfig {
  std::string policy;
  std::size_t recordBytes = 128;
  int writers = 1;
  double seconds = 3;
  std::int64_t delayMs = 10;
  std::uint64_t segmentBytes = 64ull << 20;
  std::string dir;
  bool json = false;
  bool pairedRaw = false;  // --paired-raw: take turns with a raw write+fdatasync probe
};

// Per flush round, from the log's durable listener (serialized by the log).
struct BatchStats {
  Index durable = 0;
  std::uint64_t batches = 0;
  std::uint64_t maxBatch = 0;
};

struct WriterResult {
  LatencyHistogram latency;
  std::uint64_t records = 0;
  Status error;
};

struct Shared {
  wal::SegmentedLog& log;
  wal::Flusher* flusher;  // null for `buffer`
  bool waitDurable;
  // Latency of every this many appends is measured. 1 when writers wait for durability; 16
  // for the policies that return from the buffer, where two clock reads would cost as much
  // as the append itself (the sampled quantiles stay unbiased).
  std::uint64_t timeEvery;
  std::mutex appendMu;
  Index next = 1;  // the index the next append takes (under appendMu)
  std::atomic<bool> stop{false};
};

void runWriter(Shared& sh, std::size_t recordBytes, std::uint64_t salt, WriterResult& out) {
  Entry e;
  e.generation = 1;
  e.type = EntryType::kData;
  e.payload.assign(recordBytes, static_cast<char>('a' + salt % 26));
  Clock::time_point t0;
  while (!sh.stop.load(std::memory_order_relaxed)) {
    const bool timed = out.records % sh.timeEvery == 0;
    if (timed) {
      t0 = Clock::now();
      e.timestampMs = std::chrono::duration_cast<std::chrono::milliseconds>(t0.time_since_epoch()).count();
    }
    Status st;
    {
      std::lock_guard lk(sh.appendMu);
      e.index = sh.next;
      st = sh.flusher != nullptr ? sh.flusher->append(std::span<const Entry>(&e, 1)) : sh.log.append(e);
      if (st.isOk()) ++sh.next;
    }
    if (st.isOk() && sh.waitDurable) st = sh.log.waitDurable(e.index, 30'000);
    if (!st.isOk()) {
      out.error = st;
      sh.stop = true;
      return;
    }
    if (timed) {
      out.latency.record(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count()));
    }
    ++out.records;
  }
}

Result<wal::FlushPolicy> policyFor(const WalBenchConfig& c) {
  if (c.policy == "none") return wal::FlushPolicy{wal::FlushMode::kDelayed, 3'600'000};
  if (c.policy == "buffer") return wal::FlushPolicy{wal::FlushMode::kManual, 0};
  if (c.policy == "always") return wal::FlushPolicy{wal::FlushMode::kAlways, 0};
  if (c.policy == "group") return wal::FlushPolicy{wal::FlushMode::kGroup, 0};
  if (c.policy == "delayed") return wal::FlushPolicy{wal::FlushMode::kDelayed, c.delayMs};
  return Status::invalidArgument("--policy must be always, group, delayed, none or buffer, not '" + c.policy + "'");
}

struct Measured {
  double seconds = 0;
  std::uint64_t records = 0;
  LatencyHistogram latency;
  std::uint64_t fsyncs = 0;
  std::uint64_t dirSyncs = 0;
  BatchStats batches;
};

// The raw probe of --paired-raw: write() one encoded record's bytes, fdatasync, again and again.
struct RawProbe {
  double seconds = 0;
  std::uint64_t syncs = 0;
  std::uint64_t slices = 0;
};

// Runs the writers for c.seconds and collects what they measured.
Status runWriters(const WalBenchConfig& c, Shared& sh, Measured* m) {
  std::vector<WriterResult> results(static_cast<std::size_t>(c.writers));
  std::vector<std::thread> threads;
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < c.writers; ++i) {
    threads.emplace_back([&sh, &c, &results, i] {
      runWriter(sh, c.recordBytes, static_cast<std::uint64_t>(i), results[static_cast<std::size_t>(i)]);
    });
  }
  const Clock::time_point deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(c.seconds));
  while (!sh.stop.load() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  sh.stop = true;
  for (std::thread& t : threads) t.join();
  m->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (const WriterResult& r : results) {
    if (!r.error.isOk()) return r.error;
    m->latency.merge(r.latency);
    m->records += r.records;
  }
  return Status::ok();
}

// --paired-raw: ours and the raw probe take turns in slices of a quarter second for
// c.seconds, so both meet the same minutes of a shared disk; each is timed over its own
// slices. Comparing against fio minutes earlier moved the ratio between 43% and 84%.
Status runPaired(const WalBenchConfig& c, const Shared& like, const std::string& dir, Measured* m, RawProbe* raw) {
  constexpr std::chrono::milliseconds kSlice{250};
  ProbeFile probe(dir + "/raw.probe");
  if (!probe.ok()) return Status::ioError("cannot create " + probe.path() + ": " + std::strerror(errno));
  const std::string bytes(wal::format::recordBytes(c.recordBytes), 'r');
  WalBenchConfig slice = c;
  slice.seconds = std::chrono::duration<double>(kSlice).count();
  const Clock::time_point end =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(c.seconds));
  while (Clock::now() < end) {
    Shared sh{like.log, like.flusher, like.waitDurable, like.timeEvery, {}, like.log.lastIndex() + 1, {}};
    Measured part;
    QLAB_RETURN_IF_ERROR(runWriters(slice, sh, &part));
    m->seconds += part.seconds;
    m->records += part.records;
    m->latency.merge(part.latency);
    const Clock::time_point t0 = Clock::now();
    while (Clock::now() - t0 < kSlice) {
      if (std::string err = probe.writeAndSync(bytes); !err.empty()) return Status::ioError(err);
      ++raw->syncs;
    }
    raw->seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    ++raw->slices;
  }
  return Status::ok();
}

void report(const WalBenchConfig& c, const Measured& m, std::uint64_t timeEvery, const std::string& dir,
            const RawProbe* raw) {
  const double perS = static_cast<double>(m.records) / m.seconds;
  const double recordOnDisk = static_cast<double>(wal::format::recordBytes(c.recordBytes));
  const BatchStats& b = m.batches;
  BenchReport rep("WAL append benchmark: policy " + c.policy + ", " + std::to_string(c.writers) + " writer(s), " +
                  std::to_string(c.recordBytes) + "-byte records, " + dir);
  rep.text("bench", "wal").text("policy", c.policy).count("record_bytes", c.recordBytes, "B payload");
  rep.count("writers", static_cast<std::uint64_t>(c.writers)).number("seconds", m.seconds, "s");
  rep.count("records", m.records).number("records_per_s", perS, "records/s");
  rep.number("mb_per_s", perS * recordOnDisk / 1e6, "MB/s of encoded records");
  rep.number("payload_mb_per_s", perS * static_cast<double>(c.recordBytes) / 1e6, "MB/s of payload");
  rep.number("p50_us", m.latency.quantileUs(0.50), "us").number("p99_us", m.latency.quantileUs(0.99), "us");
  rep.number("p999_us", m.latency.quantileUs(0.999), "us");
  rep.number("max_us", static_cast<double>(m.latency.maxNs()) / 1000.0, "us");
  rep.count("fsyncs", m.fsyncs, "fdatasync calls");
  rep.number("fsync_rate", static_cast<double>(m.fsyncs) / m.seconds, "fdatasync/s");
  rep.count("dir_fsyncs", m.dirSyncs, "directory fsyncs (new segments)");
  rep.count("batches", b.batches, "flush rounds");
  rep.number("avg_batch", b.batches ? static_cast<double>(b.durable) / static_cast<double>(b.batches) : 0,
             "records per flush");
  rep.count("max_batch", b.maxBatch, "records");
  if (c.policy == "group") {
    rep.number("group_bound_records_per_s", static_cast<double>(c.writers) * static_cast<double>(b.batches) / m.seconds,
               "records/s (writers x flushes/s: each writer has one record in flight)");
  }
  if (c.policy == "delayed") rep.count("delay_ms", static_cast<std::uint64_t>(c.delayMs), "ms");
  rep.count("latency_sampled_every", timeEvery, "appends");
  if (raw != nullptr && raw->seconds > 0) {
    const double rawPerS = static_cast<double>(raw->syncs) / raw->seconds;
    rep.number("raw_fdatasync_per_s", rawPerS, "write+fdatasync/s of the raw probe, in the slices between ours");
    rep.number("ratio_to_raw", rawPerS > 0 ? perS / rawPerS : 0, "ours / raw, in the same minutes");
    rep.count("paired_slices", raw->slices, "slices of 250 ms each, ours and raw taking turns");
  }
  if (c.policy == "none") rep.note("policy none: no fdatasync or directory fsync at all; the flusher thread writes the records to the page cache behind the appends (benchmark mode)");
  if (c.policy == "buffer") rep.note("policy buffer: flushed bytes are dropped, no write() and no fdatasync (benchmark mode)");
  rep.print(c.json);
}

int run(const WalBenchConfig& c, const wal::FlushPolicy& policy) {
  BenchDir scratch(c.dir);
  if (!scratch.ok()) return inputError("bench wal", scratch.error());
  const bool bufferedOnly = c.policy == "none" || c.policy == "buffer";
  BenchFileSystem fs(wal::posixFileSystem(), c.policy == "buffer" ? BenchFileSystem::Mode::kDiscard
                                             : bufferedOnly       ? BenchFileSystem::Mode::kNoSync
                                                                  : BenchFileSystem::Mode::kReal);
  wal::LogOptions opt;
  opt.segmentBytes = c.segmentBytes;
  Measured m;  // before the log: its listener writes here
  Result<std::unique_ptr<wal::SegmentedLog>> opened = wal::SegmentedLog::open(fs, scratch.path() + "/wal", opt);
  if (!opened.isOk()) return inputError("bench wal", opened.status().toString());
  wal::SegmentedLog& log = **opened;
  log.setDurableListener([&b = m.batches](Index durable) {
    b.maxBatch = std::max(b.maxBatch, durable - b.durable);
    b.durable = durable;
    ++b.batches;
  });
  const std::uint64_t syncsBefore = fs.fileSyncs();
  const std::uint64_t dirSyncsBefore = fs.dirSyncs();
  std::unique_ptr<wal::Flusher> flusher;
  if (c.policy != "buffer") flusher = std::make_unique<wal::Flusher>(log, policy);
  const bool waits = c.policy == "group" || c.policy == "always";
  Shared sh{log, flusher.get(), c.policy == "group", waits ? 1u : 16u, {}, log.lastIndex() + 1, {}};
  RawProbe raw;
  Status st = c.pairedRaw ? runPaired(c, sh, scratch.path(), &m, &raw) : runWriters(c, sh, &m);
  if (flusher) flusher->stop();
  if (!st.isOk()) return inputError("bench wal", "the log failed: " + st.toString());
  m.fsyncs = fs.fileSyncs() - syncsBefore;
  m.dirSyncs = fs.dirSyncs() - dirSyncsBefore;
  report(c, m, sh.timeEvery, scratch.path(), c.pairedRaw ? &raw : nullptr);
  return 0;
}

}  // namespace

int benchWal(const Argv& argv) {
  Args args("bench wal", argv, {"policy", "record-bytes", "writers", "seconds", "delay-ms", "segment-bytes", "dir"},
            {"json", "paired-raw"});
  WalBenchConfig c;
  c.policy = args.string("policy", "always");
  c.recordBytes = static_cast<std::size_t>(args.integer("record-bytes", 128, 0, wal::format::kMaxPayloadBytes));
  c.writers = static_cast<int>(args.integer("writers", 1, 1, 1024));
  c.seconds = args.number("seconds", 3, 0.1, 3600);
  c.delayMs = args.integer("delay-ms", 10, 1, 60'000);
  c.segmentBytes = static_cast<std::uint64_t>(args.integer("segment-bytes", 64ll << 20, 4096, 1ll << 40));
  c.dir = args.string("dir", "");
  c.json = args.has("json");
  c.pairedRaw = args.has("paired-raw");
  if (c.pairedRaw && (c.policy != "always" || c.writers != 1))
    args.fail("--paired-raw compares one writer under always with write+fdatasync: use --policy always --writers 1");
  if (!args.positionals().empty()) args.fail("unexpected argument '" + args.positionals()[0] + "'");
  Result<wal::FlushPolicy> policy = policyFor(c);
  if (args.ok() && !policy.isOk()) args.fail(policy.status().message());
  if (!args.ok()) return usageError("bench wal", args.error());
  return run(c, *policy);
}

}  // namespace qlab::app
