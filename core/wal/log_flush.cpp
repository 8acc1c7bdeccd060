// SegmentedLog::flush and writeOut: take the buffer under the lock, write it (flush also
// fdatasyncs it) with the lock released (appends and reads go on; later callers wait and
// form the next group), publish the new written and durable ends. Also the live app's
// simulated power loss and process crash, which must see the same buffer.
#include <algorithm>

#include "core/common/random.h"
#include "core/common/coding.h"
#include "core/wal/format.h"
#include "core/wal/log_internal.h"

namespace qlab::wal {

namespace {

enum class Round {
  kFlush,     // write the buffer and fdatasync every segment holding unsynced bytes
  kWriteOut,  // write the buffer; fdatasync only a segment that is left for the next one
};

struct FlushItem {
  Segment* seg = nullptr;
  std::string path;
  bool create = false;
  File* file = nullptr;
  std::uint64_t start = 0;  // file size before this round
  Index last = 0;           // last index in the batch for this segment
  bool sync = false;        // fdatasync after the write
  std::unique_ptr<File> opened;
  bool madeFile = false;  // the segment file was created (durably) by this round
  bool written = false;   // the batch is in the file
  bool synced = false;    // ... and everything in the file is synced
};

// The I/O of one round, without the log's lock. Segments in index order, each fully synced
// before the next is created (a sealed segment never has a torn tail). Stops at the first
// error; a failed write is cut back so a retry appends to a clean end.
Status writeBatch(FileSystem& fs, std::vector<FlushItem>& items,
                  const std::function<Result<std::unique_ptr<File>>(const std::string&, Index)>& create) {
  for (FlushItem& it : items) {
    if (it.seg->inflight.empty() && !it.sync) {
      it.written = true;
      continue;
    }
    if (it.create) {
      Result<std::unique_ptr<File>> f = create(it.path, it.seg->firstIndex);
      if (!f.isOk()) return f.status();
      it.opened = std::move(f).value();
      it.file = it.opened.get();
      it.madeFile = true;
    } else if (it.file == nullptr) {
      Result<std::unique_ptr<File>> f = fs.open(it.path, OpenMode::kAppend);
      if (!f.isOk()) return f.status();
      it.opened = std::move(f).value();
      it.file = it.opened.get();
    }
    Status s = writeAll(*it.file, it.seg->inflight);
    if (!s.isOk()) {
      if (s.code() == Status::Code::kNoSpace) {
        Status cut = it.file->truncate(it.start);
        if (!cut.isOk()) {
          return Status::ioError(s.message() + "; cutting the partial write back failed: " +
                                 cut.message());
        }
      }
      return s;
    }
    it.written = true;
    if (!it.sync) continue;
    s = it.file->sync();
    if (!s.isOk()) return s;
    it.synced = true;
  }
  return Status::ok();
}

// One flush or writeOut round. Called with `lk` held, `flushing` clear and something dirty;
// returns with `lk` held: the new durable end (kFlush) or written end (kWriteOut).
// The waitDurable callers it made durable (or failed) are handed back in `wake`.
Result<Index> runRound(LogCore& d, std::unique_lock<std::mutex>& lk, Round round,
                       std::vector<LogCore::DurableWaiter*>* wake) {
  d.flushing = true;
  std::vector<FlushItem> items;
  const std::size_t first = d.firstDirtySlot();
  for (std::size_t i = first; i < d.segs.size(); ++i) {
    Segment& s = *d.segs[i];
    s.inflight.swap(s.pending);  // the old inflight is empty: its capacity is reused
    FlushItem it;
    it.seg = &s;
    it.path = s.path;
    it.create = !s.created;
    it.file = s.file.get();
    it.start = s.diskBytes;
    it.last = s.lastIndex;
    // writeOut syncs a segment only when a later one follows: that one may be created next.
    it.sync = round == Round::kFlush || i + 1 < d.segs.size();
    items.push_back(std::move(it));
  }
  d.inflightBytes = d.pendingBytes;
  d.pendingBytes = 0;
  lk.unlock();

  Status io = writeBatch(d.fs, items, [&d](const std::string& path, Index firstIdx) {
    return d.createSegmentFile(path, firstIdx);
  });

  lk.lock();
  const Index before = d.durableEnd;
  const bool keepsDurable = io.isOk() || io.code() == Status::Code::kNoSpace;
  for (FlushItem& it : items) {
    Segment& s = *it.seg;
    if (it.opened) s.file = std::move(it.opened);
    if (it.madeFile) s.created = true;
    if (it.written) {
      s.diskBytes += s.inflight.size();
      d.writtenEnd = std::max(d.writtenEnd, it.last);
    } else {
      // Not written: back in front of whatever was appended meanwhile (already counted).
      d.pendingBytes += s.inflight.size();
      s.inflight.append(s.pending);
      s.pending.swap(s.inflight);
    }
    if (it.synced) {
      s.syncedBytes = s.diskBytes;
      if (keepsDurable) d.durableEnd = it.last;
    }
    s.inflight.clear();
    if (&s != d.segs.back().get() && s.pending.empty() && !s.unsynced()) {
      s.file.reset();
      d.releaseBuffers(s);
    }
  }
  d.inflightBytes = 0;
  d.publishBuffered();
  if (round == Round::kFlush) ++d.flushRounds;
  Status result = io;
  if (!keepsDurable) {
    result = d.latch(io);
  } else if (!io.isOk()) {
    result = Status::noSpace(io.message() + "; " + std::to_string(d.pendingBytes) +
                             " bytes stay buffered and what was durable is intact: free space "
                             "and " + (round == Round::kFlush ? "flush" : "write out") + " again");
  }
  const Index durable = d.durableEnd;
  const Index written = d.writtenEnd;
  if (durable > before && d.listener) {
    auto listener = d.listener;
    lk.unlock();
    listener(durable);  // still `flushing`: listener calls stay serialized and in order
    lk.lock();
  }
  d.flushing = false;
  d.cv.notify_all();
  // The writers this round made durable are woken once the lock is free (requestRound).
  *wake = d.takeDurableWaiters();
  if (!result.isOk()) return result;
  return round == Round::kFlush ? durable : written;
}

// What a killed process leaves behind in memory: nothing. Drops the buffer and every open
// handle and latches the object as dead (`what` names the kind of death).
void dropBufferAndDie(LogCore& d, const char* what) {
  for (auto& sp : d.segs) {
    sp->pending.clear();
    sp->pending.shrink_to_fit();
    sp->file.reset();
  }
  d.pendingBytes = 0;
  d.publishBuffered();
  if (d.failure.isOk()) {
    d.failure = Status::failed("log in " + d.dir + " was killed (simulated " + what + "): reopen it");
  }
  d.cv.notify_all();
  d.wakeDurableWaiters();
}

// (start, size) of each record of `bytes` (whole records, as the buffer always holds),
// offset by `base`.
void listRecords(std::string_view bytes, std::uint64_t base,
                 std::vector<std::pair<std::uint64_t, std::uint64_t>>* out) {
  for (std::size_t off = 0; off + format::kRecordHeaderBytes <= bytes.size();) {
    std::size_t len = coding::decodeFixed32(bytes.data() + off + format::kLengthOffset);
    std::size_t size = format::recordBytes(len);
    out->emplace_back(base + off, size);
    off += size;
  }
}

// The cut of a torn power loss: how many bytes of an unsynced stream of `total` bytes made
// it to the disk. Strictly inside one of `records` (never on a boundary, which would leave
// a clean log); anywhere in (0, total) when the records are unknown.
std::uint64_t tornCut(Random& rng, std::uint64_t total,
                      const std::vector<std::pair<std::uint64_t, std::uint64_t>>& records) {
  std::uint64_t left = 1 + rng.uniform(total - 1);
  if (!records.empty()) {
    const auto& [start, size] = records[rng.uniform(records.size())];
    left = start + 1 + rng.uniform(size - 1);
  }
  return left;
}

// Opens `s`'s file for appending if no handle is open; false when it cannot.
bool ensureOpen(LogCore& d, Segment& s) {
  if (s.file) return true;
  Result<std::unique_ptr<File>> f = d.fs.open(s.path, OpenMode::kAppend);
  if (!f.isOk()) return false;
  s.file = std::move(f).value();
  return true;
}

// The page cache of a machine losing power: every segment goes back to its synced size;
// with `torn`, a random part of the unsynced bytes (cut strictly inside a record) survives.
// Errors are ignored: the machine is going down anyway.
void loseUnsyncedFileBytes(LogCore& d, bool torn, Random& rng, std::uint64_t unsynced) {
  std::uint64_t keep = 0;
  if (torn && unsynced > 1) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> records;  // (start in the stream, size)
    std::uint64_t base = 0;
    for (auto& sp : d.segs) {
      Segment& s = *sp;
      if (!s.unsynced() || !ensureOpen(d, s)) continue;
      std::string bytes(static_cast<std::size_t>(s.diskBytes - s.syncedBytes), '\0');
      if (readExact(*s.file, s.syncedBytes, bytes.data(), bytes.size()).isOk()) {
        listRecords(bytes, base, &records);
      }
      base += bytes.size();
    }
    keep = tornCut(rng, unsynced, records);
  }
  for (auto& sp : d.segs) {
    Segment& s = *sp;
    if (!s.unsynced()) continue;
    const std::uint64_t n = std::min(keep, s.diskBytes - s.syncedBytes);
    keep -= n;
    if (ensureOpen(d, s)) (void)s.file->truncate(s.syncedBytes + n);
  }
}

// flush() and writeOut(): wait for a running round (it may cover us: group commit), else
// run one for whatever accumulated. Returns the durable end (kFlush) or written end.
Result<Index> requestRound(LogCore& d, Round round) {
  std::unique_lock lk(d.mu);
  const Index& end = round == Round::kFlush ? d.durableEnd : d.writtenEnd;  // re-read after waits
  const Index target = d.lastIndex;
  for (;;) {
    if (!d.failure.isOk()) return d.failure;
    if (end >= target) return end;
    if (!d.flushing) break;
    d.cv.wait(lk);
  }
  // Nothing to do: a flush needs buffered records or written-out unsynced bytes, a writeOut
  // buffered records.
  const bool idle = round == Round::kFlush ? d.firstDirtySlot() == d.segs.size() : d.pendingBytes == 0;
  if (idle) return end;
  std::vector<LogCore::DurableWaiter*> wake;
  Result<Index> r = runRound(d, lk, round, &wake);
  const bool failed = !d.failure.isOk();
  lk.unlock();
  LogCore::wakeTaken(wake, failed);
  return r;
}

}  // namespace

