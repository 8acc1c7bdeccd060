#include "core/common/thread_priority.h"

#include <algorithm>
#include <atomic>

#if defined(__linux__)
#include <cerrno>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace qlab {

namespace {
constexpr int kUnset = -100;
std::atomic<int> g_nice{kUnset};

#if defined(__linux__)
id_t threadId() { return static_cast<id_t>(syscall(SYS_gettid)); }
#endif
}  // namespace

int thisThreadNice() {
#if defined(__linux__)
  errno = 0;
  const int n = getpriority(PRIO_PROCESS, threadId());  // per thread on Linux
  return errno == 0 ? n : 0;
#else
  return 0;
#endif
}

void setClusterThreadNiceBelowThisThread(int levels) {
  g_nice.store(std::min(19, thisThreadNice() + std::clamp(levels, 0, 19)));
}

int clusterThreadNice() { return g_nice.load(); }

void applyClusterThreadNice() {
#if defined(__linux__)
  const int want = g_nice.load();
  if (want == kUnset || thisThreadNice() >= want) return;
  (void)setpriority(PRIO_PROCESS, threadId(), want);  // best effort: a refusal leaves it as it was
#endif
}

}  // namespace qlab
