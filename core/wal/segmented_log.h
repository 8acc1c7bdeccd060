#pragma once
// SegmentedLog: the write-ahead log of one node, split into segment files named by their
// first index. Records are appended to a user-space buffer and become durable only when
// flush() writes the buffer and fdatasyncs it; durableEnd() is the last index covered by a
// completed flush. writeOut() hands the buffer to the OS without the fdatasync: those
// records survive the process dying (they are in the page cache) but not a power loss, and
// writtenEnd() (>= durableEnd()) is the last of them. Reads go through a sparse in-memory
// index (never the whole log in memory).
//
// Thread safety: every method may be called from any thread; one internal mutex guards the
// state, and flush()/writeOut() release it while they do I/O, so appends, reads and
// truncations on the node thread go on while a flusher thread syncs (group commit). Methods
// that must see the flush finish (truncateAfter, removeBefore, resetTo, simulatePowerLoss,
// simulateCrash) wait for it.
//
// Errors: a failed fsync latches the log as failed (health() != ok): it never again claims
// durability and every later append/flush fails with kFailed. ENOSPC fails the flush with
// kNoSpace and keeps the buffer: what was durable stays durable and the flush can be retried.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/common/entry.h"
#include "core/common/status.h"
#include "core/wal/file_system.h"

namespace qlab::wal {

struct LogOptions {
  std::uint64_t segmentBytes = 64ull << 20;  // roll before a record would cross this size
  // Every this many bytes of a segment, the sparse index keeps one (index, offset) pair.
  std::uint32_t sparseIndexEveryBytes = 4096;
  // When the buffer holds more than this, append() flushes before returning (so `manual`
  // and `delayed` cannot grow memory without bound); also the group-commit batch cap.
  std::uint64_t bufferCapBytes = 8ull << 20;
};

struct SegmentInfo {
  std::string fileName;       // "00000000000000000001.wal"
  Index firstIndex = 0;
  Index lastIndex = 0;        // firstIndex - 1 when empty
  std::uint64_t bytes = 0;    // logical size, including buffered records
  std::uint64_t durableBytes = 0;  // in the file and synced
  std::uint64_t writtenBytes = 0;  // in the file, synced or not (>= durableBytes)
  bool sealed = false;        // not the active (last) segment
};

// What recovery found and did, for the node's log and `quorumlab verify`.
struct RecoveryReport {
  int segments = 0;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  Index firstIndex = 0;
  Index lastIndex = 0;
  bool truncatedTornTail = false;
  std::string tornFile;
  std::uint64_t tornOffset = 0;   // byte offset where the torn tail began
  std::uint64_t tornBytes = 0;    // bytes cut off
  std::vector<std::string> notes; // e.g. "removed half-created segment ..."
};

class SegmentedLog {
 public:
  // Opens (creating if needed) the log in `dir` and recovers it: verifies every record,
  // truncates a torn tail of the last segment, and refuses with kCorruption (naming the file
  // and byte offset) on damage in a sealed segment, a gap or an overlap between segments.
  // An empty new log starts at index `startIndex`.
  static Result<std::unique_ptr<SegmentedLog>> open(FileSystem& fs, const std::string& dir,
                                                    const LogOptions& options,
                                                    RecoveryReport* report = nullptr,
                                                    Index startIndex = 1);
  // Does not flush: what is still buffered is lost, as in a kill (what was written out stays
  // in the files). Flush first to keep it.
  ~SegmentedLog();
  SegmentedLog(const SegmentedLog&) = delete;
  SegmentedLog& operator=(const SegmentedLog&) = delete;

  // Appends to the buffer. Each entry's index must be lastIndex() + 1 (a programmer error
  // otherwise: asserted). Rolls to a new segment before a record would make the active one
  // exceed segmentBytes (records never span segments). Returns kFailed when latched.
  Status append(std::span<const Entry> entries);
  Status append(const Entry& e) { return append(std::span<const Entry>(&e, 1)); }

