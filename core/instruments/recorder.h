#pragma once
// Recorder: the cluster's memory of what happened, with a common monotonic clock. Node
// events (messages, elections, flushes, segment rolls and deletes, truncations, faults) go
// into a bounded ring for the UI and are spilled in full to events.jsonl in the data
// directory; client operations go into the history (history.jsonl). Memory stays bounded
// however long the app runs. Thread-safe: nodes and clients record from their threads.
#include <array>
#include <cstdint>
#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/instruments/history.h"
#include "core/node/node_event.h"
#include "core/node/node_view.h"

namespace qlab::cluster {

struct RecordedEvent {
  std::uint64_t seq = 0;
  node::NodeEvent event;
};

struct RecorderStats {
  std::uint64_t events = 0;          // recorded since start (including spilled)
  std::uint64_t operations = 0;
  std::uint64_t okWrites = 0;
  std::uint64_t okReads = 0;
  std::uint64_t failed = 0;
  std::uint64_t timedOut = 0;
};

// Sees everything as it is recorded, in order (the run recording, core/recording, is one).
// Called on the recording thread under the recorder's or the node's lock: quick, and never
// calls back into the cluster.
class RunTap {
 public:
  virtual ~RunTap() = default;
  virtual void onView(const std::shared_ptr<const node::NodeView>& view) = 0;
  virtual void onEvent(const RecordedEvent& e) = 0;
  virtual void onOperation(const Operation& op) = 0;
};

class Recorder {
 public:
  // `spillDir` empty = no files. Ring and history caps bound memory.
  explicit Recorder(std::string spillDir = {}, std::size_t eventCapacity = 200000,
                    std::size_t historyCapacity = 200000);
  ~Recorder();

  void record(const node::NodeEvent& e);
  // Events and operations from now on also go to `tap` (nullptr: no longer; returns once no
  // call into the old tap is running).
  void setTap(RunTap* tap);
  void recordOperation(const Operation& op);
  // Events with seq > afterSeq still in the ring (oldest first, at most `limit`).
  std::vector<RecordedEvent> eventsSince(std::uint64_t afterSeq, std::size_t limit = 20000) const;
  // Events in the ring whose time lies in [fromMs, toMs] (the timeline scrolled back).
  std::vector<RecordedEvent> eventsBetween(std::int64_t fromMs, std::int64_t toMs,
                                           std::size_t limit = 50000) const;
  std::uint64_t lastEventSeq() const;
  // The operations still in memory (all of them unless the cap was hit: see truncated()).
  std::vector<Operation> history() const;
  // Operations completed with completeUs > afterUs (for charts).
  std::vector<Operation> operationsSince(std::int64_t afterUs) const;
  bool historyTruncated() const;
  // The operations in memory and how many were recorded in all, read together: an export
  // writes exactly these, however many more complete while it runs.
  struct HistorySnapshot {
    std::vector<Operation> ops;  // the newest ones (all of them when total == ops.size())
    std::uint64_t total = 0;
  };
  HistorySnapshot historySnapshot() const;
  RecorderStats stats() const;
  // How many events of one kind were recorded since start.
  std::uint64_t count(node::EventKind kind) const;
  // Flushes the spill files (for export) and returns their paths (empty if none).
  std::string eventsFile();
  std::string historyFile();

  static std::string eventToJson(const node::NodeEvent& e);
  static std::string operationToJson(const Operation& op);
  // The inverse, for one history.jsonl line; nullopt when the line is not one.
  static std::optional<Operation> operationFromJson(const std::string& line);

 private:
  mutable std::mutex m_mu;
  std::deque<RecordedEvent> m_events;
  std::size_t m_eventCapacity;
  std::deque<Operation> m_history;
  std::size_t m_historyCapacity;
  bool m_historyTruncated = false;
  std::uint64_t m_nextSeq = 1;
  RecorderStats m_stats;
  std::array<std::uint64_t, 64> m_kindCounts{};
  std::string m_spillDir;
  std::ofstream m_eventsOut;
  std::ofstream m_historyOut;
  RunTap* m_tap = nullptr;
};

}  // namespace qlab::cluster
