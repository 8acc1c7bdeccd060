// Reads: the sparse index finds a record's neighbourhood, SegmentReader scans forward from
// it, through the file (pread, CRC-checked) or the in-memory batches. generationAt uses the
// run table only.
#include <algorithm>

#include "core/common/coding.h"
#include "core/wal/log_internal.h"
#include "core/wal/segment_scan.h"

namespace qlab::wal {
namespace {
// Bytes fetched per pread while scanning: a sparse-index step and then some.
constexpr std::size_t kReadWindowBytes = 32 * 1024;
}  // namespace

std::string describeBadRecord(const std::string& path, std::uint64_t offset, const RecordView& v) {
  return path + " at byte " + std::to_string(offset) + ": " + recordProblem(v);
}

Status SegmentReader::loadWindow(std::uint64_t offset, std::size_t n) {
  if (m_file == nullptr) {
    if (m_seg.file) {
      m_file = m_seg.file.get();
    } else {
      Result<std::unique_ptr<File>> f = m_log.fs.open(m_seg.path, OpenMode::kRead);
      if (!f.isOk()) return f.status();
      m_own = std::move(f).value();
      m_file = m_own.get();
    }
  }
  const std::uint64_t avail = m_seg.diskBytes - offset;
  const std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(avail, std::max(n, kReadWindowBytes)));
  m_window.resize(len);
  m_windowStart = offset;
  Result<std::size_t> got = m_file->readAt(offset, m_window.data(), len);
  if (!got.isOk()) return got.status();
  m_window.resize(*got);
  return Status::ok();
}

Status SegmentReader::at(std::uint64_t offset, RecordView* out) {
  if (offset >= m_seg.diskBytes) {
    std::uint64_t rel = offset - m_seg.diskBytes;
    std::string_view mem;
    if (rel < m_seg.inflight.size()) {
      mem = std::string_view(m_seg.inflight).substr(static_cast<std::size_t>(rel));
    } else {
      rel -= m_seg.inflight.size();
      QLAB_ASSERT(rel < m_seg.pending.size());
      mem = std::string_view(m_seg.pending).substr(static_cast<std::size_t>(rel));
    }
    *out = viewRecord(mem);
    QLAB_ASSERT_MSG(out->outcome == DecodeOutcome::kOk, "buffered WAL record damaged in memory");
    return Status::ok();
  }
  const std::uint64_t avail = m_seg.diskBytes - offset;
  auto covered = [&](std::size_t n) {
    return m_file != nullptr && offset >= m_windowStart && offset + n <= m_windowStart + m_window.size();
  };
  std::size_t need = static_cast<std::size_t>(std::min<std::uint64_t>(avail, format::kRecordHeaderBytes));
  if (!covered(need)) QLAB_RETURN_IF_ERROR(loadWindow(offset, need));
  if (offset + need <= m_windowStart + m_window.size() && need == format::kRecordHeaderBytes) {
    const std::uint32_t len = coding::decodeFixed32(m_window.data() + (offset - m_windowStart) + format::kLengthOffset);
    if (len <= format::kMaxPayloadBytes) {
      need = static_cast<std::size_t>(std::min<std::uint64_t>(avail, format::recordBytes(len)));
      if (!covered(need)) QLAB_RETURN_IF_ERROR(loadWindow(offset, need));
    }
  }
  const std::size_t from = static_cast<std::size_t>(offset - m_windowStart);
  std::string_view view(m_window.data() + from, std::min<std::size_t>(m_window.size() - from, static_cast<std::size_t>(avail)));
  *out = viewRecord(view);
  if (out->outcome != DecodeOutcome::kOk) {
    return Status::corruption(describeBadRecord(m_seg.path, offset, *out) +
                              " (the file changed or was damaged after the log was opened)");
  }
  return Status::ok();
}

