#include "core/common/wake_flag.h"

#include <chrono>
#include <thread>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#endif

namespace qlab {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t), "futex word");

void WakeFlag::set(std::uint32_t v) {
  m_word.store(v == 0 ? 1 : v, std::memory_order_release);
#if defined(__linux__)
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&m_word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
#endif
}

std::uint32_t WakeFlag::wait(std::int64_t timeoutMs) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs < 0 ? 0 : timeoutMs);
  for (;;) {
    const std::uint32_t v = m_word.load(std::memory_order_acquire);
    if (v != 0) return v;
#if defined(__linux__)
    if (timeoutMs < 0) {
      syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&m_word), FUTEX_WAIT_PRIVATE, 0u, nullptr, nullptr, 0);
      continue;
    }
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return m_word.load(std::memory_order_acquire);
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    // Returns at once (EAGAIN) if the word is no longer 0: the store came first.
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&m_word), FUTEX_WAIT_PRIVATE, 0u, &ts, nullptr, 0);
#else
    if (timeoutMs >= 0 && Clock::now() >= deadline) return m_word.load(std::memory_order_acquire);
    std::this_thread::sleep_for(std::chrono::microseconds(50));
#endif
  }
}

}  // namespace qlab
