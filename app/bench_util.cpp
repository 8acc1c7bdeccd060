// What the benchmarks share (bench.h): scratch directory, fsync-counting file system,
// latency histogram, report printing.
#include <fcntl.h>
#include <stdlib.h>  // mkdtemp
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "app/bench.h"
#include "core/wal/format.h"
#include "core/common/json_writer.h"

namespace qlab::app {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------

BenchDir::BenchDir(const std::string& parent) {
  std::error_code ec;
  const fs::path base = parent.empty() ? fs::temp_directory_path(ec) : fs::path(parent);
  if (ec) {
    m_error = "cannot find the system temp directory (" + ec.message() + "); pass --dir";
    return;
  }
  fs::create_directories(base, ec);
  if (ec) {
    m_error = base.string() + ": cannot create the directory (" + ec.message() + "); pass another --dir";
    return;
  }
  std::string templ = (base / "quorumlab-bench-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {
    m_error = base.string() + ": cannot create a scratch directory in it (" +
              std::error_code(errno, std::generic_category()).message() + "); pass another --dir";
    return;
  }
  m_path = templ;
}

BenchDir::~BenchDir() {
  if (m_path.empty()) return;
  std::error_code ec;
  fs::remove_all(m_path, ec);
  if (ec) std::fprintf(stderr, "quorumlab bench: could not remove %s: %s\n", m_path.c_str(), ec.message().c_str());
}

// ---------------------------------------------------------------------------------------

ProbeFile::ProbeFile(const std::string& path)
    : m_path(path), m_fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644)) {}

ProbeFile::~ProbeFile() {
  if (m_fd >= 0) ::close(m_fd);
}

std::string ProbeFile::writeAndSync(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(m_fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return "write to " + m_path + " failed: " + std::strerror(errno);
    done += static_cast<std::size_t>(n);
  }
  if (::fdatasync(m_fd) != 0) return "fdatasync of " + m_path + " failed: " + std::strerror(errno);
  return {};
}

// ---------------------------------------------------------------------------------------

class BenchFileSystem::CountingFile final : public wal::File {
 public:
  // `keep`: bytes still written for real before appends are dropped (kDiscard keeps the
  // segment header of a new file), or SIZE_MAX.
  CountingFile(std::unique_ptr<wal::File> f, BenchFileSystem& owner, std::size_t keep)
      : m_f(std::move(f)), m_owner(owner), m_keep(keep) {}
  Result<std::size_t> append(const char* data, std::size_t n) override {
    if (m_keep == 0) return n;
    Result<std::size_t> w = m_f->append(data, std::min(n, m_keep));
    if (w.isOk() && m_keep != SIZE_MAX) m_keep -= *w;
    return w;
  }
  Status sync() override {
    if (m_owner.m_mode != Mode::kReal) return Status::ok();
    m_owner.m_fileSyncs.fetch_add(1, std::memory_order_relaxed);
    return m_f->sync();
  }
  Result<std::size_t> readAt(std::uint64_t offset, char* buf, std::size_t n) const override {
    return m_f->readAt(offset, buf, n);
  }
  Result<std::uint64_t> size() const override { return m_f->size(); }
  Status truncate(std::uint64_t size) override { return m_f->truncate(size); }
  const std::string& path() const override { return m_f->path(); }

 private:
  std::unique_ptr<wal::File> m_f;
  BenchFileSystem& m_owner;
  std::size_t m_keep;
};

Result<std::unique_ptr<wal::File>> BenchFileSystem::open(const std::string& path, wal::OpenMode mode) {
  Result<std::unique_ptr<wal::File>> f = m_base.open(path, mode);
  if (!f.isOk()) return f.status();
  std::size_t keep = SIZE_MAX;
  if (m_mode == Mode::kDiscard) {
    const bool fresh = mode == wal::OpenMode::kCreate || mode == wal::OpenMode::kCreateOrTruncate;
    keep = fresh ? wal::format::kSegmentHeaderBytes : 0;  // a new segment's header is real
  }
  return std::unique_ptr<wal::File>(std::make_unique<CountingFile>(std::move(f).value(), *this, keep));
}

Status BenchFileSystem::syncDir(const std::string& dir) {
  if (m_mode != Mode::kReal) return Status::ok();  // as sync(): no fsync of any kind
  m_dirSyncs.fetch_add(1, std::memory_order_relaxed);
  return m_base.syncDir(dir);
}

// ---------------------------------------------------------------------------------------

