// SegmentedLog::flush: take the buffer under the lock, write and fdatasync it with the lock
// released (appends and reads go on; later callers wait and form the next group), publish
// the new durable end. Also the live app's simulated power loss, which must see the same
// buffer.
#include <algorithm>

#include "core/common/random.h"
#include "core/common/coding.h"
#include "core/wal/format.h"
#include "core/wal/log_internal.h"

namespace qlab::wal {

namespace {

struct FlushItem {
  Segment* seg = nullptr;
  std::string path;
  bool create = false;
  File* file = nullptr;
  std::uint64_t start = 0;  // file size before this flush
  Index last = 0;           // last index in the batch for this segment
  std::unique_ptr<File> opened;
  bool madeFile = false;  // the segment file was created (durably) by this flush
  bool done = false;
};

// The I/O of one flush, without the log's lock. Segments in index order, each fully synced
// before the next is created (a sealed segment never has a torn tail). Stops at the first
// error; a failed write is cut back so a retry appends to a clean end.
Status writeBatch(FileSystem& fs, std::vector<FlushItem>& items,
                  const std::function<Result<std::unique_ptr<File>>(const std::string&, Index)>& create) {
  for (FlushItem& it : items) {
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
    s = it.file->sync();
    if (!s.isOk()) return s;
    it.done = true;
  }
  return Status::ok();
}

}  // namespace

Result<Index> SegmentedLog::flush() {
  Impl& d = *m_impl;
  std::unique_lock lk(d.mu);
  const Index target = d.lastIndex;
  for (;;) {
    if (!d.failure.isOk()) return d.failure;
    if (d.durableEnd >= target) return d.durableEnd;
    if (!d.flushing) break;
    d.cv.wait(lk);  // group commit: the running flush may cover us, else we take the rest
  }
  if (d.pendingBytes == 0) return d.durableEnd;

  d.flushing = true;
  std::vector<FlushItem> items;
  // Buffered records only ever sit in a suffix of the segments (appends go to the last one).
  std::size_t first = d.segs.size();
  while (first > 0 && !d.segs[first - 1]->pending.empty()) --first;
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
  for (FlushItem& it : items) {
    Segment& s = *it.seg;
    if (it.opened) s.file = std::move(it.opened);
    if (it.madeFile) s.created = true;
    if (it.done) {
      s.diskBytes += s.inflight.size();
      if (io.isOk() || io.code() == Status::Code::kNoSpace) d.durableEnd = it.last;
    } else {
      // Not written: back in front of whatever was appended meanwhile.
      s.inflight.append(s.pending);
      s.pending.swap(s.inflight);
      d.pendingBytes += s.pending.size();
    }
    s.inflight.clear();
    if (&s != d.segs.back().get() && s.pending.empty()) s.file.reset();
  }
  d.inflightBytes = 0;
  ++d.flushRounds;
  Status result = io;
  if (!io.isOk() && io.code() != Status::Code::kNoSpace) {
    result = d.latch(io);
  } else if (!io.isOk()) {
    result = Status::noSpace(io.message() + "; " + std::to_string(d.pendingBytes) +
                             " bytes stay buffered and what was durable is intact: free space "
                             "and flush again");
  }
  const Index durable = d.durableEnd;
  if (durable > before && d.listener) {
    auto listener = d.listener;
    lk.unlock();
    listener(durable);  // still `flushing`: listener calls stay serialized and in order
    lk.lock();
  }
  d.flushing = false;
  d.cv.notify_all();
  d.wakeDurableWaiters();
  if (!result.isOk()) return result;
  return durable;
}

void SegmentedLog::simulatePowerLoss(bool torn, std::uint64_t seed) {
  Impl& d = *m_impl;
  std::unique_lock lk(d.mu);
  d.waitIdle(lk);
  if (torn && d.pendingBytes > 1 && d.failure.isOk()) {
    // A random prefix of the buffer reaches the files, unsynced: the next recovery meets a
    // torn record. Errors are ignored: the machine is going down anyway.
    // The cut lands strictly inside one record (never on a boundary, which would leave a
    // clean log): pick a buffered record, then a byte inside it.
    Random rng(seed);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> records;  // (start in the buffer, size)
    std::uint64_t base = 0;
    for (const auto& sp : d.segs) {
      const std::string& buf = sp->pending;
      for (std::size_t off = 0; off + format::kRecordHeaderBytes <= buf.size();) {
        std::size_t len = coding::decodeFixed32(buf.data() + off + format::kLengthOffset);
        std::size_t size = format::recordBytes(len);
        records.emplace_back(base + off, size);
        off += size;
      }
      base += buf.size();
    }
    std::uint64_t left = 1 + rng.uniform(d.pendingBytes - 1);
    if (!records.empty()) {
      const auto& [start, size] = records[rng.uniform(records.size())];
      left = start + 1 + rng.uniform(size - 1);
    }
    for (auto& sp : d.segs) {
      Segment& s = *sp;
      if (left == 0) break;
      if (s.pending.empty()) continue;
      if (!s.created) {
        Result<std::unique_ptr<File>> f = d.fs.open(s.path, OpenMode::kCreate);
        if (!f.isOk() || !writeAll(**f, encodeSegmentHeader(s.firstIndex)).isOk()) break;
        s.file = std::move(f).value();
      } else if (!s.file) {
        Result<std::unique_ptr<File>> f = d.fs.open(s.path, OpenMode::kAppend);
        if (!f.isOk()) break;
        s.file = std::move(f).value();
      }
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, s.pending.size()));
      if (!writeAll(*s.file, std::string_view(s.pending.data(), n)).isOk()) break;
      left -= n;
    }
  }
  for (auto& sp : d.segs) {
    sp->pending.clear();
    sp->pending.shrink_to_fit();
    sp->file.reset();
  }
  d.pendingBytes = 0;
  if (d.failure.isOk()) {
    d.failure = Status::failed("log in " + d.dir + " was killed (simulated power loss): reopen it");
  }
  d.cv.notify_all();
  d.wakeDurableWaiters();
}

}  // namespace qlab::wal
