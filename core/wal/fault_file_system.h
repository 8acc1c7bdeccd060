#pragma once
// FaultFileSystem wraps another FileSystem and makes it misbehave on purpose, the way real
// disks do: it remembers what has been synced (file bytes after File::sync, directory entries
// after syncDir) so that powerLoss() can throw away everything else, optionally tearing the
// last unsynced write at a random byte or zeroing its sectors. It can also fail fsync with
// EIO, fail writes with ENOSPC beyond a capacity, make short writes and add latency.
// Deterministic: every random choice comes from the seed.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/common/random.h"
#include "core/wal/file_system.h"

namespace qlab::wal {

struct FaultConfig {
  double fsyncEioProbability = 0;   // each File::sync / syncDir fails with EIO
  double shortWriteProbability = 0; // an append writes only a random prefix (>= 1 byte)
  std::uint64_t capacityBytes = 0;  // 0 = unlimited; beyond it appends fail with ENOSPC
  std::int64_t latencyUs = 0;       // sleep added to each sync (real time; 0 in simulation)
};

enum class PowerLossMode {
  kDropUnsynced,  // every byte and directory change not yet synced is gone
  kTornWrite,     // as above, but a random prefix of the last unsynced write survives
  kZeroedTail,    // as kTornWrite, and the surviving torn bytes read back as zeros
};

class FaultFileSystem final : public FileSystem {
 public:
  // `base` must outlive this object.
  FaultFileSystem(FileSystem& base, std::uint64_t seed);
  ~FaultFileSystem() override;

  void setConfig(const FaultConfig& c);
  FaultConfig config() const;
  // Arm one-shot faults: the next `n` syncs fail with EIO / the next `n` appends hit ENOSPC.
  void failNextSyncs(int n);
  void failNextAppends(int n);
  // Called before every mutating operation with a short description ("append wal/x.wal",
  // "sync", "rename a b", "remove f", "syncdir d"); returning true makes a power loss happen
  // right before that operation (the operation then fails with kAborted). Lets tests crash
  // "around create/rename/delete" at every step.
  void setCrashPoint(std::function<bool(const std::string& op)> hook);
  // The kind of power loss a crash point causes (default kDropUnsynced).
  void setCrashMode(PowerLossMode mode);

  // Simulated power loss: all open File handles become dead (every call fails with kAborted),
  // and the base file system is rolled back to what was synced. Unsynced creates vanish,
  // unsynced renames and removes are undone.
  void powerLoss(PowerLossMode mode);
  // Number of power losses so far (tests print it with the seed).
  int powerLosses() const;

  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override;
  Status createDirs(const std::string& path) override;
  Result<std::vector<std::string>> list(const std::string& dir) const override;
  Status remove(const std::string& path) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status syncDir(const std::string& dir) override;
  bool exists(const std::string& path) const override;
  Result<std::uint64_t> fileSize(const std::string& path) const override;

  struct State;  // shared with open File handles

 private:
  std::shared_ptr<State> m_state;
};

}  // namespace qlab::wal
