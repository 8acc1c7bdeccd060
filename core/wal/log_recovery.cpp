// SegmentedLog::open: recovery exactly as docs/wal-format.md "Recovery rules" says. Every
// record is verified; files are read in 1 MiB blocks and records are checked in place
// (viewRecord), so recovery runs at memory speed from the page cache.
#include <algorithm>

#include "core/common/coding.h"
#include "core/wal/log_internal.h"

namespace qlab::wal {
namespace {

constexpr std::size_t kRecoveryBlockBytes = 1u << 20;

// Views of a file's bytes through one reusable block buffer.
class BlockReader {
 public:
  BlockReader(const File& f, std::uint64_t size) : m_file(f), m_size(size) {}
  std::uint64_t size() const { return m_size; }
  // Bytes [offset, offset + n), clipped at the end of the file.
  Result<std::string_view> get(std::uint64_t offset, std::size_t n) {
    if (offset >= m_size) return std::string_view();
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, m_size - offset));
    if (offset < m_start || offset + n > m_start + m_buf.size()) {
      const std::size_t len = static_cast<std::size_t>(
          std::min<std::uint64_t>(m_size - offset, std::max(n, kRecoveryBlockBytes)));
      m_buf.resize(len);
      QLAB_RETURN_IF_ERROR(readExact(m_file, offset, m_buf.data(), len));
      m_start = offset;
    }
    return std::string_view(m_buf.data() + (offset - m_start), n);
  }

 private:
  const File& m_file;
  std::uint64_t m_size;
  std::string m_buf;
  std::uint64_t m_start = 0;
};

// The record at `offset`: reads the header, then the whole record if its length is sane.
Result<RecordView> recordAt(BlockReader& br, std::uint64_t offset) {
  Result<std::string_view> head = br.get(offset, format::kRecordHeaderBytes);
  if (!head.isOk()) return head.status();
  std::size_t need = format::kRecordHeaderBytes;
  if (head->size() == format::kRecordHeaderBytes) {
    const std::uint32_t len = coding::decodeFixed32(head->data() + format::kLengthOffset);
    if (len <= format::kMaxPayloadBytes) need = format::recordBytes(len);
  }
  Result<std::string_view> all = br.get(offset, need);
  if (!all.isOk()) return all.status();
  return viewRecord(*all);
}

struct Found {
  std::uint64_t offset = 0;
  Index index = 0;
};

// The first valid record with a plausible header and an index above `lastGood` at an
// aligned offset >= from, if any.
Result<std::optional<Found>> findValidRecord(BlockReader& br, std::uint64_t from, Index lastGood) {
  for (std::uint64_t p = format::alignUp(static_cast<std::size_t>(from));
       p + format::kRecordHeaderBytes <= br.size(); p += format::kAlignment) {
    Result<std::string_view> head = br.get(p, format::kRecordHeaderBytes);
    if (!head.isOk()) return head.status();
    if (!plausibleRecordHeader(*head)) continue;
    const Index idx = coding::decodeFixed64(head->data() + format::kIndexOffset);
    const std::uint32_t len = coding::decodeFixed32(head->data() + format::kLengthOffset);
    if (idx <= lastGood || p + format::recordBytes(len) > br.size()) continue;
    Result<RecordView> v = recordAt(br, p);
    if (!v.isOk()) return v.status();
    if (v->outcome == DecodeOutcome::kOk) return std::optional<Found>(Found{p, idx});
  }
  return std::optional<Found>();
}

struct NamedSegment {
  Index first = 0;
  std::string name;
};

}  // namespace

