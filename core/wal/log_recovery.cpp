// SegmentedLog::open: recovery exactly as docs/wal-format.md "Recovery rules" says. Every
// record is verified; files are read in 1 MiB blocks and records are checked in place
// (viewRecord), so recovery runs at memory speed from the page cache.
#include <algorithm>

#include "core/wal/log_internal.h"
#include "core/wal/segment_scan.h"

namespace qlab::wal {
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
    Result<std::optional<FoundRecord>> later = findValidRecord(br, format::kSegmentHeaderBytes, 0);
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
    Result<std::optional<FoundRecord>> later = findValidRecord(br, off + format::kAlignment, seg.lastIndex);
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
  seg.syncedBytes = off;  // a sealed segment was synced before the next was created; the
                          // last one is synced by open() right after this scan
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
  Result<std::vector<NamedSegment>> listed = listSegmentFiles(fs, dir, &rep.notes);
  if (!listed.isOk()) return listed.status();
  std::vector<NamedSegment> names = std::move(listed).value();

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
  d.writtenEnd = d.lastIndex;
  rep.segments = static_cast<int>(d.segs.size());
  rep.firstIndex = d.firstIndex;
  rep.lastIndex = d.lastIndex;
  return std::unique_ptr<SegmentedLog>(new SegmentedLog(std::move(impl)));
}

}  // namespace qlab::wal
