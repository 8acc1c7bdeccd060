#include "core/remote/flush_policy_text.h"

#include <charconv>

namespace qlab::remote {

Result<wal::FlushPolicy> parseFlushPolicyText(const std::string& text) {
  const auto bad = [&] {
    return Status::invalidArgument("flush policy '" + text +
                                   "' is not one of always, group, manual, delayed or delayed:MS (1..600000)");
  };
  wal::FlushPolicy p;
  const auto colon = text.find(':');
  auto mode = wal::parseFlushMode(text.substr(0, colon));
  if (!mode.isOk()) return bad();
  p.mode = *mode;
  if (p.mode == wal::FlushMode::kDelayed) {
    p.delayMs = 500;
    if (colon != std::string::npos) {
      const std::string ms = text.substr(colon + 1);
      std::int64_t v = 0;
      auto [ptr, ec] = std::from_chars(ms.data(), ms.data() + ms.size(), v);
      if (ec != std::errc() || ptr != ms.data() + ms.size() || v < 1 || v > 600'000) return bad();
      p.delayMs = v;
    }
  } else if (colon != std::string::npos) {
    return bad();
  }
  return p;
}

std::string flushPolicyText(const wal::FlushPolicy& p) {
  std::string s = wal::flushModeName(p.mode);
  if (p.mode == wal::FlushMode::kDelayed) s += ":" + std::to_string(p.delayMs);
  return s;
}

}  // namespace qlab::remote
