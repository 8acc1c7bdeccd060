#include "core/instruments/log_hub.h"

#include <functional>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

namespace qlab::cluster {

struct LogHub::Impl {
  mutable std::mutex mu;
  std::deque<LogLine> lines;
  std::size_t capacity;
  std::uint64_t nextSeq = 1;
  bool echo = false;
  std::function<std::int64_t()> clock;
  explicit Impl(std::size_t cap) : capacity(cap) {}
};

namespace {

// An spdlog sink that forwards every message of one node into the hub.
class HubSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  HubSink(LogHub& hub, NodeId node) : m_hub(hub), m_node(node) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    m_hub.add(m_node, static_cast<int>(msg.level), std::string(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override {}

 private:
  LogHub& m_hub;
  NodeId m_node;
};

}  // namespace

LogHub::LogHub(std::size_t capacity) : m_impl(std::make_unique<Impl>(capacity)) {}
LogHub::~LogHub() = default;

std::shared_ptr<spdlog::logger> LogHub::loggerFor(NodeId node) {
  std::string name = node == kNoNode ? "cluster" : "node-" + std::to_string(node);
  auto logger = std::make_shared<spdlog::logger>(name, std::make_shared<HubSink>(*this, node));
  logger->set_level(spdlog::level::debug);
  return logger;
}

void LogHub::setEcho(bool stderrEcho) {
  std::lock_guard lk(m_impl->mu);
  m_impl->echo = stderrEcho;
}

void LogHub::setClock(std::function<std::int64_t()> clock) {
  std::lock_guard lk(m_impl->mu);
  m_impl->clock = std::move(clock);
}

void LogHub::add(NodeId node, int level, std::string text) {
  std::lock_guard lk(m_impl->mu);
  LogLine l;
  l.seq = m_impl->nextSeq++;
  l.tMs = m_impl->clock ? m_impl->clock() : 0;
  l.node = node;
  l.level = level;
  l.text = std::move(text);
  if (m_impl->echo && level >= static_cast<int>(spdlog::level::warn))
    std::fprintf(stderr, "[%6lld ms] %s: %s\n", static_cast<long long>(l.tMs),
                 node == kNoNode ? "cluster" : ("node " + std::to_string(node)).c_str(), l.text.c_str());
  m_impl->lines.push_back(std::move(l));
  while (m_impl->lines.size() > m_impl->capacity) m_impl->lines.pop_front();
}

std::vector<LogLine> LogHub::since(std::uint64_t afterSeq, std::size_t limit) const {
  std::lock_guard lk(m_impl->mu);
  std::vector<LogLine> out;
  const auto& d = m_impl->lines;
  if (d.empty() || d.back().seq <= afterSeq) return out;
  // Sequence numbers are consecutive: jump straight to the first wanted line.
  std::size_t start = afterSeq < d.front().seq ? 0 : static_cast<std::size_t>(afterSeq + 1 - d.front().seq);
  for (std::size_t i = start; i < d.size() && out.size() < limit; ++i) out.push_back(d[i]);
  return out;
}

std::uint64_t LogHub::lastSeq() const {
  std::lock_guard lk(m_impl->mu);
  return m_impl->nextSeq - 1;
}

}  // namespace qlab::cluster
