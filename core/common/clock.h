#pragma once
// Time as an interface, so the simulator can run the real code on a virtual clock.
#include <atomic>
#include <cstdint>

namespace qlab {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic microseconds since an arbitrary origin.
  virtual std::int64_t nowUs() const = 0;
  std::int64_t nowMs() const { return nowUs() / 1000; }
};

// std::chrono::steady_clock; one shared instance is enough.
class SteadyClock final : public Clock {
 public:
  std::int64_t nowUs() const override;
  static SteadyClock& instance();
};

// A clock that moves only when told: the simulator's and the tests'.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t startUs = 0) : m_nowUs(startUs) {}
  std::int64_t nowUs() const override { return m_nowUs.load(std::memory_order_relaxed); }
  void advanceUs(std::int64_t us) { m_nowUs.fetch_add(us, std::memory_order_relaxed); }
  void advanceMs(std::int64_t ms) { advanceUs(ms * 1000); }
  void setUs(std::int64_t us) { m_nowUs.store(us, std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> m_nowUs;
};

}  // namespace qlab
