// Fuzz target for the WAL record and segment decoders and the read-only log verifier.
//
// Input: byte 0 is a control byte; the rest is cut into segment files wherever the segment
// magic "QLABWAL1" starts (so a concatenation of real segment files is a real log), each
// file named by the first index its header claims (or the previous name + 1 when the header
// is unreadable). Bit 0 of the control byte recomputes every checksum first, so the fuzzer
// gets past the CRCs to the index, padding and continuity rules. Checked on every input:
// - decodeRecord and viewRecord agree; a valid record re-encodes to exactly its bytes and
//   has a plausible header; a valid segment header re-encodes to exactly its bytes;
// - verifyLog never changes a byte, and its verdict is recovery's: corruption exactly when
//   SegmentedLog::open refuses, otherwise the same records, last index and torn tail;
// - the visitor sees exactly the valid records, in index order.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/assert.h"
#include "core/common/coding.h"
#include "core/common/crc32c.h"
#include "core/wal/format.h"
#include "core/wal/log_verifier.h"
#include "core/wal/mem_file_system.h"
#include "core/wal/record_codec.h"
#include "core/wal/segmented_log.h"

using namespace qlab;
using namespace qlab::wal;

namespace {

const std::string kDir = "wal";
constexpr std::string_view kMagic(format::kSegmentMagic, sizeof format::kSegmentMagic);

void checkRecordDecoders(std::string_view in) {
  const RecordView v = viewRecord(in);
  const DecodedRecord d = decodeRecord(in);
  QLAB_ASSERT(v.outcome == d.outcome);
  QLAB_ASSERT(v.storedCrc == d.storedCrc);
  if (v.outcome == DecodeOutcome::kOk) {
    QLAB_ASSERT(d.bytes == v.bytes && v.bytes <= in.size());
    QLAB_ASSERT(plausibleRecordHeader(in));
    QLAB_ASSERT(d.entry == toEntry(v));
    std::string again;
    encodeRecord(d.entry, again);
    QLAB_ASSERT(again == in.substr(0, v.bytes));
  }
  Result<Index> h = decodeSegmentHeader(in);
  if (h.isOk()) QLAB_ASSERT(encodeSegmentHeader(*h) == in.substr(0, format::kSegmentHeaderBytes));
}

// Makes every plausible record's checksum (and the segment header's) right.
void repairChecksums(std::string& f) {
  if (f.size() >= format::kSegmentHeaderBytes && f.compare(0, kMagic.size(), kMagic) == 0) {
    coding::encodeFixed32(f.data() + 24, crc32c::mask(crc32c::value(f.data(), 24)));
  }
  std::size_t off = format::kSegmentHeaderBytes;
  while (off + format::kRecordHeaderBytes <= f.size()) {
    const std::string_view rest = std::string_view(f).substr(off);
    if (!plausibleRecordHeader(rest)) {
      off += format::kAlignment;
      continue;
    }
    const std::uint32_t len = coding::decodeFixed32(f.data() + off + format::kLengthOffset);
    if (off + format::kRecordHeaderBytes + len > f.size()) break;
    const std::uint32_t crc = crc32c::value(f.data() + off + format::kLengthOffset, format::kRecordHeaderBytes - 4 + len);
    coding::encodeFixed32(f.data() + off, crc32c::mask(crc));
    off += format::recordBytes(len);
  }
}

// The input's files: split at each segment magic (the first piece, if any, is a file too).
std::vector<std::string> splitFiles(std::string_view data) {
  std::vector<std::string> files;
  std::size_t start = 0;
  while (start < data.size() && files.size() < 4) {
    std::size_t next = data.find(kMagic, start + 1);
    if (next == std::string_view::npos || files.size() == 3) next = data.size();
    files.emplace_back(data.substr(start, next - start));
    start = next;
  }
  return files;
}

// Writes the files into `fs` under names from their headers; returns how many it wrote.
int plantLog(MemFileSystem& fs, const std::vector<std::string>& files) {
  (void)fs.createDirs(kDir);
  Index name = 0;
  int written = 0;
  for (const std::string& f : files) {
    Result<Index> h = decodeSegmentHeader(f);
    name = h.isOk() ? *h : name + 1;
    const std::string path = joinPath(kDir, segmentFileName(name));
    if (name == 0 || fs.exists(path)) continue;
    fs.setContents(path, f);
    ++written;
  }
  return written;
}

void checkVerifierAgainstRecovery(MemFileSystem& fs) {
  std::vector<std::pair<std::string, std::string>> before;
  const Result<std::vector<std::string>> names = fs.list(kDir);
  QLAB_ASSERT(names.isOk());
  for (const std::string& n : *names) before.emplace_back(n, fs.contents(joinPath(kDir, n)));

  std::uint64_t visited = 0;
  Index lastVisited = 0;
  Result<LogCheck> checked = verifyLog(fs, kDir, {}, [&](const RecordView& v) {
    QLAB_ASSERT(v.outcome == DecodeOutcome::kOk);
    QLAB_ASSERT(visited == 0 || v.index == lastVisited + 1);
    ++visited;
    lastVisited = v.index;
    return true;
  });
  QLAB_ASSERT(checked.isOk());
  const LogCheck& c = *checked;
  for (const auto& [n, bytes] : before) QLAB_ASSERT(fs.contents(joinPath(kDir, n)) == bytes);
  if (!c.corrupt) QLAB_ASSERT(visited == c.records);

  MemFileSystem copy;
  (void)copy.createDirs(kDir);
  for (const auto& [n, bytes] : before) copy.setContents(joinPath(kDir, n), bytes);
  LogOptions opt;
  opt.segmentBytes = 4096;
  RecoveryReport rep;
  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::open(copy, kDir, opt, &rep);
  if (c.corrupt) {
    QLAB_ASSERT(!log.isOk() && log.status().code() == Status::Code::kCorruption);
    return;
  }
  QLAB_ASSERT(log.isOk());
  QLAB_ASSERT(rep.records == c.records);
  QLAB_ASSERT(rep.truncatedTornTail == c.tornTail);
  if (c.records > 0) QLAB_ASSERT((*log)->lastIndex() == c.lastIndex && (*log)->firstIndex() == c.firstIndex);
  for (const SegmentCheck& s : c.segments) {
    if (s.status == SegmentStatus::kTornTail) QLAB_ASSERT(rep.tornFile == s.fileName && rep.tornOffset == s.problemOffset);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto control = static_cast<std::uint8_t>(input[0]);
  const std::string_view rest = input.substr(1);

  checkRecordDecoders(rest);
  std::vector<std::string> files = splitFiles(rest);
  for (std::string& f : files) {
    if (control & 1) repairChecksums(f);
    if (f.size() > format::kSegmentHeaderBytes) checkRecordDecoders(std::string_view(f).substr(format::kSegmentHeaderBytes));
  }
  MemFileSystem fs;
  if (plantLog(fs, files) > 0) checkVerifierAgainstRecovery(fs);
  return 0;
}
