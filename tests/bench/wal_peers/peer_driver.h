#pragma once
// What bench_leveldb and bench_rocksdb share: the command line of `quorumlab bench wal`
// (--writers K --record-bytes B --seconds S --dir D --json), K writer threads that each put
// B-byte values with sync on until the time is up, the latency of every put, and one JSON
// object on stdout with the keys of ours (records_per_s, mb_per_s, p50_us, p99_us, fsyncs,
// fsync_rate, avg_batch...). A driver supplies only how to open its store and put one record.
//
// Benchmark code, not part of the app: built by scripts/bench-peers through this folder's own
// CMake project, only where the peer libraries are installed.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace qlab::peers {

struct DriverConfig {
  int writers = 1;
  std::size_t recordBytes = 128;
  double seconds = 3;
  std::string dir;  // parent of the scratch directory
  bool json = false;
};

// One store opened for a run. put() is called from every writer thread at once.
class Store {
 public:
  virtual ~Store() = default;
  // Stores `value` under `key` and returns only once it is durable (sync on). An error ends
  // the run: the message is printed and the driver exits 1.
  virtual bool put(const std::string& key, const std::string& value, std::string* error) = 0;
  // fdatasync/fsync calls the store made on its files so far (counted by a wrapping Env).
  virtual std::uint64_t syncs() const = 0;
};

// Opens the store in `path` (an empty directory the driver made), or returns null and says why.
using OpenStore = std::function<std::unique_ptr<Store>(const std::string& path, std::string* error)>;

inline void usage(const char* name, const std::string& why) {
  std::fprintf(stderr, "%s: %s\nusage: %s [--writers K] [--record-bytes B] [--seconds S] [--dir D] [--json]\n",
               name, why.c_str(), name);
  std::exit(1);
}

inline DriverConfig parseArgs(const char* name, int argc, char** argv) {
  DriverConfig c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(name, "option '" + a + "' needs a value");
      return argv[++i];
    };
    auto number = [&](double lo, double hi) {
      const std::string v = value();
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || d < lo || d > hi) {
        usage(name, "option '" + a + "' must be a number from " + std::to_string(lo) + " to " +
                        std::to_string(hi) + ", not '" + v + "'");
      }
      return d;
    };
    if (a == "--writers") {
      c.writers = static_cast<int>(number(1, 1024));
    } else if (a == "--record-bytes") {
      c.recordBytes = static_cast<std::size_t>(number(0, 1 << 20));
    } else if (a == "--seconds") {
      c.seconds = number(0.1, 3600);
    } else if (a == "--dir") {
      c.dir = value();
    } else if (a == "--json") {
      c.json = true;
    } else {
      usage(name, "unknown option '" + a + "'");
    }
  }
  return c;
}

struct WriterResult {
  std::vector<std::uint32_t> latencyNs;  // every put, capped at ~4.29 s
  std::uint64_t records = 0;
  std::uint64_t keyBytes = 0;
  std::string error;
};

