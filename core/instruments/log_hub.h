#pragma once
// LogHub: every node's spdlog logger ("node-2") writes into one bounded ring of lines that
// the UI's event-log pane reads incrementally (by sequence number), filtered by node and
// level. Thread-safe.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/common/types.h"

namespace spdlog {
class logger;
}

namespace qlab::cluster {

struct LogLine {
  std::uint64_t seq = 0;     // increases by one per line, never reused
  std::int64_t tMs = 0;      // cluster clock
  NodeId node = kNoNode;     // 0 = the cluster
  int level = 2;             // spdlog level: 0 trace .. 2 info, 3 warn, 4 error
  std::string text;
};

class LogHub {
 public:
  explicit LogHub(std::size_t capacity = 20000);
  ~LogHub();
  // A logger named "node-<id>" (or "cluster" for 0) writing here (and to stderr at
  // warning level and above when echo is on).
  std::shared_ptr<spdlog::logger> loggerFor(NodeId node);
  void setEcho(bool stderrEcho);
  void setClock(std::function<std::int64_t()> clock);
  // Lines with seq > afterSeq, oldest first, at most `limit`.
  std::vector<LogLine> since(std::uint64_t afterSeq, std::size_t limit = 5000) const;
  std::uint64_t lastSeq() const;
  void add(NodeId node, int level, std::string text);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace qlab::cluster
