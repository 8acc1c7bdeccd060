#pragma once
// Reading the fields of one JSON line (history.jsonl, events.jsonl) with errors that name the
// field: shared by the history reader and the interop export reader.
#include <QJsonObject>
#include <cmath>
#include <cstdint>
#include <string>

#include "core/common/status.h"

// Sets `dst` from a Result, or returns its error from the enclosing function.
#define QLAB_TAKE(dst, expr)              \
  do {                                    \
    auto taken_ = (expr);                 \
    if (!taken_.isOk()) return taken_.status(); \
    dst = std::move(taken_.value());      \
  } while (0)

namespace qlab::cluster {

inline Status badField(const std::string& field, const std::string& what) {
  return Status::invalidArgument("field '" + field + "': " + what);
}

// A whole number in [0, 2^53] (JSON numbers are doubles).
inline Result<std::uint64_t> wholeField(const QJsonObject& o, const char* key) {
  const QJsonValue v = o.value(key);
  if (v.isUndefined()) return badField(key, "is missing");
  const double d = v.toDouble(-1);
  if (!v.isDouble() || d < 0 || d != std::floor(d) || d > 9007199254740992.0)
    return badField(key, "must be a whole number from 0 to 2^53");
  return static_cast<std::uint64_t>(d);
}

}  // namespace qlab::cluster