Result<Index> SegmentedLog::flush() { return requestRound(*m_impl, Round::kFlush); }

Result<Index> SegmentedLog::writeOut() { return requestRound(*m_impl, Round::kWriteOut); }

Index SegmentedLog::writtenEnd() const {
  std::lock_guard lk(m_impl->mu);
  return m_impl->writtenEnd;
}

void SegmentedLog::simulatePowerLoss(bool torn, std::uint64_t seed) {
  Impl& d = *m_impl;
  std::unique_lock lk(d.mu);
  d.waitIdle(lk);
  Random rng(seed);
  std::uint64_t unsynced = 0;
  for (const auto& sp : d.segs) unsynced += sp->diskBytes - sp->syncedBytes;
  if (unsynced > 0) {
    // writeOut left bytes in the page cache: they go (a part of them stays when torn), and
    // the buffer, which never reached the OS, goes whole.
    loseUnsyncedFileBytes(d, torn, rng, unsynced);
  } else if (torn && d.pendingBytes > 1 && d.failure.isOk()) {
    // A random prefix of the buffer reaches the files, unsynced, as if a flush were writing
    // it: the next recovery meets a torn record. Errors are ignored.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> records;  // (start in the buffer, size)
    std::uint64_t base = 0;
    for (const auto& sp : d.segs) {
      listRecords(sp->pending, base, &records);
      base += sp->pending.size();
    }
    std::uint64_t left = tornCut(rng, d.pendingBytes, records);
    for (auto& sp : d.segs) {
      Segment& s = *sp;
      if (left == 0) break;
      if (s.pending.empty()) continue;
      if (!s.created) {
        Result<std::unique_ptr<File>> f = d.fs.open(s.path, OpenMode::kCreate);
        if (!f.isOk() || !writeAll(**f, encodeSegmentHeader(s.firstIndex)).isOk()) break;
        s.file = std::move(f).value();
      } else if (!ensureOpen(d, s)) {
        break;
      }
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, s.pending.size()));
      if (!writeAll(*s.file, std::string_view(s.pending.data(), n)).isOk()) break;
      left -= n;
    }
  }
  dropBufferAndDie(d, "power loss");
}

void SegmentedLog::simulateCrash() {
  Impl& d = *m_impl;
  std::unique_lock lk(d.mu);
  d.waitIdle(lk);
  // What was written out stays in the files: the OS keeps it after the process is gone.
  dropBufferAndDie(d, "process crash");
}

}  // namespace qlab::wal