namespace {
constexpr unsigned kSubBits = 6;  // 64 buckets per power of two
constexpr std::uint64_t kSub = 1u << kSubBits;

std::size_t bucketOf(std::uint64_t ns) {
  if (ns < kSub) return static_cast<std::size_t>(ns);
  const auto e = static_cast<unsigned>(std::bit_width(ns)) - 1;  // >= kSubBits
  const std::uint64_t sub = (ns >> (e - kSubBits)) & (kSub - 1);
  return static_cast<std::size_t>((e - kSubBits + 1) * kSub + sub);
}

// The middle of a bucket's range.
double bucketValue(std::size_t b) {
  if (b < kSub) return static_cast<double>(b);
  const std::uint64_t e = b / kSub + kSubBits - 1;
  const std::uint64_t sub = b % kSub;
  const double width = static_cast<double>(std::uint64_t{1} << (e - kSubBits));
  return static_cast<double>(kSub + sub) * width + width / 2;
}
}  // namespace

LatencyHistogram::LatencyHistogram() : m_buckets(bucketOf(UINT64_MAX) + 1, 0) {}

void LatencyHistogram::record(std::uint64_t ns) {
  ++m_buckets[bucketOf(ns)];
  ++m_count;
  m_maxNs = std::max(m_maxNs, ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < m_buckets.size(); ++i) m_buckets[i] += other.m_buckets[i];
  m_count += other.m_count;
  m_maxNs = std::max(m_maxNs, other.m_maxNs);
}

double LatencyHistogram::quantileUs(double q) const {
  if (m_count == 0) return 0;
  // The smallest value with at least ceil(q * count) samples at or below it.
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(q * static_cast<double>(m_count) + 0.999999));
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < m_buckets.size(); ++b) {
    seen += m_buckets[b];
    if (seen >= rank) return std::min(bucketValue(b), static_cast<double>(m_maxNs)) / 1000.0;
  }
  return static_cast<double>(m_maxNs) / 1000.0;
}

// ---------------------------------------------------------------------------------------

namespace {
// Fixed-point with `decimals` digits, trailing zeros dropped; "null" if not finite.
std::string formatNumber(double d, int decimals) {
  if (!std::isfinite(d)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, d);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}
}  // namespace

void BenchReport::print(bool json) const {
  if (json) {
    JsonWriter w;
    w.beginObject();
    for (const Field& f : m_fields) {
      w.key(f.key);
      if (const auto* s = std::get_if<std::string>(&f.value)) {
        w.value(*s);
      } else if (const auto* n = std::get_if<std::uint64_t>(&f.value)) {
        w.value(*n);
      } else {
        w.raw(formatNumber(std::get<double>(f.value), 3));  // plain decimals, never 1.2e+06
      }
    }
    w.endObject();
    std::printf("%s\n", w.str().c_str());
    return;
  }
  std::printf("%s\n", m_title.c_str());
  std::size_t width = 0;
  for (const Field& f : m_fields) width = std::max(width, f.key.size());
  for (const Field& f : m_fields) {
    std::string v;
    if (const auto* s = std::get_if<std::string>(&f.value)) {
      v = *s;
    } else if (const auto* n = std::get_if<std::uint64_t>(&f.value)) {
      v = std::to_string(*n);
    } else {
      const double d = std::get<double>(f.value);
      v = formatNumber(d, d >= 100 ? 0 : 2);
    }
    std::printf("  %-*s  %s%s%s\n", static_cast<int>(width), f.key.c_str(), v.c_str(), f.unit.empty() ? "" : " ",
                f.unit.c_str());
  }
  for (const std::string& n : m_notes) std::printf("  %s\n", n.c_str());
}

std::optional<std::uint64_t> parseByteSize(const std::string& s) {
  std::size_t i = 0;
  std::uint64_t n = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    const auto d = static_cast<std::uint64_t>(s[i] - '0');
    if (n > (UINT64_MAX - d) / 10) return std::nullopt;
    n = n * 10 + d;
    ++i;
  }
  if (i == 0) return std::nullopt;
  std::string unit = s.substr(i);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  unsigned shift = 0;
  if (unit.empty() || unit == "B") {
    shift = 0;
  } else if (unit == "K" || unit == "KIB") {
    shift = 10;
  } else if (unit == "M" || unit == "MIB") {
    shift = 20;
  } else if (unit == "G" || unit == "GIB") {
    shift = 30;
  } else {
    return std::nullopt;
  }
  if (n > (UINT64_MAX >> shift)) return std::nullopt;
  return n << shift;
}

}  // namespace qlab::app
