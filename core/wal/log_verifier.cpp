// verifyLog: recovery's rules (docs/wal-format.md, log_recovery.cpp) as findings instead of
// actions. The scanning primitives are recovery's own (segment_scan.h), so both read the
// same bytes the same way; tests and the fuzzer check that they also reach the same verdict.
#include "core/wal/log_verifier.h"

#include "core/wal/format.h"
#include "core/wal/segment_scan.h"

namespace qlab::wal {

const char* segmentStatusName(SegmentStatus s) {
  switch (s) {
    case SegmentStatus::kOk: return "ok";
    case SegmentStatus::kTornTail: return "torn_tail";
    case SegmentStatus::kHalfCreated: return "half_created";
    case SegmentStatus::kCorrupt: return "corrupt";
    case SegmentStatus::kVanished: return "vanished";
    case SegmentStatus::kSkipped: return "skipped";
  }
  return "unknown";
}

namespace {

class Verifier {
 public:
  Verifier(FileSystem& fs, const std::string& dir, const VerifyOptions& o, const RecordVisitor& v,
           LogCheck& out)
      : m_fs(fs), m_dir(dir), m_opt(o), m_visit(v), m_out(out) {}

  Status run() {
    Result<std::vector<NamedSegment>> listed = listSegmentFiles(m_fs, m_dir, &m_out.notes);
    if (!listed.isOk()) return listed.status();
    const std::vector<NamedSegment>& names = *listed;
    std::vector<SegmentCheck> tail;
    Result<std::size_t> effective = checkTail(names, &tail);
    if (!effective.isOk()) return effective.status();
    for (std::size_t i = 0; i < *effective; ++i) {
      SegmentCheck c = checkFor(names[i]);
      const bool below = i + 1 < names.size() && names[i + 1].first <= m_opt.fromIndex;
      if (m_stopped || below || c.firstIndex > m_opt.toIndex) {
        c.status = SegmentStatus::kSkipped;
        m_expectNext = 0;  // continuity cannot be judged across an unread segment
        m_out.complete = false;
      } else {
        QLAB_RETURN_IF_ERROR(checkSegment(c, i + 1 == *effective));
      }
      m_out.segments.push_back(std::move(c));
    }
    for (auto it = tail.rbegin(); it != tail.rend(); ++it) {  // tail is newest first
      SegmentCheck& c = *it;
      if (m_stopped && c.status != SegmentStatus::kCorrupt) c.status = SegmentStatus::kSkipped;
      m_out.segments.push_back(std::move(c));
    }
    return Status::ok();
  }

 private:
  // Rule 1 from the end: trailing segments with an invalid header and no valid record after
  // it are half-created (recovery removes them). Returns how many segments come before them;
  // `tail` gets their checks, newest first.
  Result<std::size_t> checkTail(const std::vector<NamedSegment>& names, std::vector<SegmentCheck>* tail) {
    std::size_t n = names.size();
    while (n > 0) {
      SegmentCheck c = checkFor(names[n - 1]);
      Result<std::unique_ptr<File>> f = openSegment(c);
      if (!f.isOk()) return f.status();
      if (*f) {
        BlockReader br(**f, c.bytes);
        Result<std::string_view> head = br.get(0, format::kSegmentHeaderBytes);
        if (!head.isOk()) return head.status();
        Result<Index> hdr = decodeSegmentHeader(*head);
        if (hdr.isOk()) break;
        Result<std::optional<FoundRecord>> later = findValidRecord(br, format::kSegmentHeaderBytes, 0);
        if (!later.isOk()) return later.status();
        if (later->has_value()) {
          markCorrupt(c, 0, hdr.status().message() + ", but a valid record (index " +
                                std::to_string((*later)->index) + ") follows at byte " +
                                std::to_string((*later)->offset));
          tail->push_back(std::move(c));
          return n - 1;
        }
        c.status = SegmentStatus::kHalfCreated;
        c.reason = hdr.status().message() +
                   " and no record follows: a crash while it was created; recovery removes it";
      }
      tail->push_back(std::move(c));
      --n;
    }
    return n;
  }

  static SegmentCheck checkFor(const NamedSegment& ns) {
    SegmentCheck c;
    c.fileName = ns.name;
    c.firstIndex = ns.first;
    c.lastIndex = ns.first - 1;
    return c;
  }

  // The segment's file opened for reading with c.bytes set to its size now; null if it
  // vanished since the listing (marked so).
  Result<std::unique_ptr<File>> openSegment(SegmentCheck& c) {
    Result<std::unique_ptr<File>> f = m_fs.open(joinPath(m_dir, c.fileName), OpenMode::kRead);
    if (!f.isOk() && f.status().code() == Status::Code::kNotFound) {
      markVanished(c);
      return std::unique_ptr<File>();
    }
    if (!f.isOk()) return f.status();
    Result<std::uint64_t> size = (*f)->size();
    if (!size.isOk()) return size.status();
    c.bytes = *size;
    return f;
  }

