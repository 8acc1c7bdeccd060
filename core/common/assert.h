#pragma once
// Programmer errors are assertions that stay on in release builds (LevelDB habit): a broken
// invariant must stop the process at once instead of corrupting a log.
#include <cstdio>
#include <cstdlib>

#define QLAB_ASSERT(cond)                                                                  \
  do {                                                                                     \
    if (!(cond)) [[unlikely]] {                                                            \
      std::fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond);    \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

#define QLAB_ASSERT_MSG(cond, msg)                                                         \
  do {                                                                                     \
    if (!(cond)) [[unlikely]] {                                                            \
      std::fprintf(stderr, "%s:%d: assertion failed: %s (%s)\n", __FILE__, __LINE__, #cond, \
                   msg);                                                                   \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)
