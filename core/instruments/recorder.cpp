#include "core/instruments/recorder.h"

#include <algorithm>
#include <filesystem>

#include "core/common/json_writer.h"
#include "core/replication/message.h"

namespace qlab::cluster {

Recorder::Recorder(std::string spillDir, std::size_t eventCapacity, std::size_t historyCapacity)
    : m_eventCapacity(eventCapacity), m_historyCapacity(historyCapacity), m_spillDir(std::move(spillDir)) {
  if (!m_spillDir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(m_spillDir, ec);
    m_eventsOut.open(m_spillDir + "/events.jsonl", std::ios::out | std::ios::trunc);
    m_historyOut.open(m_spillDir + "/history.jsonl", std::ios::out | std::ios::trunc);
  }
}

Recorder::~Recorder() = default;

std::string Recorder::eventToJson(const node::NodeEvent& e) {
  JsonWriter w;
  w.beginObject();
  w.key("t_ms").value(e.tMs);
  w.key("node").value(static_cast<std::int64_t>(e.node));
  w.key("kind").value(node::eventKindName(e.kind));
  if (e.kind == node::EventKind::kSend || e.kind == node::EventKind::kRecv) {
    w.key(e.kind == node::EventKind::kSend ? "to" : "from").value(static_cast<std::int64_t>(e.peer));
    w.key("type").value(replication::isValidMessageType(e.msgType)
                            ? replication::messageTypeName(static_cast<replication::MessageType>(e.msgType))
                            : "unknown");
    w.key("first").value(e.a);
    w.key("last").value(e.b);
  } else {
    if (e.peer != kNoNode) w.key("peer").value(static_cast<std::int64_t>(e.peer));
    w.key("a").value(e.a);
    w.key("b").value(e.b);
  }
  w.key("generation").value(e.generation);
  if (!e.detail.empty()) w.key("detail").value(e.detail);
  w.endObject();
  return w.take();
}

std::string Recorder::operationToJson(const Operation& op) {
  JsonWriter w;
  w.beginObject();
  w.key("client").value(op.client);
  w.key("seq").value(op.seq);
  w.key("op").value(op.kind == OpKind::kWrite ? "write" : "read");
  w.key("key").value(op.key);
  if (op.kind == OpKind::kWrite || op.found) w.key("value").value(op.value);
  else w.key("value").null();
  w.key("invoke_ms").value(static_cast<double>(op.invokeUs) / 1000.0);
  w.key("complete_ms").value(static_cast<double>(op.completeUs) / 1000.0);
  w.key("result").value(opResultName(op.result));
  if (op.index > 0) w.key("index").value(op.index);
  else w.key("index").null();
  w.key("attempts").value(static_cast<std::int64_t>(op.attempts));
  w.endObject();
  return w.take();
}

std::optional<Operation> Recorder::operationFromJson(const std::string& line) {
  auto op = parseOperationLine(line);
  if (!op.isOk()) return std::nullopt;
  return std::move(op.value());
}

void Recorder::record(const node::NodeEvent& e) {
  std::lock_guard lk(m_mu);
  RecordedEvent r{m_nextSeq++, e};
  if (m_eventsOut.is_open()) m_eventsOut << eventToJson(e) << '\n';
  if (m_tap) m_tap->onEvent(r);
  m_events.push_back(std::move(r));
  while (m_events.size() > m_eventCapacity) m_events.pop_front();
  ++m_stats.events;
  ++m_kindCounts[static_cast<std::size_t>(e.kind) % m_kindCounts.size()];
}

void Recorder::setTap(RunTap* tap) {
  std::lock_guard lk(m_mu);
  m_tap = tap;
}

std::uint64_t Recorder::count(node::EventKind kind) const {
  std::lock_guard lk(m_mu);
  return m_kindCounts[static_cast<std::size_t>(kind) % m_kindCounts.size()];
}

void Recorder::recordOperation(const Operation& op) {
  std::lock_guard lk(m_mu);
  if (m_historyOut.is_open()) m_historyOut << operationToJson(op) << '\n';
  if (m_tap) m_tap->onOperation(op);
  m_history.push_back(op);
  if (m_history.size() > m_historyCapacity) {
    m_history.pop_front();
    m_historyTruncated = true;
  }
  ++m_stats.operations;
  if (op.result == OpResult::kOk) (op.kind == OpKind::kWrite ? m_stats.okWrites : m_stats.okReads)++;
  if (op.result == OpResult::kFail) ++m_stats.failed;
  if (op.result == OpResult::kTimeout) ++m_stats.timedOut;
}

std::vector<RecordedEvent> Recorder::eventsSince(std::uint64_t afterSeq, std::size_t limit) const {
  std::lock_guard lk(m_mu);
  std::vector<RecordedEvent> out;
  if (m_events.empty() || m_events.back().seq <= afterSeq) return out;
  std::size_t start = afterSeq < m_events.front().seq ? 0 : static_cast<std::size_t>(afterSeq + 1 - m_events.front().seq);
  // If more than `limit` are new, keep the newest.
  if (m_events.size() - start > limit) start = m_events.size() - limit;
  out.assign(m_events.begin() + static_cast<std::ptrdiff_t>(start), m_events.end());
  return out;
}

std::vector<RecordedEvent> Recorder::eventsBetween(std::int64_t fromMs, std::int64_t toMs, std::size_t limit) const {
  std::lock_guard lk(m_mu);
  std::vector<RecordedEvent> out;
  auto first = std::lower_bound(m_events.begin(), m_events.end(), fromMs,
                                [](const RecordedEvent& r, std::int64_t t) { return r.event.tMs < t; });
  for (auto it = first; it != m_events.end() && it->event.tMs <= toMs && out.size() < limit; ++it) out.push_back(*it);
  return out;
}

std::uint64_t Recorder::lastEventSeq() const {
  std::lock_guard lk(m_mu);
  return m_nextSeq - 1;
}

std::vector<Operation> Recorder::history() const {
  std::lock_guard lk(m_mu);
  return {m_history.begin(), m_history.end()};
}

Recorder::HistorySnapshot Recorder::historySnapshot() const {
  std::lock_guard lk(m_mu);
  return {{m_history.begin(), m_history.end()}, m_stats.operations};
}

std::vector<Operation> Recorder::operationsSince(std::int64_t afterUs) const {
  std::lock_guard lk(m_mu);
  std::vector<Operation> out;
  // Completions arrive nearly in order; scan back from the end.
  for (auto it = m_history.rbegin(); it != m_history.rend(); ++it) {
    if (it->completeUs <= afterUs) break;
    out.push_back(*it);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

bool Recorder::historyTruncated() const {
  std::lock_guard lk(m_mu);
  return m_historyTruncated;
}

RecorderStats Recorder::stats() const {
  std::lock_guard lk(m_mu);
  return m_stats;
}

std::string Recorder::eventsFile() {
  std::lock_guard lk(m_mu);
  if (!m_eventsOut.is_open()) return {};
  m_eventsOut.flush();
  return m_spillDir + "/events.jsonl";
}

std::string Recorder::historyFile() {
  std::lock_guard lk(m_mu);
  if (!m_historyOut.is_open()) return {};
  m_historyOut.flush();
  return m_spillDir + "/history.jsonl";
}

}  // namespace qlab::cluster
