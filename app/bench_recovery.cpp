// quorumlab bench recovery --bytes N [--record-bytes B] [--segment-bytes S] [--repeat R]
//                          [--dir D] [--json]
//
// Writes a log of about N bytes (B-byte records, default 128; N accepts K/M/G suffixes,
// default 256M) on the real disk, then opens it R times (default 3): each open is a full
// recovery that reads and checks every record (docs/wal-format.md "Recovery rules"). The
// log was just written, so its pages are in the page cache: this measures recovery when
// cached, not the disk. Reports the median open.
// Output keys (docs/cli-tools.md): mb_per_s (log bytes / second, 10^6 B/s), records, seconds.
#include <algorithm>
#include <chrono>

#include "app/args.h"
#include "app/bench.h"
#include "core/wal/format.h"
#include "core/wal/segmented_log.h"

namespace qlab::app {
namespace {

using Clock = std::chrono::steady_clock;

struct RecoveryBenchConfig {
  std::uint64_t bytes = 256ull << 20;
  std::size_t recordBytes = 128;
  std::uint64_t segmentBytes = 64ull << 20;
  int repeat = 3;
  std::string dir;
  bool json = false;
};

// Appends records until the log holds about `bytes`, flushing as the buffer cap says.
Status buildLog(wal::FileSystem& fs, const std::string& dir, const wal::LogOptions& opt,
                const RecoveryBenchConfig& c) {
  Result<std::unique_ptr<wal::SegmentedLog>> log = wal::SegmentedLog::open(fs, dir, opt);
  if (!log.isOk()) return log.status();
  Entry e;
  e.generation = 1;
  e.type = EntryType::kData;
  e.payload.assign(c.recordBytes, 'r');
  const std::uint64_t perRecord = wal::format::recordBytes(c.recordBytes);
  const std::uint64_t count = std::max<std::uint64_t>(1, c.bytes / perRecord);
  for (Index i = 1; i <= count; ++i) {
    e.index = i;
    e.timestampMs = static_cast<std::int64_t>(i);
    if (i % 1'000'000 == 0) ++e.generation;  // a few generation runs, as a real log has
    QLAB_RETURN_IF_ERROR((*log)->append(e));
  }
  Result<Index> flushed = (*log)->flush();
  return flushed.status();
}

int run(const RecoveryBenchConfig& c) {
  BenchDir scratch(c.dir);
  if (!scratch.ok()) return inputError("bench recovery", scratch.error());
  wal::FileSystem& fs = wal::posixFileSystem();
  const std::string dir = scratch.path() + "/wal";
  wal::LogOptions opt;
  opt.segmentBytes = c.segmentBytes;
  const Clock::time_point buildStart = Clock::now();
  Status built = buildLog(fs, dir, opt, c);
  if (!built.isOk()) return inputError("bench recovery", "building the log failed: " + built.toString());
  const double buildSeconds = std::chrono::duration<double>(Clock::now() - buildStart).count();

  std::vector<double> seconds;
  wal::RecoveryReport rep;
  for (int i = 0; i < c.repeat; ++i) {
    const Clock::time_point t0 = Clock::now();
    Result<std::unique_ptr<wal::SegmentedLog>> log = wal::SegmentedLog::open(fs, dir, opt, &rep);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!log.isOk()) return inputError("bench recovery", "recovery failed: " + log.status().toString());
    seconds.push_back(s);
  }
  std::vector<double> sorted = seconds;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2];
  BenchReport out("WAL recovery benchmark (cached): " + std::to_string(rep.bytes) + " bytes in " +
                  std::to_string(rep.segments) + " segment(s), " + scratch.path());
  out.text("bench", "recovery").number("mb_per_s", static_cast<double>(rep.bytes) / median / 1e6, "MB/s");
  out.count("records", rep.records).number("seconds", median, "s (median open)");
  out.count("bytes", rep.bytes, "B").count("segments", static_cast<std::uint64_t>(rep.segments));
  out.count("record_bytes", c.recordBytes, "B payload");
  out.number("records_per_s", static_cast<double>(rep.records) / median, "records/s");
  out.count("runs", static_cast<std::uint64_t>(c.repeat)).number("min_seconds", sorted.front(), "s");
  out.number("max_seconds", sorted.back(), "s").number("build_seconds", buildSeconds, "s (writing the log)");
  out.print(c.json);
  return 0;
}

}  // namespace

int benchRecovery(const Argv& argv) {
  Args args("bench recovery", argv, {"bytes", "record-bytes", "segment-bytes", "repeat", "dir"}, {"json"});
  RecoveryBenchConfig c;
  if (auto b = args.value("bytes")) {
    const std::optional<std::uint64_t> n = parseByteSize(*b);
    if (!n || *n < 4096 || *n > (1ull << 40)) {
      args.fail("--bytes must be a size in bytes from 4096 to 1024G (K, M, G suffixes: powers of 1024), not '" + *b + "'");
    } else {
      c.bytes = *n;
    }
  }
  c.recordBytes = static_cast<std::size_t>(args.integer("record-bytes", 128, 0, wal::format::kMaxPayloadBytes));
  c.segmentBytes = static_cast<std::uint64_t>(args.integer("segment-bytes", 64ll << 20, 4096, 1ll << 40));
  c.repeat = static_cast<int>(args.integer("repeat", 3, 1, 100));
  c.dir = args.string("dir", "");
  c.json = args.has("json");
  if (!args.positionals().empty()) args.fail("unexpected argument '" + args.positionals()[0] + "'");
  if (!args.ok()) return usageError("bench recovery", args.error());
  return run(c);
}

}  // namespace qlab::app
