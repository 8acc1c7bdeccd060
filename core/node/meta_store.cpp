#include "core/node/meta_store.h"

#include "core/common/coding.h"
#include "core/wal/atomic_file.h"

namespace qlab::node {

namespace {
constexpr std::uint8_t kMetaVersion = 1;
std::string metaPath(const std::string& dataDir) { return wal::joinPath(dataDir, "meta"); }
}  // namespace

Result<replication::HardState> loadMeta(const wal::FileSystem& fs, const std::string& dataDir) {
  auto bytes = wal::readAtomicFile(fs, metaPath(dataDir));
  if (!bytes.isOk()) {
    if (bytes.status().code() == Status::Code::kNotFound) return replication::HardState{};
    return bytes.status();
  }
  coding::Reader r(*bytes);
  std::uint8_t version = r.u8();
  replication::HardState hs;
  hs.generation = r.u64();
  hs.votedFor = r.u32();
  if (!r.ok() || !r.atEnd() || version != kMetaVersion)
    return Status::corruption(metaPath(dataDir) + ": unexpected content (version " +
                              std::to_string(version) + "); restore it from a backup or delete the node's data directory");
  return hs;
}

Status saveMeta(wal::FileSystem& fs, const std::string& dataDir, const replication::HardState& hs) {
  std::string out;
  coding::putFixed8(out, kMetaVersion);
  coding::putFixed64(out, hs.generation);
  coding::putFixed32(out, hs.votedFor);
  return wal::writeFileAtomically(fs, metaPath(dataDir), out);
}

}  // namespace qlab::node