// Runs the writers against `store` for c.seconds; returns the elapsed seconds.
inline double runWriters(const DriverConfig& c, Store& store, std::vector<WriterResult>& results) {
  using Clock = std::chrono::steady_clock;
  std::atomic<bool> stop{false};
  results.assign(static_cast<std::size_t>(c.writers), {});
  std::vector<std::thread> threads;
  const Clock::time_point start = Clock::now();
  for (int w = 0; w < c.writers; ++w) {
    threads.emplace_back([&, w] {
      WriterResult& out = results[static_cast<std::size_t>(w)];
      const std::string value(c.recordBytes, static_cast<char>('a' + w % 26));
      char key[32];
      while (!stop.load(std::memory_order_relaxed)) {
        // Keys in write order per writer, as a log's indices are: no read-modify-write.
        const int n = std::snprintf(key, sizeof key, "w%04d-%012llu", w, static_cast<unsigned long long>(out.records));
        const Clock::time_point t0 = Clock::now();
        if (!store.put(std::string(key, static_cast<std::size_t>(n)), value, &out.error)) {
          stop = true;
          return;
        }
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
        out.latencyNs.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(ns, UINT32_MAX)));
        ++out.records;
        out.keyBytes += static_cast<std::uint64_t>(n);
      }
    });
  }
  const Clock::time_point deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(c.seconds));
  while (!stop.load() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  for (std::thread& t : threads) t.join();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

inline double quantileUs(const std::vector<std::uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(q * static_cast<double>(sorted.size()) + 0.999999);
  return static_cast<double>(sorted[std::min(sorted.size(), std::max<std::size_t>(rank, 1)) - 1]) / 1000.0;
}

// Opens the store in a scratch directory under c.dir, runs, prints the result; the exit code.
inline int runDriver(const char* name, const char* engine, int argc, char** argv, const OpenStore& open) {
  const DriverConfig c = parseArgs(name, argc, argv);
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path parent = c.dir.empty() ? fs::temp_directory_path(ec) : fs::path(c.dir);
  std::string templ = (parent / (std::string(engine) + "-bench-XXXXXX")).string();
  if (ec || ::mkdtemp(templ.data()) == nullptr) usage(name, "cannot make a scratch directory in '" + parent.string() + "'");
  int rc = 0;
  {
    std::string error;
    std::unique_ptr<Store> store = open(templ + "/db", &error);
    if (!store) {
      std::fprintf(stderr, "%s: cannot open the store in %s: %s\n", name, templ.c_str(), error.c_str());
      rc = 1;
    } else {
      const std::uint64_t syncsBefore = store->syncs();
      std::vector<WriterResult> results;
      const double seconds = runWriters(c, *store, results);
      const std::uint64_t syncs = store->syncs() - syncsBefore;
      std::vector<std::uint32_t> lat;
      std::uint64_t records = 0, keyBytes = 0;
      for (const WriterResult& r : results) {
        if (!r.error.empty()) error = r.error;
        lat.insert(lat.end(), r.latencyNs.begin(), r.latencyNs.end());
        records += r.records;
        keyBytes += r.keyBytes;
      }
      std::sort(lat.begin(), lat.end());
      if (!error.empty()) {
        std::fprintf(stderr, "%s: a put failed: %s\n", name, error.c_str());
        rc = 1;
      } else {
        const double perS = static_cast<double>(records) / seconds;
        const double payload = perS * static_cast<double>(c.recordBytes) / 1e6;
        const double keyed = (static_cast<double>(records * c.recordBytes + keyBytes)) / seconds / 1e6;
        std::printf(c.json ? "{\"bench\":\"%s\",\"engine\":\"%s\",\"writers\":%d,\"record_bytes\":%zu,"
                             "\"seconds\":%.3f,\"records\":%llu,\"records_per_s\":%.1f,\"mb_per_s\":%.3f,"
                             "\"payload_mb_per_s\":%.3f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,"
                             "\"max_us\":%.1f,\"fsyncs\":%llu,\"fsync_rate\":%.1f,\"avg_batch\":%.2f}\n"
                           : "%s (%s): %d writer(s), %zu-byte values, %.3f s, %llu records, %.1f records/s, "
                             "%.3f MB/s (key + value), %.3f MB/s payload, p50 %.1f us, p99 %.1f us, "
                             "p999 %.1f us, max %.1f us, %llu syncs, %.1f syncs/s, %.2f records per sync\n",
                    "wal", engine, c.writers, c.recordBytes, seconds, static_cast<unsigned long long>(records), perS,
                    keyed, payload, quantileUs(lat, 0.5), quantileUs(lat, 0.99), quantileUs(lat, 0.999),
                    lat.empty() ? 0.0 : static_cast<double>(lat.back()) / 1000.0,
                    static_cast<unsigned long long>(syncs), static_cast<double>(syncs) / seconds,
                    syncs ? static_cast<double>(records) / static_cast<double>(syncs) : 0.0);
      }
    }
  }
  fs::remove_all(templ, ec);
  return rc;
}

}  // namespace qlab::peers