  Status checkSegment(SegmentCheck& c, bool isLast) {
    Result<std::unique_ptr<File>> f = openSegment(c);
    if (!f.isOk()) return f.status();
    if (!*f) return Status::ok();
    m_out.bytes += c.bytes;
    if (m_expectNext != 0 && c.firstIndex != m_expectNext) {
      const std::string prev = m_out.segments.back().fileName;
      if (c.firstIndex > m_expectNext) {
        markCorrupt(c, 0, "gap in the log: " + prev + " ends at index " + std::to_string(m_expectNext - 1) +
                              ", so indexes " + std::to_string(m_expectNext) + ".." +
                              std::to_string(c.firstIndex - 1) + " are missing (was a segment file deleted?)");
      } else {
        markCorrupt(c, 0, "overlapping segments: " + prev + " ends at index " +
                              std::to_string(m_expectNext - 1) + " but this segment starts at " +
                              std::to_string(c.firstIndex) + " (a segment of another log copied in?)");
      }
      return Status::ok();
    }
    BlockReader br(**f, c.bytes);
    Result<std::string_view> head = br.get(0, format::kSegmentHeaderBytes);
    if (!head.isOk()) return head.status();
    Result<Index> hdr = decodeSegmentHeader(*head);
    if (!hdr.isOk()) {
      markCorrupt(c, 0, hdr.status().message());
      return Status::ok();
    }
    if (*hdr != c.firstIndex) {
      markCorrupt(c, 0, "the header says first index " + std::to_string(*hdr) + " but the file name says " +
                            std::to_string(c.firstIndex));
      return Status::ok();
    }
    return checkRecords(c, br, isLast);
  }

  // Rules 3-5: every record in order; a bad one is corruption, or a torn tail at the end of
  // the last segment when no valid record follows it.
  Status checkRecords(SegmentCheck& c, BlockReader& br, bool isLast) {
    std::uint64_t off = format::kSegmentHeaderBytes;
    c.validBytes = off;
    while (off < br.size() && !m_stopped) {
      Result<RecordView> v = recordAt(br, off);
      if (!v.isOk()) return v.status();
      if (v->outcome == DecodeOutcome::kOk) {
        if (v->index != c.lastIndex + 1) {
          markCorrupt(c, off, "record has index " + std::to_string(v->index) + ", expected " +
                                  std::to_string(c.lastIndex + 1));
          return Status::ok();
        }
        c.lastIndex = v->index;
        ++c.records;
        off += v->bytes;
        c.validBytes = off;
        noteRecord(*v);
        continue;
      }
      const std::string problem = recordProblem(*v);
      if (!isLast) {
        markCorrupt(c, off, problem + " in a sealed segment (every record before index " +
                                std::to_string(c.lastIndex + 1) + " is intact)");
        return Status::ok();
      }
      Result<std::optional<FoundRecord>> later = findValidRecord(br, off + format::kAlignment, c.lastIndex);
      if (!later.isOk()) return later.status();
      if (later->has_value()) {
        markCorrupt(c, off, problem + ", but a valid record (index " + std::to_string((*later)->index) +
                                ") follows at byte " + std::to_string((*later)->offset) +
                                ": damage in the middle of the log, not a torn tail");
        return Status::ok();
      }
      c.status = SegmentStatus::kTornTail;
      c.problemOffset = off;
      c.reason = problem + ": a write cut short; recovery cuts the last " +
                 std::to_string(br.size() - off) + " bytes";
      m_out.tornTail = true;
      break;
    }
    m_expectNext = c.lastIndex + 1;
    return Status::ok();
  }

  void noteRecord(const RecordView& v) {
    if (m_out.records == 0) m_out.firstIndex = v.index;
    ++m_out.records;
    m_out.lastIndex = v.index;
    if (v.index < m_opt.fromIndex) return;
    if (m_visit && !m_out.corrupt && !m_visit(v)) stop();
    if (v.index >= m_opt.toIndex) stop();
  }

  void markCorrupt(SegmentCheck& c, std::uint64_t offset, std::string reason) {
    c.status = SegmentStatus::kCorrupt;
    c.problemOffset = offset;
    c.reason = std::move(reason);
    if (!m_out.corrupt) {
      m_out.corrupt = true;
      m_out.corruption = c.fileName + " at byte " + std::to_string(offset) + ": " + c.reason;
    }
    m_expectNext = 0;
    if (m_opt.stopAtCorruption) stop();
  }

  void markVanished(SegmentCheck& c) {
    c.status = SegmentStatus::kVanished;
    c.reason = "removed after the directory was listed (a live log's cleanup or truncation)";
    m_out.notes.push_back(c.fileName + ": " + c.reason);
    m_expectNext = 0;
  }

  void stop() {
    m_stopped = true;
    m_out.complete = false;
  }

  FileSystem& m_fs;
  const std::string& m_dir;
  const VerifyOptions& m_opt;
  const RecordVisitor& m_visit;
  LogCheck& m_out;
  Index m_expectNext = 0;  // the index the next segment must start at; 0 = unknown
  bool m_stopped = false;
};

}  // namespace

Result<LogCheck> verifyLog(FileSystem& fs, const std::string& dir, const VerifyOptions& options,
                           const RecordVisitor& visit) {
  LogCheck out;
  out.dir = dir;
  Verifier v(fs, dir, options, visit, out);
  QLAB_RETURN_IF_ERROR(v.run());
  return out;
}

}  // namespace qlab::wal
