#pragma once
// `quorumlab bench <name>`: one function per benchmark, each taking the arguments after its
// name and returning the exit code, plus what they share: the scratch directory, a
// FileSystem that counts fsyncs, a latency histogram and the report printer (one JSON
// object with --json, aligned lines without). Benchmarks are never timed tests.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "app/commands.h"
#include "core/wal/file_system.h"

namespace qlab::app {

int benchWal(const Argv& args);       // bench_wal.cpp
int benchRecovery(const Argv& args);  // bench_recovery.cpp
int benchCluster(const Argv& args);   // bench_cluster.cpp
int benchMemory(const Argv& args);    // bench_memory.cpp
int benchSeek(const Argv& args);      // bench_seek.cpp
int benchGroupLimit(const Argv& args);  // bench_group_limit.cpp

// A fresh directory `<parent>/quorumlab-bench-XXXXXX` (parent: --dir, or the system temp
// directory), removed with everything in it when this goes away.
class BenchDir {
 public:
  explicit BenchDir(const std::string& parent);
  ~BenchDir();
  BenchDir(const BenchDir&) = delete;
  BenchDir& operator=(const BenchDir&) = delete;
  bool ok() const { return m_error.empty(); }
  const std::string& error() const { return m_error; }  // names the path and the reason
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
  std::string m_error;
};

// Forwards to another FileSystem and counts every fsync: File::sync (fdatasync) and
// syncDir. The benchmark-only modes leave out part of the I/O of appends to existing files:
//   kNoSync   File::sync returns at once (bench wal --policy none: writes reach the page
//             cache, nothing is made durable)
//   kDiscard  File::append drops the bytes too (--policy buffer: no write(), no fdatasync;
//             what remains is the log's own cost). Segment headers are still written.
class BenchFileSystem final : public wal::FileSystem {
 public:
  enum class Mode { kReal, kNoSync, kDiscard };
  BenchFileSystem(wal::FileSystem& base, Mode mode) : m_base(base), m_mode(mode) {}
  std::uint64_t fileSyncs() const { return m_fileSyncs.load(); }
  std::uint64_t dirSyncs() const { return m_dirSyncs.load(); }

  Result<std::unique_ptr<wal::File>> open(const std::string& path, wal::OpenMode mode) override;
  Status createDirs(const std::string& path) override { return m_base.createDirs(path); }
  Result<std::vector<std::string>> list(const std::string& dir) const override { return m_base.list(dir); }
  Status remove(const std::string& path) override { return m_base.remove(path); }
  Status rename(const std::string& from, const std::string& to) override { return m_base.rename(from, to); }
  Status syncDir(const std::string& dir) override;
  bool exists(const std::string& path) const override { return m_base.exists(path); }
  Result<std::uint64_t> fileSize(const std::string& path) const override { return m_base.fileSize(path); }

 private:
  class CountingFile;
  wal::FileSystem& m_base;
  const Mode m_mode;
  std::atomic<std::uint64_t> m_fileSyncs{0};
  std::atomic<std::uint64_t> m_dirSyncs{0};
};

// An appending scratch file for the raw probes (what the disk does with nothing of ours in
// between: bench group-limit, bench wal --paired-raw); closes itself.
class ProbeFile {
 public:
  explicit ProbeFile(const std::string& path);
  ~ProbeFile();
  ProbeFile(const ProbeFile&) = delete;
  ProbeFile& operator=(const ProbeFile&) = delete;
  bool ok() const { return m_fd >= 0; }
  // write() all of it, then fdatasync(); an empty string on success, else what failed.
  std::string writeAndSync(const std::string& bytes);
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
  int m_fd;
};

// Latencies in nanoseconds, in log-linear buckets (64 per power of two: under 1.6% error),
// so a writer can record millions without growing.
class LatencyHistogram {
 public:
  LatencyHistogram();
  void record(std::uint64_t ns);
  void merge(const LatencyHistogram& other);
  std::uint64_t count() const { return m_count; }
  std::uint64_t maxNs() const { return m_maxNs; }
  // The q-quantile (0 <= q <= 1) in microseconds; 0 when empty.
  double quantileUs(double q) const;

 private:
  std::vector<std::uint64_t> m_buckets;
  std::uint64_t m_count = 0;
  std::uint64_t m_maxNs = 0;
};

// What a benchmark prints: named values in order. With --json one object on stdout (keys as
// given), otherwise a title and one aligned line per value with its unit.
class BenchReport {
 public:
  explicit BenchReport(std::string title) : m_title(std::move(title)) {}
  BenchReport& text(const std::string& key, const std::string& v) { return add(key, v, ""); }
  BenchReport& count(const std::string& key, std::uint64_t v, const std::string& unit = "") { return add(key, v, unit); }
  BenchReport& number(const std::string& key, double v, const std::string& unit = "") { return add(key, v, unit); }
  void note(const std::string& line) { m_notes.push_back(line); }  // human output only
  void print(bool json) const;

 private:
  using Value = std::variant<std::string, std::uint64_t, double>;
  struct Field {
    std::string key;
    Value value;
    std::string unit;
  };
  BenchReport& add(const std::string& key, Value v, const std::string& unit) {
    m_fields.push_back({key, std::move(v), unit});
    return *this;
  }
  std::string m_title;
  std::vector<Field> m_fields;
  std::vector<std::string> m_notes;
};

// "4096", "64K", "256M", "1G", "1GiB" (K/M/G are powers of 1024); nullopt if malformed.
std::optional<std::uint64_t> parseByteSize(const std::string& s);

}  // namespace qlab::app
