#pragma once
// Helpers shared by the WAL tests: entries with recognizable payloads, opening logs, reading
// everything back, and byte surgery on in-memory files (LevelDB log_test habits).
#include <QtTest>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/common/entry.h"
#include "core/common/random.h"
#include "core/wal/fault_file_system.h"
#include "core/wal/format.h"
#include "core/wal/mem_file_system.h"
#include "core/wal/record_codec.h"
#include "core/wal/segmented_log.h"

namespace qlab::wal::test {

// A payload that encodes its index and a salt, of the given size.
inline std::string payloadFor(Index index, std::size_t bytes, std::uint64_t salt = 0) {
  std::string p(bytes, '\0');
  Random rng(index * 1000003 + salt);
  for (char& c : p) c = static_cast<char>('a' + rng.uniform(26));
  return p;
}

inline Entry entryFor(Index index, Generation generation = 1, std::size_t bytes = 20,
                      std::uint64_t salt = 0) {
  Entry e;
  e.index = index;
  e.generation = generation;
  e.type = index % 7 == 0 ? EntryType::kNoop : EntryType::kData;
  e.flags = static_cast<std::uint8_t>(index % 3);
  e.timestampMs = static_cast<std::int64_t>(1'700'000'000'000 + index);
  e.payload = payloadFor(index, bytes, salt);
  return e;
}

inline LogOptions smallSegments(std::uint64_t segmentBytes = 1024, std::uint32_t sparseEvery = 128) {
  LogOptions o;
  o.segmentBytes = segmentBytes;
  o.sparseIndexEveryBytes = sparseEvery;
  o.bufferCapBytes = 1 << 20;
  return o;
}

inline std::string describe(const Status& s) { return s.toString(); }
template <typename T>
std::string describe(const Result<T>& r) {
  return r.status().toString();
}

// QVERIFY that a Status or Result is ok, printing the error otherwise.
#define QLAB_VERIFY_OK(expr)                                                        \
  do {                                                                              \
    const auto& qlabOk_ = (expr);                                                   \
    QVERIFY2(qlabOk_.isOk(), ::qlab::wal::test::describe(qlabOk_).c_str());         \
  } while (0)

inline std::unique_ptr<SegmentedLog> mustOpen(FileSystem& fs, const std::string& dir,
                                              const LogOptions& o = {}, RecoveryReport* rep = nullptr,
                                              Index start = 1) {
  Result<std::unique_ptr<SegmentedLog>> r = SegmentedLog::open(fs, dir, o, rep, start);
  if (!r.isOk()) {
    qWarning("open failed: %s", r.status().toString().c_str());
    return nullptr;
  }
  return std::move(r).value();
}

// Appends entries [from, to] with the given generation and payload size, one at a time.
inline Status appendRange(SegmentedLog& log, Index from, Index to, Generation g = 1,
                          std::size_t bytes = 20, std::uint64_t salt = 0) {
  for (Index i = from; i <= to; ++i) QLAB_RETURN_IF_ERROR(log.append(entryFor(i, g, bytes, salt)));
  return Status::ok();
}

// A log in `dir` over three segments or more of ~1 KiB, records 1..n, flushed, then closed.
inline void writeLog(MemFileSystem& fs, Index n, std::size_t payload = 40, const std::string& dir = "wal") {
  auto log = mustOpen(fs, dir, smallSegments());
  QVERIFY(log);
  QLAB_VERIFY_OK(appendRange(*log, 1, n, 1, payload));
  QLAB_VERIFY_OK(log->flush());
}

// The segment file names of `dir`, in index order.
inline std::vector<std::string> segmentNames(const MemFileSystem& fs, const std::string& dir = "wal") {
  const Result<std::vector<std::string>> names = fs.list(dir);
  std::vector<std::string> v;
  if (!names.isOk()) return v;
  for (const auto& n : *names) {
    if (parseSegmentFileName(n, nullptr)) v.push_back(n);
  }
  std::sort(v.begin(), v.end());
  return v;
}

inline std::vector<Entry> readAll(const SegmentedLog& log) {
  std::vector<Entry> out;
  if (log.lastIndex() < log.firstIndex()) return out;
  Status s = log.read(log.firstIndex(), log.lastIndex(), SIZE_MAX, &out);
  if (!s.isOk()) qWarning("readAll failed: %s", s.toString().c_str());
  return out;
}

inline std::string segmentPath(const std::string& dir, Index first) {
  return joinPath(dir, segmentFileName(first));
}

// Adds to a log written by writeLog (>= 2 segments) a segment from another log that starts
// two indexes before its second segment does: inside the first segment's range.
inline void plantOverlappingSegment(MemFileSystem& fs, const std::string& dir = "wal") {
  Index second = 0;
  QVERIFY(parseSegmentFileName(segmentNames(fs, dir).at(1), &second));
  MemFileSystem other;
  {
    auto log = mustOpen(other, dir, {}, nullptr, second - 2);
    QVERIFY(log);
    QLAB_VERIFY_OK(appendRange(*log, second - 2, second + 100, 1, 40));
    QLAB_VERIFY_OK(log->flush());
  }
  fs.setContents(segmentPath(dir, second - 2), other.contents(segmentPath(dir, second - 2)));
}

inline void flipBit(MemFileSystem& fs, const std::string& path, std::uint64_t offset, int bit = 0) {
  std::string b = fs.contents(path);
  QVERIFY(offset < b.size());
  b[offset] = static_cast<char>(b[offset] ^ (1 << bit));
  fs.setContents(path, b);
}

inline void cutFile(MemFileSystem& fs, const std::string& path, std::uint64_t size) {
  std::string b = fs.contents(path);
  b.resize(size);
  fs.setContents(path, b);
}

// Byte offsets of every record in a segment file (walks the encoded records).
inline std::vector<std::uint64_t> recordOffsets(const std::string& bytes) {
  std::vector<std::uint64_t> out;
  std::uint64_t off = format::kSegmentHeaderBytes;
  while (off < bytes.size()) {
    RecordView v = viewRecord(std::string_view(bytes).substr(off));
    if (v.outcome != DecodeOutcome::kOk) break;
    out.push_back(off);
    off += v.bytes;
  }
  return out;
}

// All files of a MemFileSystem directory with their bytes: a snapshot to restore later.
inline std::vector<std::pair<std::string, std::string>> snapshotDir(MemFileSystem& fs, const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  auto names = fs.list(dir);
  if (!names.isOk()) return out;
  for (const std::string& n : *names) out.emplace_back(joinPath(dir, n), fs.contents(joinPath(dir, n)));
  return out;
}

}  // namespace qlab::wal::test
