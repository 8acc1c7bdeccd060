#include "ui/wal/record_reader.h"


#include <QFile>

#include "core/common/coding.h"
#include "core/wal/format.h"

namespace qlab::ui {

namespace {
constexpr std::uint64_t kReadBlock = 1u << 20;

// Reads [offset, offset + n) into out; fewer bytes at the end of the file.
bool readAt(QFile& f, std::uint64_t offset, std::uint64_t n, std::string& out) {
  out.resize(n);
  if (!f.seek(static_cast<qint64>(offset))) return false;
  const qint64 got = f.read(out.data(), static_cast<qint64>(n));
  if (got < 0) return false;
  out.resize(static_cast<std::size_t>(got));
  return true;
}
}  // namespace

Result<RecordBytes> readRecordBytes(const std::string& segmentPath, Index index) {
  QFile f(QString::fromStdString(segmentPath));
  if (!f.open(QIODevice::ReadOnly))
    return Status::notFound(segmentPath + ": " + f.errorString().toStdString());
  const auto size = static_cast<std::uint64_t>(f.size());
  std::string block;
  std::uint64_t blockStart = 0;
  std::uint64_t offset = wal::format::kSegmentHeaderBytes;
  // Scan headers block by block: one read per MiB, not one per record.
  while (offset + wal::format::kRecordHeaderBytes <= size) {
    if (offset < blockStart || offset + wal::format::kRecordHeaderBytes > blockStart + block.size()) {
      blockStart = offset;
      if (!readAt(f, blockStart, kReadBlock, block))
        return Status::ioError(segmentPath + ": " + f.errorString().toStdString());
    }
    const char* h = block.data() + (offset - blockStart);
    const std::uint32_t length = coding::decodeFixed32(h + wal::format::kLengthOffset);
    const Index at = coding::decodeFixed64(h + wal::format::kIndexOffset);
    if (length > wal::format::kMaxPayloadBytes || at == 0) break;  // torn or damaged: stop
    const std::uint64_t recordBytes = wal::format::recordBytes(length);
    if (at == index) {
      RecordBytes r;
      r.file = segmentPath;
      r.offset = offset;
      if (!readAt(f, offset, std::min(recordBytes, size - offset), r.bytes))
        return Status::ioError(segmentPath + ": " + f.errorString().toStdString());
      r.decoded = wal::decodeRecord(r.bytes);
      return r;
    }
    if (at > index) break;
    offset += recordBytes;
  }
  return Status::notFound("index " + std::to_string(index) + " is not in " + segmentPath);
}

}  // namespace qlab::ui