namespace {

// Rule 1: a last segment whose header never became durable, with no records, is removed.
Status removeHalfCreatedTail(FileSystem& fs, const std::string& dir, std::vector<NamedSegment>& names,
                             RecoveryReport& rep, Index* removedFirst) {
  while (!names.empty()) {
    const std::string path = joinPath(dir, names.back().name);
    Result<std::unique_ptr<File>> f = fs.open(path, OpenMode::kRead);
    if (!f.isOk()) return f.status();
    Result<std::uint64_t> size = (*f)->size();
    if (!size.isOk()) return size.status();
    BlockReader br(**f, *size);
    Result<std::string_view> head = br.get(0, format::kSegmentHeaderBytes);
    if (!head.isOk()) return head.status();
    Result<Index> hdr = decodeSegmentHeader(*head);
    if (hdr.isOk()) return Status::ok();
    Result<std::optional<Found>> later = findValidRecord(br, format::kSegmentHeaderBytes, 0);
    if (!later.isOk()) return later.status();
    if (later->has_value()) {
      return Status::corruption(path + ": " + hdr.status().message() + ", but a valid record (index " +
                                std::to_string((*later)->index) + ") follows at byte " +
                                std::to_string((*later)->offset));
    }
    f->reset();
    QLAB_RETURN_IF_ERROR(fs.remove(path));
    QLAB_RETURN_IF_ERROR(fs.syncDir(dir));
    rep.notes.push_back("removed half-created segment " + names.back().name + " (" +
                        std::to_string(*size) + " bytes, " + hdr.status().message() +
                        "): a crash during its creation; it was never durable");
    *removedFirst = names.back().first;
    names.pop_back();
  }
  return Status::ok();
}

// Rules 2-5 for one segment: header, continuity, every record; the torn tail of the last.
Status scanSegment(LogCore& d, Segment& seg, File& f, bool isLast, RecoveryReport& rep) {
  Result<std::uint64_t> size = f.size();
  if (!size.isOk()) return size.status();
  BlockReader br(f, *size);
  Result<std::string_view> head = br.get(0, format::kSegmentHeaderBytes);
  if (!head.isOk()) return head.status();
  Result<Index> hdr = decodeSegmentHeader(*head);
  if (!hdr.isOk()) return Status::corruption(seg.path + ": " + hdr.status().message());
  if (*hdr != seg.firstIndex) {
    return Status::corruption(seg.path + ": the header says first index " + std::to_string(*hdr) +
                              " but the file name says " + std::to_string(seg.firstIndex));
  }
  std::uint64_t off = format::kSegmentHeaderBytes;
  while (off < *size) {
    Result<RecordView> v = recordAt(br, off);
    if (!v.isOk()) return v.status();
    if (v->outcome == DecodeOutcome::kOk) {
      if (v->index != seg.lastIndex + 1) {
        return Status::corruption(seg.path + " at byte " + std::to_string(off) + ": record has index " +
                                  std::to_string(v->index) + ", expected " +
                                  std::to_string(seg.lastIndex + 1));
      }
      d.noteRecord(seg, v->index, v->generation, off);
      seg.lastIndex = v->index;
      off += v->bytes;
      ++rep.records;
      continue;
    }
    const std::string where = describeBadRecord(seg.path, off, *v);
    if (!isLast) {
      return Status::corruption(where + " in sealed segment (every record before index " +
                                std::to_string(seg.lastIndex + 1) + " is intact)");
    }
    Result<std::optional<Found>> later = findValidRecord(br, off + format::kAlignment, seg.lastIndex);
    if (!later.isOk()) return later.status();
    if (later->has_value()) {
      return Status::corruption(where + ", but a valid record (index " + std::to_string((*later)->index) +
                                ") follows at byte " + std::to_string((*later)->offset) +
                                ": damage in the middle of the log, not a torn tail");
    }
    QLAB_RETURN_IF_ERROR(f.truncate(off));
    QLAB_RETURN_IF_ERROR(f.sync());
    rep.truncatedTornTail = true;
    rep.tornFile = seg.name;
    rep.tornOffset = off;
    rep.tornBytes = *size - off;
    break;
  }
  seg.diskBytes = off;
  seg.created = true;
  rep.bytes += off;
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<SegmentedLog>> SegmentedLog::open(FileSystem& fs, const std::string& dir,
                                                         const LogOptions& options,
                                                         RecoveryReport* report, Index startIndex) {
  if (options.segmentBytes < format::kSegmentHeaderBytes + format::kRecordHeaderBytes ||
      options.sparseIndexEveryBytes == 0 || startIndex == 0) {
    return Status::invalidArgument("opening the log in " + dir +
                                   ": segmentBytes must be >= 72, sparseIndexEveryBytes >= 1, "
                                   "startIndex >= 1");
  }
  RecoveryReport localReport;
  RecoveryReport& rep = report != nullptr ? *report : localReport;
  rep = RecoveryReport{};
  QLAB_RETURN_IF_ERROR(fs.createDirs(dir));
  Result<std::vector<std::string>> listing = fs.list(dir);
  if (!listing.isOk()) return listing.status();
  std::vector<NamedSegment> names;
  for (const std::string& n : *listing) {
    Index first = 0;
    if (parseSegmentFileName(n, &first)) {
      names.push_back({first, n});
    } else if (n.size() > 4 && n.compare(n.size() - 4, 4, format::kSegmentSuffix) == 0) {
      rep.notes.push_back("ignored " + n + ": not a segment name (20 digits + .wal)");
    }
  }
  std::sort(names.begin(), names.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  auto impl = std::make_unique<Impl>(fs, dir, options);
  Impl& d = *impl;
  Index removedFirst = 0;
  Status st = removeHalfCreatedTail(fs, dir, names, rep, &removedFirst);
  if (!st.isOk()) return st;
  if (names.empty()) {
    const Index first = removedFirst != 0 ? removedFirst : startIndex;
    auto seg = d.makeSegment(first);
    Result<std::unique_ptr<File>> f = d.createSegmentFile(seg->path, first);
    if (!f.isOk()) return f.status().withContext("creating the log in " + dir);
    seg->file = std::move(f).value();
    seg->created = true;
    d.segs.push_back(std::move(seg));
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    const bool isLast = i + 1 == names.size();
    auto seg = d.makeSegment(names[i].first);
    if (!d.segs.empty()) {
      const Segment& prev = *d.segs.back();
      if (seg->firstIndex > prev.lastIndex + 1) {
        return Status::corruption("gap in the log: " + prev.path + " ends at index " +
                                  std::to_string(prev.lastIndex) + " but the next segment " + seg->path +
                                  " starts at " + std::to_string(seg->firstIndex) + " (indexes " +
                                  std::to_string(prev.lastIndex + 1) + ".." +
                                  std::to_string(seg->firstIndex - 1) + " are missing: was a segment file deleted?)");
      }
      if (seg->firstIndex <= prev.lastIndex) {
        return Status::corruption("overlapping segments: " + prev.path + " ends at index " +
                                  std::to_string(prev.lastIndex) + " but the next segment " + seg->path +
                                  " starts at " + std::to_string(seg->firstIndex) +
                                  " (a segment file from another log was copied in?)");
      }
    }
    Result<std::unique_ptr<File>> f = fs.open(seg->path, isLast ? OpenMode::kAppend : OpenMode::kRead);
    if (!f.isOk()) return f.status();
    QLAB_RETURN_IF_ERROR(scanSegment(d, *seg, **f, isLast, rep));
    if (isLast) {
      // What a previous process left in the page cache becomes durable now.
      QLAB_RETURN_IF_ERROR((*f)->sync());
      seg->file = std::move(f).value();
    }
    d.segs.push_back(std::move(seg));
  }
  d.firstIndex = d.segs.front()->firstIndex;
  d.lastIndex = d.segs.back()->lastIndex;
  d.durableEnd = d.lastIndex;
  rep.segments = static_cast<int>(d.segs.size());
  rep.firstIndex = d.firstIndex;
  rep.lastIndex = d.lastIndex;
  return std::unique_ptr<SegmentedLog>(new SegmentedLog(std::move(impl)));
}

}  // namespace qlab::wal
