// quorumlab bench group-limit --writers K --record-bytes B --seconds S [--dir D] [--json]
//
// The ceiling of group commit on this disk and these cores: what a log could reach if every
// fdatasync carried a record from each of K writers, with nothing else (no encoding, no
// index, no log). Two phases, each half of --seconds, in one scratch file each:
//   disk     one thread: write() of K records' bytes (the encoded size of a B-byte record),
//            then fdatasync, again and again. K x syncs/s is the disk's limit.
//   writers  K threads and one syncer: each writer copies its record into the batch and
//            sleeps; when all K are in, the syncer writes the batch with one write(), one
//            fdatasync, and wakes all K (one mutex, two condition variables: the plainest
//            perfect group commit). K x rounds/s is the limit with the cost of waking K
//            threads on these cores included: the yardstick for `bench wal --policy group`.
// Output keys: records_per_s (the writers phase), limit_records_per_s (same),
// disk_limit_records_per_s, disk_syncs_per_s, syncs_per_s, p50_us, p99_us (a writer's wait
// from handing in its record to being woken after the sync).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "app/args.h"
#include "app/bench.h"
#include "core/wal/format.h"

namespace qlab::app {
namespace {

using Clock = std::chrono::steady_clock;

struct LimitConfig {
  int writers = 64;
  std::size_t recordBytes = 128;
  double seconds = 4;
  std::string dir;
  bool json = false;
};

struct DiskPhase {
  double seconds = 0;
  std::uint64_t syncs = 0;
  std::string error;
};

DiskPhase runDisk(ProbeFile& f, std::size_t batchBytes, double seconds) {
  DiskPhase out;
  const std::string batch(batchBytes, 'd');
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (Clock::now() < until) {
    out.error = f.writeAndSync(batch);
    if (!out.error.empty()) break;
    ++out.syncs;
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return out;
}

// The writers phase: one batch in the making, a round counter the writers wait on.
struct Batch {
  std::mutex mu;
  std::condition_variable full;    // the syncer waits for all K records
  std::condition_variable synced;  // the writers wait for the round to change
  std::string bytes;
  int arrived = 0;
  std::uint64_t round = 0;
  bool stop = false;
};

struct WritersPhase {
  double seconds = 0;
  std::uint64_t rounds = 0;
  LatencyHistogram latency;
  std::string error;
};

WritersPhase runWriters(ProbeFile& f, const LimitConfig& c, std::size_t recordOnDisk) {
  WritersPhase out;
  Batch b;
  const int k = c.writers;
  std::vector<LatencyHistogram> lat(static_cast<std::size_t>(k));
  std::vector<std::thread> writers;
  for (int i = 0; i < k; ++i) {
    writers.emplace_back([&b, &lat, i, k, recordOnDisk] {
      const std::string record(recordOnDisk, static_cast<char>('a' + i % 26));
      std::unique_lock lk(b.mu);
      while (!b.stop) {
        const auto t0 = Clock::now();
        b.bytes.append(record);
        if (++b.arrived == k) b.full.notify_one();
        const std::uint64_t mine = b.round;
        b.synced.wait(lk, [&] { return b.stop || b.round != mine; });
        if (b.round != mine) {
          lat[static_cast<std::size_t>(i)].record(
              static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count()));
        }
      }
    });
  }
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(c.seconds / 2));
  std::string batch;
  {
    std::unique_lock lk(b.mu);
    while (Clock::now() < until) {
      b.full.wait(lk, [&] { return b.arrived == k; });
      batch.swap(b.bytes);
      b.bytes.clear();
      lk.unlock();
      out.error = f.writeAndSync(batch);
      lk.lock();
      if (!out.error.empty()) break;
      b.arrived = 0;
      ++b.round;
      ++out.rounds;
      lk.unlock();
      b.synced.notify_all();
      lk.lock();
    }
    b.stop = true;
  }
  b.synced.notify_all();
  for (std::thread& t : writers) t.join();
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (const LatencyHistogram& h : lat) out.latency.merge(h);
  return out;
}

int run(const LimitConfig& c) {
  BenchDir scratch(c.dir);
  if (!scratch.ok()) return inputError("bench group-limit", scratch.error());
  const std::size_t recordOnDisk = wal::format::recordBytes(c.recordBytes);
  const std::size_t batchBytes = recordOnDisk * static_cast<std::size_t>(c.writers);
  ProbeFile diskFile(scratch.path() + "/disk.probe");
  ProbeFile writersFile(scratch.path() + "/writers.probe");
  if (!diskFile.ok() || !writersFile.ok()) {
    return inputError("bench group-limit", "cannot create a probe file in " + scratch.path() + ": " +
                                               std::strerror(errno) + " (choose a writable --dir)");
  }
  const DiskPhase disk = runDisk(diskFile, batchBytes, c.seconds / 2);
  if (!disk.error.empty()) return inputError("bench group-limit", disk.error);
  const WritersPhase w = runWriters(writersFile, c, recordOnDisk);
  if (!w.error.empty()) return inputError("bench group-limit", w.error);

  const double k = c.writers;
  const double diskSyncs = static_cast<double>(disk.syncs) / disk.seconds;
  const double rounds = static_cast<double>(w.rounds) / w.seconds;
  BenchReport rep("Group-commit limit: " + std::to_string(c.writers) + " writers, " + std::to_string(c.recordBytes) +
                  "-byte records (" + std::to_string(recordOnDisk) + " B encoded), one fdatasync per " +
                  std::to_string(c.writers) + " records, " + scratch.path());
  rep.text("bench", "group-limit").count("record_bytes", c.recordBytes, "B payload");
  rep.count("writers", static_cast<std::uint64_t>(c.writers)).count("batch_bytes", batchBytes, "B per fdatasync");
  rep.number("seconds", disk.seconds + w.seconds, "s");
  rep.number("records_per_s", k * rounds, "records/s (K writer threads, perfect batches)");
  rep.number("limit_records_per_s", k * rounds, "records/s");
  rep.number("syncs_per_s", rounds, "fdatasync/s (writers phase)");
  rep.number("p50_us", w.latency.quantileUs(0.50), "us").number("p99_us", w.latency.quantileUs(0.99), "us");
  rep.number("disk_limit_records_per_s", k * diskSyncs, "records/s (one thread, no wake-ups)");
  rep.number("disk_syncs_per_s", diskSyncs, "fdatasync/s (disk phase)");
  rep.note("records_per_s counts K threads handing in one record each per round and waking after the sync;");
  rep.note("disk_limit_records_per_s is the same write + fdatasync from one thread, with no threads to wake.");
  rep.print(c.json);
  return 0;
}

}  // namespace

int benchGroupLimit(const Argv& argv) {
  Args args("bench group-limit", argv, {"writers", "record-bytes", "seconds", "dir"}, {"json"});
  LimitConfig c;
  c.writers = static_cast<int>(args.integer("writers", 64, 1, 1024));
  c.recordBytes = static_cast<std::size_t>(args.integer("record-bytes", 128, 0, 1 << 20));
  c.seconds = args.number("seconds", 4, 0.2, 3600);
  c.dir = args.string("dir", "");
  c.json = args.has("json");
  if (!args.positionals().empty()) args.fail("unexpected argument '" + args.positionals()[0] + "'");
  if (!args.ok()) return usageError("bench group-limit", args.error());
  return run(c);
}

}  // namespace qlab::app
