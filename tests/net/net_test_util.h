#pragma once
// Helpers shared by the core/net tests: a logger whose lines the test can read back (and
// print with QLAB_TEST_LOG=debug|info|warn), and a way to find a port nobody listens on.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <QTcpServer>

namespace qlab::net::test {

struct TestLog {
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> ring =
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(4096);
  std::shared_ptr<spdlog::logger> logger;

  explicit TestLog(const std::string& name) {
    std::vector<spdlog::sink_ptr> sinks{ring};
    const char* level = std::getenv("QLAB_TEST_LOG");
    if (level != nullptr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger = std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
    logger->set_level(level != nullptr ? spdlog::level::from_str(level) : spdlog::level::debug);
    ring->set_level(spdlog::level::debug);
    for (std::size_t i = 1; i < sinks.size(); ++i) sinks[i]->set_level(logger->level());
    logger->set_pattern("[%n] %l %v");
  }
  // Every line logged so far that contains all of `parts`.
  int count(std::initializer_list<std::string> parts) const {
    int n = 0;
    for (const auto& line : ring->last_formatted()) {
      bool all = true;
      for (const auto& p : parts) all = all && line.find(p) != std::string::npos;
      n += all ? 1 : 0;
    }
    return n;
  }
};

// A port that was free a moment ago (bound then released).
inline quint16 unusedPort() {
  QTcpServer s;
  if (!s.listen(QHostAddress::LocalHost, 0)) return 0;
  const quint16 port = s.serverPort();
  s.close();
  return port;
}

}  // namespace qlab::net::test
