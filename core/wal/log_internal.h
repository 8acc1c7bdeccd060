#pragma once
// Private to core/wal: the state behind SegmentedLog, shared by segmented_log.cpp (append,
// flush, truncation), log_read.cpp (reads through the sparse index) and log_recovery.cpp
// (open). Not installed, not included outside this folder.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/common/wake_flag.h"
#include "core/wal/format.h"
#include "core/wal/record_codec.h"
#include "core/wal/segmented_log.h"

namespace qlab::wal {

struct SparseEntry {
  Index index = 0;
  std::uint64_t offset = 0;  // byte offset of that record in its segment file
};

struct GenerationRun {
  Index firstIndex = 0;
  Generation generation = 0;
};

// One segment file. Its bytes are, in order: [0, syncedBytes) in the file and synced,
// [syncedBytes, diskBytes) in the file but not yet synced (handed to the OS by writeOut:
// they survive a process crash, not a power loss), then `inflight` (the batch a running
// flush or writeOut is writing), then `pending` (not yet taken). The header counts even
// before the file exists, so offsets are the same everywhere. Record boundaries always fall
// on these seams. Only the last created segment can have unsynced bytes: a segment is synced
// in full before the file of the next one is created.
struct Segment {
  Index firstIndex = 0;
  Index lastIndex = 0;  // firstIndex - 1 when empty
  std::string name;
  std::string path;
  bool created = false;  // the file exists with a durable header
  std::uint64_t diskBytes = format::kSegmentHeaderBytes;
  std::uint64_t syncedBytes = format::kSegmentHeaderBytes;
  std::string inflight;
  std::string pending;
  std::vector<SparseEntry> sparse;
  // Open handle: always for the active segment once created; sealed segments close theirs
  // after their last flush (reads open a temporary one), so a long log does not pin fds.
  std::unique_ptr<File> file;

  bool empty() const { return lastIndex < firstIndex; }
  bool unsynced() const { return diskBytes > syncedBytes; }
  // Something a flush has to write or sync.
  bool dirty() const { return !pending.empty() || unsynced(); }
  std::uint64_t bytes() const { return diskBytes + inflight.size() + pending.size(); }
};

struct LogCore {
  LogCore(FileSystem& f, std::string d, const LogOptions& o) : fs(f), dir(std::move(d)), opt(o) {}

  FileSystem& fs;
  const std::string dir;
  const LogOptions opt;

  mutable std::mutex mu;
  // Signalled when a flush or writeOut round finishes (durableEnd may have moved, `flushing`
  // cleared).
  mutable std::condition_variable cv;
  std::vector<std::unique_ptr<Segment>> segs;  // in index order; never empty once open
  std::vector<GenerationRun> runs;
  Index firstIndex = 1;
  Index lastIndex = 0;
  Index durableEnd = 0;
  Index writtenEnd = 0;  // last index in the files (synced or not); >= durableEnd
  std::uint64_t pendingBytes = 0;
  std::uint64_t inflightBytes = 0;
  std::atomic<std::uint64_t> bufferedHint{0};  // pendingBytes + inflightBytes, see publishBuffered
  bool flushing = false;  // a flush or writeOut round is doing I/O (one at a time)
  Status failure;  // latched; ok while healthy
  std::function<void(Index)> listener;
  std::uint64_t flushRounds = 0;
  // waitDurable callers, each sleeping on its own WakeFlag (on its stack), woken only when
  // its index is durable or the log fails. One shared condition variable woke every waiter
  // on every flush: with 64 group-commit writers most wake-ups were for nothing. A flush
  // round sets the flags after it has released `mu` (see takeDurableWaiters), so a woken
  // writer does not wake only to block on the lock the flusher still holds.
  struct DurableWaiter {
    static constexpr std::uint32_t kDurable = 1;
    static constexpr std::uint32_t kFailed = 2;
    Index index = 0;
    WakeFlag flag;
  };
  std::vector<DurableWaiter*> durableWaiters;
  // Emptied buffers of sealed segments, kept for the next segments. Without them every new
  // segment grew its two buffers from nothing (page faults on every roll) and every sealed
  // segment kept its buffers' capacity for as long as it stayed in the log.
  std::vector<std::string> spareBuffers;
  static constexpr std::size_t kMaxSpareBuffers = 2;

  // --- everything below expects `mu` held ---
  // A new, empty segment; its buffers come from spareBuffers when there are some.
  std::unique_ptr<Segment> makeSegment(Index first);
  // Called when a sealed segment `s` has nothing left to write: its buffers' capacity goes
  // to spareBuffers (or is freed when there are enough).
  void releaseBuffers(Segment& s);
  // Publishes pendingBytes + inflightBytes for bufferedBytesHint().
  void publishBuffered() { bufferedHint.store(pendingBytes + inflightBytes, std::memory_order_relaxed); }
  // Records a record's place in the sparse index and the generation run table.
  void noteRecord(Segment& s, Index index, Generation generation, std::uint64_t offset);
  void waitIdle(std::unique_lock<std::mutex>& lk) const {
    cv.wait(lk, [&] { return !flushing; });
  }
  // Latches the log failed (first failure wins) and returns the latched status.
  Status latch(const Status& cause);
  // Wakes the waitDurable callers whose index is now durable, or all of them once failed.
  void wakeDurableWaiters();
  // The same callers, taken off the list but not yet woken: the caller wakes them with
  // wakeTaken() once it has released `mu`.
  std::vector<DurableWaiter*> takeDurableWaiters();
  static void wakeTaken(const std::vector<DurableWaiter*>& taken, bool failed);
  // Index of the segment holding `index` (which must be in [firstIndex, lastIndex]).
  std::size_t segmentSlot(Index index) const;
  // Offset of the record `index` in `s`, found through the sparse index.
  Result<std::uint64_t> offsetOf(const Segment& s, Index index) const;
  // First slot of the suffix of segments a flush must write or sync (segs.size() when none):
  // buffered records only sit in a suffix, and unsynced bytes only in the last created
  // segment, which comes right before the ones with records not yet in a file.
  std::size_t firstDirtySlot() const {
    std::size_t first = segs.size();
    while (first > 0 && segs[first - 1]->dirty()) --first;
    return first;
  }
  // Creates the file of a new segment durably: create, header, sync, syncDir.
  Result<std::unique_ptr<File>> createSegmentFile(const std::string& path, Index first);
  void trimRunsAfter(Index index);
  void trimRunsBefore(Index first);
};

// Reads records of one segment under the log's lock: from the file through a small window
// of pread blocks, or from the in-memory batches. A view stays valid until the next call.
class SegmentReader {
 public:
  SegmentReader(const LogCore& log, const Segment& seg) : m_log(log), m_seg(seg) {}
  // The valid record at `offset`, or kCorruption naming the file and offset.
  Status at(std::uint64_t offset, RecordView* out);

 private:
  Status loadWindow(std::uint64_t offset, std::size_t n);
  const LogCore& m_log;
  const Segment& m_seg;
  std::unique_ptr<File> m_own;
  const File* m_file = nullptr;
  std::string m_window;
  std::uint64_t m_windowStart = 0;
};

// SegmentedLog's pimpl is LogCore under the name the public header declares.
struct SegmentedLog::Impl : LogCore {
  using LogCore::LogCore;
};

// "wal/00000000000000000001.wal at byte 4096: checksum mismatch (stored 0x..., computed 0x...)"
std::string describeBadRecord(const std::string& path, std::uint64_t offset, const RecordView& v);

}  // namespace qlab::wal
