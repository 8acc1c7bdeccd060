#pragma once
// The node's `meta` file: current generation and vote, written atomically (temp file, fsync,
// rename, fsync dir) before any message that depends on them is sent.
#include <string>

#include "core/common/status.h"
#include "core/replication/ready.h"
#include "core/wal/file_system.h"

namespace qlab::node {

// NotFound -> a fresh node (generation 0, no vote). Corruption names the file.
Result<replication::HardState> loadMeta(const wal::FileSystem& fs, const std::string& dataDir);
Status saveMeta(wal::FileSystem& fs, const std::string& dataDir, const replication::HardState& hs);

}  // namespace qlab::node
