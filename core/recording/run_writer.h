#pragma once
// RunWriter: appends a run recording (.qlabrun, run_format.h) on its own thread. Producers on
// any thread hand it pictures, events, operations and the like; each is stamped with the
// cluster clock (microseconds) under one lock, so pictures and states are in time order in
// the file. Every ~50 ms the thread encodes what arrived, batches the streams, compresses,
// writes, and once per second of cluster time writes a keyframe of everything. Nothing is
// kept in memory beyond the newest picture per node: the run goes to the file, not to RAM.
//
// A crash leaves a readable prefix (every record is framed and checksummed). A write error
// (disk full, I/O error) stops the recording, keeps the file readable up to there, and is
// reported by status(); the cluster is never slowed or stopped by it.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/recording/run_format.h"

namespace qlab::recording {

struct WriterStats {
  std::uint64_t bytes = 0;
  std::uint64_t records = 0;
  std::uint64_t keyframes = 0;
  std::uint64_t views = 0;
  std::uint64_t events = 0;
  std::uint64_t operations = 0;
  std::uint64_t dropped = 0;  // items not recorded because the writer fell too far behind
};

class RunWriter {
 public:
  // Creates (truncates) `path` and writes the header. `clockUs` is the cluster clock.
  static Result<std::unique_ptr<RunWriter>> create(const std::string& path, const std::string& headerJson,
                                                   int nodes, std::function<std::int64_t()> clockUs);
  ~RunWriter();  // close()

  // From any thread; quick (a lock and a push).
  void addView(const std::shared_ptr<const node::NodeView>& v);
  void addEvent(const cluster::RecordedEvent& e);
  void addOperation(const cluster::Operation& op);
  void addLogLines(std::vector<cluster::LogLine> lines);
  void addFindings(std::vector<cluster::Finding> findings);
  void setState(const ClusterState& s);
  void addMoment(const std::string& name);

  // Writes everything still queued, then an end record, and syncs. Idempotent.
  Status close();
  // Hands everything queued so far to the kernel (a reader of the file then sees it).
  void flush();
  Status status() const;  // the first write error, if any
  WriterStats stats() const;
  const std::string& path() const { return m_path; }

  // Items queued beyond these are dropped (counted in stats().dropped, and said in the file as
  // a marker): a writer behind a slow disk never holds more than ~64 MB. Pictures are big
  // (up to ~25 KB), events and operations small.
  static constexpr std::size_t kMaxQueued = 1u << 18;
  static constexpr std::size_t kMaxQueuedViews = 2048;
  // A batch record is cut before its payload reaches this (the reader's record size limit is 64 MiB).
  static constexpr std::size_t kMaxBatchBytes = 8u << 20;

 private:
  struct Item {
    std::int64_t tUs = 0;
    std::variant<std::shared_ptr<const node::NodeView>, cluster::RecordedEvent, cluster::Operation,
                 std::vector<cluster::LogLine>, std::vector<cluster::Finding>, ClusterState, Moment>
        what;
  };
  RunWriter(std::string path, int fd, int nodes, std::function<std::int64_t()> clockUs);
  void push(Item item);
  void run();
  void writeBatch(std::vector<Item>& items);
  void writeKeyframe(std::int64_t tUs);
  void noteEntries(const node::NodeView& v, std::string& batch, Index& lo, Index& hi, std::uint32_t& n);
  void append(const std::string& bytes);

  const std::string m_path;
  const int m_fd;
  const int m_nodes;
  const std::function<std::int64_t()> m_clockUs;

  mutable std::mutex m_mu;  // guards the queue, the flags, m_status and m_stats
  std::condition_variable m_cv;
  std::vector<Item> m_queue;
  std::size_t m_queuedViews = 0;
  std::uint64_t m_droppedNoted = 0;  // drops already said in the file (writer thread)
  bool m_closing = false;
  bool m_flushRequested = false;
  std::uint64_t m_flushGen = 0, m_flushedGen = 0;
  std::condition_variable m_flushedCv;
  Status m_status;
  WriterStats m_stats;
  std::thread m_thread;

  // The writer thread's own: the newest picture of each node and the state (for keyframes
  // and for the pictures' changes), and which entries were already written.
  std::vector<std::shared_ptr<const node::NodeView>> m_views;
  ClusterState m_state;
  std::int64_t m_lastKeyframeUs = -1;
  std::int64_t m_lastSyncUs = 0;
  std::uint64_t m_lastEventSeq = 0, m_lastLogSeq = 0, m_opsWritten = 0;
  std::map<Index, std::pair<Generation, std::uint64_t>> m_entrySeen;  // index -> (generation, client*seq hash)
  bool m_failed = false;
  bool m_closed = false;
};

}  // namespace qlab::recording
