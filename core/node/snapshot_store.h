#pragma once
// The node's `snapshots/` folder: KV snapshots named by their last included index
// ("00000000000000001000.snap"), each written atomically, plus the one snapshot being
// received from a leader ("incoming.part"). Keeps the newest two; the newest is cached in
// memory because a leader reads it in chunks for followers that fell below its LWM.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/common/status.h"
#include "core/replication/storage.h"
#include "core/wal/file_system.h"

namespace qlab::node {

class SnapshotStore {
 public:
  SnapshotStore(wal::FileSystem& fs, std::string dataDir);

  // Finds the newest snapshot that reads back intact. Damaged newer ones are reported in
  // `notes` and skipped; none at all gives the empty state at index 0.
  Status load(std::vector<std::string>* notes);
  const replication::SnapshotMeta& latest() const { return m_meta; }
  const std::string& latestBytes() const { return m_bytes; }

  // Writes a new snapshot (the encoded KV state at meta.index) and prunes old ones.
  Status save(replication::SnapshotMeta meta, std::string bytes);
  Result<std::string> chunk(const replication::SnapshotMeta& meta, std::uint64_t offset,
                            std::size_t maxBytes) const;

  // Receiving: offset 0 starts a new incoming file; chunks must arrive in order.
  Status writeIncoming(std::uint64_t offset, const std::string& data);
  Result<std::string> readIncoming() const;
  void discardIncoming();

  std::vector<std::string> fileNames() const;
  static std::string fileName(Index index);

 private:
  std::string dir() const;
  wal::FileSystem& m_fs;
  std::string m_dataDir;
  replication::SnapshotMeta m_meta;
  std::string m_bytes;
  std::unique_ptr<wal::File> m_incoming;
};

}  // namespace qlab::node
