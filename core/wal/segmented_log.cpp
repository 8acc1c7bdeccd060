// SegmentedLog: append into a per-segment buffer, truncation, LWM cleanup, reset. The flush
// (group commit, lock released during I/O) is in log_flush.cpp, reads in log_read.cpp,
// recovery in log_recovery.cpp; docs/wal-format.md has the rules this code follows.
#include <algorithm>
#include <chrono>

#include "core/wal/log_internal.h"

namespace qlab::wal {

using format::kSegmentHeaderBytes;

// ---------------------------------------------------------------------------------------
// Impl helpers (mu held)

std::unique_ptr<Segment> LogCore::makeSegment(Index first) {
  auto s = std::make_unique<Segment>();
  s->firstIndex = first;
  s->lastIndex = first - 1;
  s->name = segmentFileName(first);
  s->path = joinPath(dir, s->name);
  for (std::string* buf : {&s->pending, &s->inflight}) {
    if (spareBuffers.empty()) break;
    buf->swap(spareBuffers.back());
    spareBuffers.pop_back();
  }
  return s;
}

void LogCore::releaseBuffers(Segment& s) {
  for (std::string* buf : {&s.pending, &s.inflight}) {
    QLAB_ASSERT(buf->empty());
    if (buf->capacity() == 0) continue;
    if (spareBuffers.size() < kMaxSpareBuffers) {
      spareBuffers.emplace_back().swap(*buf);
    } else {
      std::string().swap(*buf);
    }
  }
}

void LogCore::noteRecord(Segment& s, Index index, Generation generation,
                                    std::uint64_t offset) {
  if (s.sparse.empty() || offset >= s.sparse.back().offset + opt.sparseIndexEveryBytes) {
    s.sparse.push_back({index, offset});
  }
  if (runs.empty() || runs.back().generation != generation) runs.push_back({index, generation});
}

Status LogCore::latch(const Status& cause) {
  if (failure.isOk()) {
    failure = Status::failed(cause.message() +
                             "; the log is latched failed and never claims durability again: "
                             "reopen it");
  }
  wakeDurableWaiters();
  return failure;
}

std::vector<LogCore::DurableWaiter*> LogCore::takeDurableWaiters() {
  std::vector<DurableWaiter*> taken;
  for (std::size_t i = 0; i < durableWaiters.size();) {
    DurableWaiter* w = durableWaiters[i];
    if (w->index <= durableEnd || !failure.isOk()) {
      taken.push_back(w);
      durableWaiters[i] = durableWaiters.back();
      durableWaiters.pop_back();
    } else {
      ++i;
    }
  }
  return taken;
}

void LogCore::wakeTaken(const std::vector<DurableWaiter*>& taken, bool failed) {
  for (DurableWaiter* w : taken) w->flag.set(failed ? DurableWaiter::kFailed : DurableWaiter::kDurable);
}

void LogCore::wakeDurableWaiters() { wakeTaken(takeDurableWaiters(), !failure.isOk()); }

std::size_t LogCore::segmentSlot(Index index) const {
  auto it = std::upper_bound(segs.begin(), segs.end(), index,
                             [](Index i, const std::unique_ptr<Segment>& s) { return i < s->firstIndex; });
  QLAB_ASSERT(it != segs.begin());
  return static_cast<std::size_t>(it - segs.begin()) - 1;
}

void LogCore::trimRunsAfter(Index index) {
  while (!runs.empty() && runs.back().firstIndex > index) runs.pop_back();
}

void LogCore::trimRunsBefore(Index first) {
  // Keep the run that contains `first`: drop runs whose successor starts at or below it.
  std::size_t drop = 0;
  while (drop + 1 < runs.size() && runs[drop + 1].firstIndex <= first) ++drop;
  runs.erase(runs.begin(), runs.begin() + static_cast<std::ptrdiff_t>(drop));
}

Result<std::unique_ptr<File>> LogCore::createSegmentFile(const std::string& path,
                                                                    Index first) {
  Result<std::unique_ptr<File>> f = fs.open(path, OpenMode::kCreate);
  if (!f.isOk()) return f.status();
  Status s = writeAll(**f, encodeSegmentHeader(first));
  if (s.isOk()) s = (*f)->sync();
  if (s.isOk()) s = fs.syncDir(dir);
  if (!s.isOk()) {
    f->reset();
    if (s.code() == Status::Code::kNoSpace && fs.remove(path).isOk()) return s;
    // The half-made file may stay behind; recovery removes a header-less last segment.
    return s;
  }
  return f;
}

namespace {
// Over the buffer cap while a round is writing: that round makes room (and a flusher thread,
// if there is one, starts the next). Waiting for it keeps the bound without the appending
// thread queuing a round of its own behind it, which left the flusher idle meanwhile.
void waitForRoom(LogCore& d, std::unique_lock<std::mutex>& lk) {
  while (d.flushing && d.failure.isOk() && d.pendingBytes + d.inflightBytes > d.opt.bufferCapBytes) d.cv.wait(lk);
}
}  // namespace

// ---------------------------------------------------------------------------------------

SegmentedLog::SegmentedLog(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

SegmentedLog::~SegmentedLog() {
  std::unique_lock lk(m_impl->mu);
  m_impl->waitIdle(lk);
}

Status SegmentedLog::append(std::span<const Entry> entries) {
  Impl& d = *m_impl;
  for (const Entry& e : entries) {
    if (e.payload.size() > format::kMaxPayloadBytes) {
      return Status::invalidArgument("entry " + std::to_string(e.index) + ": payload of " +
                                     std::to_string(e.payload.size()) +
                                     " bytes exceeds the 16 MiB record limit");
    }
    if (!isValidEntryType(static_cast<std::uint8_t>(e.type))) {
      return Status::invalidArgument("entry " + std::to_string(e.index) + ": unknown type " +
                                     std::to_string(static_cast<int>(e.type)));
    }
  }
  std::unique_lock lk(d.mu);
  waitForRoom(d, lk);
  if (!d.failure.isOk()) return d.failure;
  if (d.pendingBytes + d.inflightBytes > d.opt.bufferCapBytes) {
    // A previous cap flush could not make room (ENOSPC): refuse rather than grow without
    // bound. Nothing of this call is appended.
    lk.unlock();
    Result<Index> r = flush();
    if (!r.isOk()) return r.status();
    lk.lock();
    if (!d.failure.isOk()) return d.failure;
  }
  for (const Entry& e : entries) {
    QLAB_ASSERT_MSG(e.index == d.lastIndex + 1, "WAL append must be at lastIndex() + 1");
    Segment* s = d.segs.back().get();
    const std::size_t rb = format::recordBytes(e.payload.size());
    if (!s->empty() && s->bytes() + rb > d.opt.segmentBytes) {
      d.segs.push_back(d.makeSegment(e.index));
      s = d.segs.back().get();
    }
    d.noteRecord(*s, e.index, e.generation, s->bytes());
    encodeRecord(e, s->pending);
    s->lastIndex = e.index;
    d.lastIndex = e.index;
    d.pendingBytes += rb;
  }
  d.publishBuffered();
  waitForRoom(d, lk);
  if (d.pendingBytes + d.inflightBytes > d.opt.bufferCapBytes) {
    lk.unlock();
    Result<Index> r = flush();
    // The entries are in the log either way; only a latched failure is news for the caller.
    // ENOSPC shows up again on the next flush (and the next append refuses to grow).
    if (!r.isOk() && r.status().code() == Status::Code::kFailed) return r.status();
  }
  return Status::ok();
}

Status SegmentedLog::truncateAfter(Index index) {
  Impl& d = *m_impl;
  std::unique_lock lk(d.mu);
  d.waitIdle(lk);
  if (!d.failure.isOk()) return d.failure;
  if (index >= d.lastIndex) return Status::ok();
  if (index + 1 < d.firstIndex) {
    return Status::invalidArgument("truncateAfter(" + std::to_string(index) +
                                   "): below the first index " + std::to_string(d.firstIndex) +
                                   " of the log in " + d.dir);
  }
  // Whole later segments go first, newest first, each removal made durable: a crash leaves
  // a prefix of the old log, never a gap.
  while (d.segs.size() > 1 && d.segs.back()->firstIndex > index) {
    Segment& s = *d.segs.back();
    s.file.reset();
    if (s.created) {
      Status st = d.fs.remove(s.path);
      if (st.isOk()) st = d.fs.syncDir(d.dir);
      if (!st.isOk()) return d.latch(st);
    }
    d.pendingBytes -= s.pending.size();
    d.segs.pop_back();
  }
  Segment& s = *d.segs.back();
  bool cutInFile = false;  // the file was cut and synced: everything through `index` is durable
  if (s.lastIndex > index) {
    Result<std::uint64_t> cut = d.offsetOf(s, index + 1);
    if (!cut.isOk()) return cut.status();
    if (*cut >= s.diskBytes) {
      const std::uint64_t keep = *cut - s.diskBytes;
      d.pendingBytes -= s.pending.size() - keep;
      s.pending.resize(static_cast<std::size_t>(keep));
    } else {
      d.pendingBytes -= s.pending.size();
      s.pending.clear();
      if (!s.file) {
        Result<std::unique_ptr<File>> f = d.fs.open(s.path, OpenMode::kAppend);
        if (!f.isOk()) return d.latch(f.status());
        s.file = std::move(f).value();
      }
      Status st = s.file->truncate(*cut);
      if (st.isOk()) st = s.file->sync();
      if (!st.isOk()) return d.latch(st);
      s.diskBytes = *cut;
      s.syncedBytes = *cut;
      cutInFile = true;
    }
    s.lastIndex = index;
    while (!s.sparse.empty() && s.sparse.back().index > index) s.sparse.pop_back();
  }
  if (s.created && !s.file) {
    Result<std::unique_ptr<File>> f = d.fs.open(s.path, OpenMode::kAppend);
    if (!f.isOk()) return d.latch(f.status());
    s.file = std::move(f).value();
  }
  d.lastIndex = index;
  d.publishBuffered();
  // Earlier segments are fully synced (a segment is before the next one is created). Without
  // writeOut a cut in the file is always at or below durableEnd; after it, the cut may sync
  // written-out records and so raise durableEnd (waiters are woken, the listener is not called).
  const Index durableBefore = d.durableEnd;
  d.durableEnd = cutInFile ? index : std::min(d.durableEnd, index);
  d.writtenEnd = std::min(d.writtenEnd, index);
  if (d.durableEnd > durableBefore) d.wakeDurableWaiters();
  d.trimRunsAfter(index);
  return Status::ok();
}

Result<int> SegmentedLog::removeBefore(Index lwm) {
  Impl& d = *m_impl;
  std::unique_lock lk(d.mu);
  d.waitIdle(lk);
  if (!d.failure.isOk()) return d.failure;
  int removed = 0;
  // Only fully durable sealed segments: their bytes are all on disk, nothing buffered.
  while (d.segs.size() > 1) {
    Segment& s = *d.segs.front();
    if (s.lastIndex >= lwm || s.lastIndex > d.durableEnd || !s.pending.empty()) break;
    s.file.reset();
    if (s.created) {
      Status st = d.fs.remove(s.path);
      if (!st.isOk()) {
        if (removed > 0) (void)d.fs.syncDir(d.dir);
        return st.withContext("removing segments below " + std::to_string(lwm));
      }
    }
    d.segs.erase(d.segs.begin());
    ++removed;
    d.firstIndex = d.segs.front()->firstIndex;
    d.trimRunsBefore(d.firstIndex);
  }
  if (removed > 0) {
    Status st = d.fs.syncDir(d.dir);
    if (!st.isOk()) return d.latch(st);
  }
  return removed;
}

Status SegmentedLog::resetTo(Index nextIndex) {
  QLAB_ASSERT(nextIndex >= 1);
  Impl& d = *m_impl;
  std::unique_lock lk(d.mu);
  d.waitIdle(lk);
  if (!d.failure.isOk()) return d.failure;
  while (!d.segs.empty()) {
    Segment& s = *d.segs.front();
    s.file.reset();
    if (s.created) {
      Status st = d.fs.remove(s.path);
      if (!st.isOk()) return d.latch(st);
    }
    d.segs.erase(d.segs.begin());
  }
  Status st = d.fs.syncDir(d.dir);
  if (!st.isOk()) return d.latch(st);
  auto seg = d.makeSegment(nextIndex);
  Result<std::unique_ptr<File>> f = d.createSegmentFile(seg->path, nextIndex);
  if (!f.isOk()) return d.latch(f.status());
  seg->file = std::move(f).value();
  seg->created = true;
  d.segs.push_back(std::move(seg));
  d.runs.clear();
  d.firstIndex = nextIndex;
  d.lastIndex = nextIndex - 1;
  d.durableEnd = nextIndex - 1;
  d.writtenEnd = nextIndex - 1;
  d.pendingBytes = 0;
  d.publishBuffered();
  d.wakeDurableWaiters();  // everything below nextIndex is covered by the caller's snapshot
  return Status::ok();
}

Index SegmentedLog::firstIndex() const {
  std::lock_guard lk(m_impl->mu);
  return m_impl->firstIndex;
}
Index SegmentedLog::lastIndex() const {
  std::lock_guard lk(m_impl->mu);
  return m_impl->lastIndex;
}
Index SegmentedLog::durableEnd() const {
  std::lock_guard lk(m_impl->mu);
  return m_impl->durableEnd;
}
Generation SegmentedLog::lastGeneration() const {
  std::lock_guard lk(m_impl->mu);
  return m_impl->runs.empty() ? 0 : m_impl->runs.back().generation;
}
std::uint64_t SegmentedLog::bufferedBytes() const {
  std::lock_guard lk(m_impl->mu);
  return m_impl->pendingBytes + m_impl->inflightBytes;
}
std::uint64_t SegmentedLog::bufferedBytesHint() const {
  return m_impl->bufferedHint.load(std::memory_order_relaxed);
}
std::uint64_t SegmentedLog::bufferCapacityBytes() const {
  std::lock_guard lk(m_impl->mu);
  std::uint64_t n = 0;
  for (const auto& sp : m_impl->segs) n += sp->pending.capacity() + sp->inflight.capacity();
  for (const std::string& b : m_impl->spareBuffers) n += b.capacity();
  return n;
}
const std::string& SegmentedLog::dir() const { return m_impl->dir; }
const LogOptions& SegmentedLog::options() const { return m_impl->opt; }
Status SegmentedLog::health() const {
  std::lock_guard lk(m_impl->mu);
  return m_impl->failure;
}
std::uint64_t SegmentedLog::flushCount() const {
  std::lock_guard lk(m_impl->mu);
  return m_impl->flushRounds;
}

std::vector<SegmentInfo> SegmentedLog::segments() const {
  std::lock_guard lk(m_impl->mu);
  std::vector<SegmentInfo> out;
  out.reserve(m_impl->segs.size());
  for (const auto& s : m_impl->segs) {
    SegmentInfo i;
    i.fileName = s->name;
    i.firstIndex = s->firstIndex;
    i.lastIndex = s->lastIndex;
    i.bytes = s->bytes();
    i.durableBytes = s->created ? s->syncedBytes : 0;
    i.writtenBytes = s->created ? s->diskBytes : 0;
    i.sealed = s.get() != m_impl->segs.back().get();
    out.push_back(std::move(i));
  }
  return out;
}

void SegmentedLog::setDurableListener(std::function<void(Index)> listener) {
  std::lock_guard lk(m_impl->mu);
  m_impl->listener = std::move(listener);
}

Status SegmentedLog::waitDurable(Index index, std::int64_t timeoutMs) const {
  Impl& d = *m_impl;
  std::unique_lock lk(d.mu);
  if (d.durableEnd < index && d.failure.isOk()) {
    LogCore::DurableWaiter w;
    w.index = index;
    d.durableWaiters.push_back(&w);
    lk.unlock();
    std::uint32_t woken = w.flag.wait(timeoutMs);
    if (woken == LogCore::DurableWaiter::kDurable) return Status::ok();
    lk.lock();
    if (woken == 0 && std::erase(d.durableWaiters, &w) == 0) {
      // A waker took it off the list just as the time ran out: its set() is on the way, and
      // `w` must outlive it.
      lk.unlock();
      woken = w.flag.wait(-1);
      if (woken == LogCore::DurableWaiter::kDurable) return Status::ok();
      lk.lock();
    }
  }
  if (!d.failure.isOk()) return d.failure;
  if (d.durableEnd < index) {
    return Status::timeout("index " + std::to_string(index) + " not durable after " +
                           std::to_string(timeoutMs) + " ms (durable end " +
                           std::to_string(d.durableEnd) + ")");
  }
  return Status::ok();
}

}  // namespace qlab::wal