  // Writes the whole buffer (one write per touched segment) and fdatasyncs it; returns the
  // new durable end. Concurrent callers are serialized; a caller that arrives while a flush
  // is running waits and then flushes everything that accumulated (group commit).
  // Also fdatasyncs what writeOut() left unsynced, even when the buffer is empty.
  Result<Index> flush();
  // Writes the whole buffer to the segment files (one write per touched segment) without
  // fdatasync, and returns the new written end. The one sync it does: a segment the log has
  // rolled past is synced in full before the next segment file is created, so a sealed
  // segment never has a torn tail (durableEnd moves that far, with the listener called).
  // Serialized with flush() the same way: a caller that arrives while a round runs waits.
  // ENOSPC and failures behave as in flush(). Not counted in flushCount().
  Result<Index> writeOut();

  // Removes every entry after `index`, buffered and on disk (ftruncate + sync, removing
  // whole later segments). durableEnd becomes min(durableEnd, index).
  Status truncateAfter(Index index);
  // Deletes sealed segments whose last index is below `lwm`, oldest first; never the active
  // segment. Returns how many files were deleted.
  Result<int> removeBefore(Index lwm);
  // Throws the whole log away and starts empty at `nextIndex` (after installing a snapshot
  // whose last index is nextIndex - 1). Durable when it returns.
  Status resetTo(Index nextIndex);

  // Reads entries [from, to] (inclusive), stopping early once maxBytes of payload are read
  // (always at least one entry). kNotFound if `from` is outside [firstIndex, lastIndex].
  Status read(Index from, Index to, std::size_t maxBytes, std::vector<Entry>* out) const;
  Result<Entry> read(Index index) const;
  // Generation of the entry at `index`, from an in-memory run table (no I/O). nullopt if
  // the index is not in the log.
  std::optional<Generation> generationAt(Index index) const;
  // Byte location of a record, for the UI's record view: file name and offset.
  struct Location { std::string fileName; std::uint64_t offset = 0; std::uint64_t bytes = 0; };
  Result<Location> locate(Index index) const;
  // The record's bytes exactly as they are (or will be) on disk.
  Result<std::string> rawRecord(Index index) const;

  Index firstIndex() const;  // first index still in the log; lastIndex()+1 when empty
  Index lastIndex() const;   // last appended, buffered or not; firstIndex()-1 when empty
  Index durableEnd() const;  // last index covered by a completed flush
  Index writtenEnd() const;  // last index handed to the OS (flushed or written out); >= durableEnd
  Generation lastGeneration() const;
  std::uint64_t bufferedBytes() const;
  // bufferedBytes() as of the last append or round, read without the log's lock: for a
  // thread that checks it on every append (the flusher's early mark) and must not contend
  // with the appender for the lock. May be stale by one append, round or truncation.
  std::uint64_t bufferedBytesHint() const;
  // Memory the buffers hold (their capacity, used or not): bounded by a few batches, however
  // many segments the log has.
  std::uint64_t bufferCapacityBytes() const;
  std::vector<SegmentInfo> segments() const;
  const std::string& dir() const;
  const LogOptions& options() const;
  Status health() const;  // ok, or the latched failure

  // Called (from the flushing thread, without the log's lock held) after durableEnd moves.
  // Calls are serialized and in increasing order; the listener must not call flush().
  void setDurableListener(std::function<void(Index durableEnd)> listener);
  // Blocks until durableEnd() >= index (ok), the log is latched failed (that status) or
  // timeoutMs passes (kTimeout). Only the flush (or resetTo) that makes `index` durable, or
  // the failure, wakes it, whoever ran it: a flush does not wake every waiter.
  Status waitDurable(Index index, std::int64_t timeoutMs) const;
  // Completed flush rounds (one write + fdatasync per touched segment) since open.
  std::uint64_t flushCount() const;

  // Power loss for the live app, where the process survives: models a machine whose page
  // cache is lost. Every segment file is cut back to what was synced (what writeOut() wrote
  // and nothing synced is gone) and the buffer is dropped; then the object is latched dead
  // and the caller destroys it and reopens from disk. With `torn`, the next recovery meets a
  // torn record: if writeOut() left unsynced bytes, a random part of them stays (cut
  // strictly inside a record); otherwise a random prefix of the buffer is written to the
  // files, as if a flush were under way.
  void simulatePowerLoss(bool torn, std::uint64_t seed);
  // Process crash (kill -9) for the live app: drops only the buffer (what writeOut() or a
  // flush wrote stays in the files, as the OS keeps it after a process dies) and latches the
  // object dead like simulatePowerLoss. A real crashed process needs no call: it is gone.
  void simulateCrash();

 private:
  struct Impl;
  explicit SegmentedLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace qlab::wal
