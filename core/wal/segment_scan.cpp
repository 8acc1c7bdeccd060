#include "core/wal/segment_scan.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "core/common/coding.h"
#include "core/wal/format.h"

namespace qlab::wal {
namespace {
constexpr std::size_t kBlockBytes = 1u << 20;
}  // namespace

Result<std::vector<NamedSegment>> listSegmentFiles(const FileSystem& fs, const std::string& dir,
                                                   std::vector<std::string>* notes) {
  Result<std::vector<std::string>> listing = fs.list(dir);
  if (!listing.isOk()) return listing.status();
  std::vector<NamedSegment> names;
  for (const std::string& n : *listing) {
    Index first = 0;
    if (parseSegmentFileName(n, &first)) {
      names.push_back({first, n});
    } else if (n.size() > 4 && n.compare(n.size() - 4, 4, format::kSegmentSuffix) == 0) {
      notes->push_back("ignored " + n + ": not a segment name (20 digits + .wal)");
    }
  }
  std::sort(names.begin(), names.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return names;
}

Result<std::string_view> BlockReader::get(std::uint64_t offset, std::size_t n) {
  if (offset >= m_size) return std::string_view();
  n = static_cast<std::size_t>(std::min<std::uint64_t>(n, m_size - offset));
  if (offset < m_start || offset + n > m_start + m_buf.size()) {
    const std::size_t len = static_cast<std::size_t>(
        std::min<std::uint64_t>(m_size - offset, std::max(n, kBlockBytes)));
    m_buf.resize(len);
    QLAB_RETURN_IF_ERROR(readExact(m_file, offset, m_buf.data(), len));
    m_start = offset;
  }
  return std::string_view(m_buf.data() + (offset - m_start), n);
}

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

Result<std::optional<FoundRecord>> findValidRecord(BlockReader& br, std::uint64_t from, Index lastGood) {
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
    if (v->outcome == DecodeOutcome::kOk) return std::optional<FoundRecord>(FoundRecord{p, idx});
  }
  return std::optional<FoundRecord>();
}

std::string recordProblem(const RecordView& v) {
  std::string msg = v.detail;
  if (v.outcome == DecodeOutcome::kBadChecksum) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " (stored 0x%08" PRIx32 ", computed 0x%08" PRIx32 ")", v.storedCrc,
                  v.computedCrc);
    msg += buf;
  }
  return msg;
}

}  // namespace qlab::wal