Result<std::uint64_t> LogCore::offsetOf(const Segment& s, Index index) const {
  QLAB_ASSERT(index >= s.firstIndex && index <= s.lastIndex && !s.sparse.empty());
  auto it = std::upper_bound(s.sparse.begin(), s.sparse.end(), index,
                             [](Index i, const SparseEntry& e) { return i < e.index; });
  --it;
  SegmentReader r(*this, s);
  std::uint64_t off = it->offset;
  for (Index i = it->index; i < index; ++i) {
    RecordView v;
    QLAB_RETURN_IF_ERROR(r.at(off, &v));
    off += v.bytes;
  }
  return off;
}

Status SegmentedLog::read(Index from, Index to, std::size_t maxBytes, std::vector<Entry>* out) const {
  const Impl& d = *m_impl;
  std::lock_guard lk(d.mu);
  if (from < d.firstIndex || from > d.lastIndex) {
    return Status::notFound("index " + std::to_string(from) + " is not in the log (it holds " +
                            std::to_string(d.firstIndex) + ".." + std::to_string(d.lastIndex) + ")");
  }
  to = std::min(to, d.lastIndex);
  std::size_t payloadBytes = 0;
  bool first = true;
  Index idx = from;
  for (std::size_t slot = d.segmentSlot(from); idx <= to && slot < d.segs.size(); ++slot) {
    const Segment& s = *d.segs[slot];
    if (s.empty() || idx > s.lastIndex) continue;
    Result<std::uint64_t> start = d.offsetOf(s, idx);
    if (!start.isOk()) return start.status();
    std::uint64_t off = *start;
    SegmentReader r(d, s);
    for (; idx <= std::min(to, s.lastIndex); ++idx) {
      RecordView v;
      QLAB_RETURN_IF_ERROR(r.at(off, &v));
      QLAB_ASSERT(v.index == idx);
      // Always at least one entry; after that, stop before going over maxBytes.
      if (!first && payloadBytes + v.payload.size() > maxBytes) return Status::ok();
      out->push_back(toEntry(v));
      payloadBytes += v.payload.size();
      first = false;
      off += v.bytes;
    }
  }
  return Status::ok();
}

Result<Entry> SegmentedLog::read(Index index) const {
  std::vector<Entry> out;
  Status s = read(index, index, SIZE_MAX, &out);
  if (!s.isOk()) return s;
  return std::move(out.front());
}

std::optional<Generation> SegmentedLog::generationAt(Index index) const {
  const Impl& d = *m_impl;
  std::lock_guard lk(d.mu);
  if (index < d.firstIndex || index > d.lastIndex || d.runs.empty()) return std::nullopt;
  auto it = std::upper_bound(d.runs.begin(), d.runs.end(), index,
                             [](Index i, const GenerationRun& r) { return i < r.firstIndex; });
  QLAB_ASSERT(it != d.runs.begin());
  return std::prev(it)->generation;
}

Result<SegmentedLog::Location> SegmentedLog::locate(Index index) const {
  const Impl& d = *m_impl;
  std::lock_guard lk(d.mu);
  if (index < d.firstIndex || index > d.lastIndex) {
    return Status::notFound("index " + std::to_string(index) + " is not in the log");
  }
  const Segment& s = *d.segs[d.segmentSlot(index)];
  Result<std::uint64_t> off = d.offsetOf(s, index);
  if (!off.isOk()) return off.status();
  SegmentReader r(d, s);
  RecordView v;
  QLAB_RETURN_IF_ERROR(r.at(*off, &v));
  return Location{s.name, *off, v.bytes};
}

Result<std::string> SegmentedLog::rawRecord(Index index) const {
  const Impl& d = *m_impl;
  std::lock_guard lk(d.mu);
  if (index < d.firstIndex || index > d.lastIndex) {
    return Status::notFound("index " + std::to_string(index) + " is not in the log");
  }
  const Segment& s = *d.segs[d.segmentSlot(index)];
  Result<std::uint64_t> off = d.offsetOf(s, index);
  if (!off.isOk()) return off.status();
  SegmentReader r(d, s);
  RecordView v;
  QLAB_RETURN_IF_ERROR(r.at(*off, &v));
  // The view starts at the record; its encoded size covers header, payload and padding.
  const char* start = v.payload.data() - format::kRecordHeaderBytes;
  return std::string(start, v.bytes);
}

}  // namespace qlab::wal
