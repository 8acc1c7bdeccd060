#pragma once
// Flusher: the flush policy of one SegmentedLog, run on a background thread (live nodes and
// `quorumlab bench wal`). The simulator does not use it: it calls SegmentedLog::flush itself
// on virtual time. docs/architecture.md "Flush policies":
//   always  - the appending thread flushes each append batch before it returns (one fsync per
//             batch, no batching across calls)
//   group   - appends return at once; the flusher thread flushes everything that arrived
//             while the previous flush ran, in one write + one fdatasync (capped by
//             LogOptions::bufferCapBytes)
//   delayed - appends return at once; flushed every delayMs, and early once the buffer holds
//             a quarter of LogOptions::bufferCapBytes (the early mark), so under heavy load
//             the flusher thread writes behind the appends instead of an append meeting the
//             cap and flushing on its own thread
//   manual  - flushed only on flushNow() (or when the buffer cap forces it)
// Which of these *acknowledge* before durability is core/node's business, not this class's.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "core/common/status.h"
#include "core/wal/segmented_log.h"

namespace qlab::wal {

enum class FlushMode { kAlways, kGroup, kDelayed, kManual };

struct FlushPolicy {
  FlushMode mode = FlushMode::kAlways;
  std::int64_t delayMs = 0;  // for kDelayed
  friend bool operator==(const FlushPolicy&, const FlushPolicy&) = default;
};

const char* flushModeName(FlushMode m);  // "always", "group", "delayed", "manual"
// Parses "always" | "group" | "delayed" | "manual"; kInvalidArgument naming the value.
Result<FlushMode> parseFlushMode(const std::string& s);

class Flusher {
 public:
  // `log` must outlive the Flusher. Starts its thread at once.
  Flusher(SegmentedLog& log, FlushPolicy policy);
  ~Flusher();  // stops the thread; does not flush what is buffered (that is a kill's job)

  // Appends and applies the policy: under kAlways flushes before returning. If that flush
  // fails the entries are still appended (lastIndex() moved): kNoSpace can be retried with
  // flushNow() or the next append; kFailed means the log is latched.
  Status append(std::span<const Entry> entries);
  // For code that appends to the log itself (a node's engine), after each append: under
  // `delayed`, wakes the thread for an early flush once the buffer passes the early mark.
  // append() calls it. Costs a look at the log's buffered size.
  void noteAppended();
  void setPolicy(FlushPolicy p);
  FlushPolicy policy() const;
  // Asks for a flush now (the Flush button); returns at once.
  void flushNow();
  // Blocks until durableEnd >= index, the log fails, or timeoutMs passes.
  Status waitDurable(Index index, std::int64_t timeoutMs);
  // Number of flushes (write + fdatasync rounds) done, for benchmarks and the inspector.
  std::uint64_t flushCount() const;
  // The last flush error (ENOSPC is retried on the next round; a failed fsync is final).
  Status lastError() const;
  // Stops the thread without flushing (used by kill). Idempotent.
  void stop();
  // Holds the thread still (the cluster is frozen): nothing is flushed until released, and a
  // `delayed` flush comes as late after the release as it was due after the hold began. A
  // flush already under way finishes first.
  void hold(bool on);

 private:
  void run();
  SegmentedLog& m_log;
  const std::uint64_t m_earlyBytes;  // the early mark: a quarter of the log's buffer cap
  std::atomic<FlushMode> m_mode;     // m_policy.mode, readable without m_mu on every append
  std::atomic<bool> m_earlyAsked{false};  // an early flush is asked for and not yet started
  mutable std::mutex m_mu;
  std::condition_variable m_cv;
  std::condition_variable m_durableCv;
  FlushPolicy m_policy;
  bool m_stop = false;
  bool m_flushRequested = false;
  bool m_held = false;
  Status m_lastError;
  std::atomic<std::uint64_t> m_flushes{0};
  std::thread m_thread;
};

}  // namespace qlab::wal
