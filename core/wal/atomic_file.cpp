#include "core/wal/atomic_file.h"

#include <cstring>

#include "core/common/coding.h"
#include "core/common/crc32c.h"

namespace qlab::wal {
namespace {

// Frame (docs/wal-format.md, "Atomic files"): magic, u64 length, u32 masked CRC32C of the
// length field and the payload, u32 reserved zero, payload.
constexpr char kMagic[8] = {'Q', 'L', 'A', 'B', 'A', 'T', 'F', '1'};
constexpr std::size_t kFrameHeaderBytes = 24;

std::uint32_t frameCrc(const char* lengthField, std::string_view payload) {
  std::uint32_t crc = crc32c::extend(0, lengthField, 8);
  crc = crc32c::extend(crc, payload.data(), payload.size());
  return crc32c::mask(crc);
}

std::string parentDir(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Status writeFileAtomically(FileSystem& fs, const std::string& path, std::string_view payload) {
  const std::string tmp = path + ".tmp";
  char header[kFrameHeaderBytes] = {};
  std::memcpy(header, kMagic, sizeof kMagic);
  coding::encodeFixed64(header + 8, payload.size());
  coding::encodeFixed32(header + 16, frameCrc(header + 8, payload));

  Status s;
  {
    Result<std::unique_ptr<File>> f = fs.open(tmp, OpenMode::kCreateOrTruncate);
    if (!f.isOk()) return f.status().withContext("writing " + path);
    s = writeAll(**f, std::string_view(header, sizeof header));
    if (s.isOk()) s = writeAll(**f, payload);
    if (s.isOk()) s = (*f)->sync();
  }
  if (s.isOk()) s = fs.rename(tmp, path);
  if (!s.isOk()) {
    (void)fs.remove(tmp);  // best effort: a leftover .tmp is ignored by readers anyway
    return s.withContext("writing " + path);
  }
  s = fs.syncDir(parentDir(path));
  if (!s.isOk()) return s.withContext("writing " + path);
  return Status::ok();
}

Result<std::string> readAtomicFile(const FileSystem& fs, const std::string& path) {
  if (!fs.exists(path)) return Status::notFound(path + ": no such file");
  Result<std::unique_ptr<File>> f = const_cast<FileSystem&>(fs).open(path, OpenMode::kRead);
  if (!f.isOk()) return f.status();
  Result<std::uint64_t> size = (*f)->size();
  if (!size.isOk()) return size.status();
  if (*size < kFrameHeaderBytes) {
    return Status::corruption(path + ": file is cut short (" + std::to_string(*size) +
                              " bytes, the frame header alone is " +
                              std::to_string(kFrameHeaderBytes) + ")");
  }
  char header[kFrameHeaderBytes];
  QLAB_RETURN_IF_ERROR(readExact(**f, 0, header, sizeof header));
  if (std::memcmp(header, kMagic, sizeof kMagic) != 0) {
    return Status::corruption(path + ": bad magic (not written by writeFileAtomically)");
  }
  const std::uint64_t length = coding::decodeFixed64(header + 8);
  if (length != *size - kFrameHeaderBytes) {
    return Status::corruption(path + ": frame says " + std::to_string(length) +
                              " payload bytes but the file holds " +
                              std::to_string(*size - kFrameHeaderBytes));
  }
  if (coding::decodeFixed32(header + 20) != 0) {
    return Status::corruption(path + ": nonzero reserved bytes in the frame header");
  }
  std::string payload(static_cast<std::size_t>(length), '\0');
  QLAB_RETURN_IF_ERROR(readExact(**f, kFrameHeaderBytes, payload.data(), payload.size()));
  if (coding::decodeFixed32(header + 16) != frameCrc(header + 8, payload)) {
    return Status::corruption(path + ": checksum mismatch (the file is damaged)");
  }
  return payload;
}

}  // namespace qlab::wal
