#include "core/wal/flusher.h"

#include <algorithm>
#include <chrono>

#include "core/common/thread_priority.h"

namespace qlab::wal {
namespace {
// After a failed round (ENOSPC), wait this long before trying again, so a full disk does
// not turn the flusher into a busy loop.
constexpr auto kRetryDelay = std::chrono::milliseconds(20);
}  // namespace

const char* flushModeName(FlushMode m) {
  switch (m) {
    case FlushMode::kAlways: return "always";
    case FlushMode::kGroup: return "group";
    case FlushMode::kDelayed: return "delayed";
    case FlushMode::kManual: return "manual";
  }
  return "unknown";
}

Result<FlushMode> parseFlushMode(const std::string& s) {
  if (s == "always") return FlushMode::kAlways;
  if (s == "group") return FlushMode::kGroup;
  if (s == "delayed") return FlushMode::kDelayed;
  if (s == "manual") return FlushMode::kManual;
  return Status::invalidArgument("unknown flush policy '" + s +
                                 "' (use always, group, delayed or manual)");
}

Flusher::Flusher(SegmentedLog& log, FlushPolicy policy)
    : m_log(log),
      m_earlyBytes(std::max<std::uint64_t>(log.options().bufferCapBytes / 4, 1)),
      m_mode(policy.mode),
      m_policy(policy),
      m_flushes(log.flushCount()) {
  m_thread = std::thread([this] { run(); });
}

Flusher::~Flusher() { stop(); }

Status Flusher::append(std::span<const Entry> entries) {
  QLAB_RETURN_IF_ERROR(m_log.append(entries));
  const FlushMode mode = m_mode.load(std::memory_order_relaxed);
  if (mode == FlushMode::kAlways) {
    Result<Index> r = m_log.flush();
    if (!r.isOk()) {
      std::lock_guard lk(m_mu);
      m_lastError = r.status();
      return r.status();
    }
    return Status::ok();
  }
  if (mode == FlushMode::kGroup) {
    // Taking the mutex orders this wake-up after the flusher's predicate check: without it
    // the notify could fall between its check and its wait and be lost.
    { std::lock_guard lk(m_mu); }
    m_cv.notify_one();
  }
  noteAppended();  // the early mark of `delayed`
  return Status::ok();
}

void Flusher::noteAppended() {
  if (m_mode.load(std::memory_order_relaxed) != FlushMode::kDelayed) return;
  if (m_earlyAsked.load(std::memory_order_relaxed) || m_log.bufferedBytesHint() < m_earlyBytes) return;
  if (m_earlyAsked.exchange(true)) return;  // another appender asked first
  { std::lock_guard lk(m_mu); }  // as in append(): no lost wake-up
  m_cv.notify_one();
}

void Flusher::setPolicy(FlushPolicy p) {
  {
    std::lock_guard lk(m_mu);
    m_policy = p;
    m_mode = p.mode;
  }
  m_cv.notify_one();
}

FlushPolicy Flusher::policy() const {
  std::lock_guard lk(m_mu);
  return m_policy;
}

void Flusher::flushNow() {
  {
    std::lock_guard lk(m_mu);
    m_flushRequested = true;
  }
  m_cv.notify_one();
}

Status Flusher::waitDurable(Index index, std::int64_t timeoutMs) {
  return m_log.waitDurable(index, timeoutMs);
}

std::uint64_t Flusher::flushCount() const {
  // m_flushes holds the log's count when this Flusher started: every round since counts,
  // including rounds forced by the buffer cap inside append().
  return m_log.flushCount() - m_flushes.load(std::memory_order_relaxed);
}

Status Flusher::lastError() const {
  std::lock_guard lk(m_mu);
  return m_lastError;
}

void Flusher::stop() {
  {
    std::lock_guard lk(m_mu);
    if (m_stop && !m_thread.joinable()) return;
    m_stop = true;
  }
  m_cv.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void Flusher::hold(bool on) {
  {
    std::lock_guard lk(m_mu);
    m_held = on;
  }
  m_cv.notify_all();
}

void Flusher::run() {
  applyClusterThreadNice();
  // A latched log keeps its buffer forever: not work, or the thread would spin.
  auto hasWork = [this] { return m_log.bufferedBytes() > 0 && m_log.health().isOk(); };
  std::unique_lock lk(m_mu);
  bool backOff = false;
  while (!m_stop) {
    if (m_held) {
      m_cv.wait(lk, [&] { return m_stop || !m_held; });
      continue;
    }
    const FlushPolicy p = m_policy;
    bool due = false;
    if (backOff) {
      m_cv.wait_for(lk, kRetryDelay, [&] { return m_stop || m_flushRequested; });
      backOff = false;
      continue;
    }
    switch (p.mode) {
      case FlushMode::kAlways:
      case FlushMode::kManual:
        m_cv.wait(lk, [&] { return m_stop || m_flushRequested || !(m_policy == p); });
        due = m_flushRequested;
        break;
      case FlushMode::kGroup:
        // Everything that accumulated while the previous flush ran goes in the next one.
        m_cv.wait(lk, [&] {
          return m_stop || m_flushRequested || !(m_policy == p) || hasWork();
        });
        due = m_flushRequested || (m_policy == p && hasWork());
        break;
      case FlushMode::kDelayed: {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(p.delayMs, 1));
        for (;;) {
          const bool woken = m_cv.wait_until(lk, deadline, [&] {
            return m_stop || m_flushRequested || !(m_policy == p) || m_held || m_earlyAsked.load();
          });
          if (!woken || !m_held || m_stop) break;
          // Frozen: the time held does not count towards the delay.
          const auto heldAt = std::chrono::steady_clock::now();
          m_cv.wait(lk, [&] { return m_stop || !m_held; });
          deadline += std::chrono::steady_clock::now() - heldAt;
        }
        due = !m_stop && (m_flushRequested || m_policy == p);
        break;
      }
    }
    if (m_stop || !due || m_held) continue;  // held meanwhile: the loop's top waits
    m_flushRequested = false;
    m_earlyAsked = false;  // appends from here on may ask for the next early flush
    if (!m_log.health().isOk()) continue;  // latched: nothing to do until stopped
    lk.unlock();
    Result<Index> r = m_log.flush();
    lk.lock();
    if (!r.isOk()) {
      m_lastError = r.status();
      backOff = true;
    }
  }
}

}  // namespace qlab::wal
