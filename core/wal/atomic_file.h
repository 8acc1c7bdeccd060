#pragma once
// Small files that must be all-old or all-new after a crash (the node's meta, KV snapshots):
// write a temp file, fsync it, rename over the target, fsync the directory. The content is
// framed with a magic, a length and a CRC32C, so a reader can tell a damaged file.
#include <string>
#include <string_view>

#include "core/common/status.h"
#include "core/wal/file_system.h"

namespace qlab::wal {

// Writes `payload` to `path` atomically. On any error the previous file (if any) is intact.
Status writeFileAtomically(FileSystem& fs, const std::string& path, std::string_view payload);
// Reads a file written by writeFileAtomically. kNotFound if absent, kCorruption (naming the
// file) if its frame or checksum is wrong.
Result<std::string> readAtomicFile(const FileSystem& fs, const std::string& path);

}  // namespace qlab::wal
