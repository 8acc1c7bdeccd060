#pragma once
// WakeFlag: a one-shot flag that one thread sleeps on and another sets, with no mutex of its
// own. The point is where the setter may call set(): after it has let go of its locks. A
// thread woken by a condition variable notified under a lock wakes only to block on that
// lock again (two context switches for one wake-up); with 64 group-commit writers on two
// cores that hand-off was most of a flush round's cost.
//
// Lifetime: the waiter may destroy the flag as soon as wait() has returned true; set() does
// not touch the flag's memory after its store except to pass the address to the kernel's
// wake call, which tolerates an address whose owner is gone (as glibc's own locks do).
// Linux only (futex); elsewhere it falls back to a polling sleep.
#include <atomic>
#include <cstdint>

namespace qlab {

class WakeFlag {
 public:
  // 0 = not set; set(v) stores v (non-zero) and wakes the waiter.
  void set(std::uint32_t v = 1);
  // Waits until the flag is non-zero or timeoutMs passes (< 0: no limit); returns the value
  // (0 on timeout). Spurious wake-ups are absorbed here.
  std::uint32_t wait(std::int64_t timeoutMs);
  std::uint32_t value() const { return m_word.load(std::memory_order_acquire); }

 private:
  std::atomic<std::uint32_t> m_word{0};
};

}  // namespace qlab
