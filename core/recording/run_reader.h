#pragma once
// RunReader: opens a .qlabrun recording (run_format.h) and answers "what did the cluster look
// like at time t" and "what happened up to t" for the replaying explorer, `quorumlab export
// --run` and the tests. Opening scans the file once to index its keyframes, entry batches,
// markers, moments and findings; records are then read on demand through a small buffer (the
// file is not loaded whole, and not memory-mapped: a file cut by someone else while open is
// a short read, not a crash). A file still being written can be read too: refresh() indexes
// what was appended since.
//
// A damaged file opens up to its last good record and says so in damage(); a file that is not
// a recording, or of a newer format version, is refused with a message naming it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <QJsonObject>

#include "core/recording/run_format.h"

namespace qlab::recording {

struct RunState {
  std::int64_t tUs = 0;
  ClusterState cluster;
  std::vector<std::shared_ptr<const node::NodeView>> views;  // one per node, never null
  NodeId leader() const { return cluster::leaderOf(views); }
  Index hwm() const { return cluster::hwmOf(views); }
};

class RunReader {
 public:
  static Result<std::unique_ptr<RunReader>> open(const std::string& path);
  ~RunReader();

  // Indexes what was appended since (a recording still being written). True when it grew.
  bool refresh();

  const std::string& path() const { return m_path; }
  const QJsonObject& header() const { return m_header; }
  int nodes() const { return m_nodes; }
  std::int64_t startUs() const { return m_startUs; }
  std::int64_t endUs() const { return m_endUs; }     // the last good record's time
  bool complete() const { return m_complete; }       // closed cleanly (an end record)
  // Empty, or what is wrong with the file's tail, in words ("... shows up to 12.3 s").
  const std::string& damage() const { return m_damage; }
  std::uint64_t bytes() const { return m_good; }

  const std::vector<Marker>& markers() const { return m_markers; }
  const std::vector<Moment>& moments() const { return m_moments; }
  const std::vector<cluster::Finding>& findings() const { return m_findings; }

  // The state at `tUs` (every picture and the cluster's state as last recorded at or before
  // it). Stepping forward from the last answer reads only the records in between.
  RunState stateAt(std::int64_t tUs) const;

  // Events with seq > afterSeq recorded up to `uptoUs`, the newest `limit` of them.
  std::vector<cluster::RecordedEvent> eventsUpTo(std::uint64_t afterSeq, std::int64_t uptoUs, std::size_t limit) const;
  // Events whose time is in [fromMs, toMs] (at most `limit`, oldest first).
  std::vector<cluster::RecordedEvent> eventsBetween(std::int64_t fromMs, std::int64_t toMs, std::size_t limit) const;
  // Operations completed in (afterUs, uptoUs], not older than `notBeforeUs`.
  std::vector<cluster::Operation> operationsUpTo(std::int64_t afterUs, std::int64_t uptoUs,
                                                 std::int64_t notBeforeUs = 0) const;
  // Log lines with seq > afterSeq up to `uptoUs`, the newest `limit`.
  std::vector<cluster::LogLine> logsUpTo(std::uint64_t afterSeq, std::int64_t uptoUs, std::size_t limit) const;
  // The metadata of entries [from, to] as node `id` held them at `tUs`: its own recent window
  // first, then the newest recorded entry of each index (committed entries are the same on
  // every node). Indices never recorded are missing from the answer.
  std::vector<node::EntryView> entries(NodeId id, Index from, Index to, std::int64_t tUs) const;
  // The highest entry index any entry batch holds (0: none).
  Index highestEntryIndex() const { return m_highestEntry; }
  // The time of the nearest event strictly after / before `tUs` (ms resolution), if any.
  std::optional<std::int64_t> nextEventUs(std::int64_t tUs) const;
  std::optional<std::int64_t> prevEventUs(std::int64_t tUs) const;

 private:
  struct Keyframe {
    std::int64_t tUs;
    std::size_t offset;
    std::uint64_t lastEventSeq, lastLogSeq, opsWritten;
  };
  struct EntryBatch {
    std::int64_t tUs;
    std::size_t offset;
    Index lo, hi;
  };
  RunReader() = default;
  void scanFrom(std::size_t offset);
  std::size_t fileSize() const;
  // The frame at `offset` (bytes below m_good were verified by the scan: no checksum then).
  FrameCheck frameAt(std::size_t offset, RecordRef& r, bool verify) const;
  // [offset, offset + len) of the file, through m_buffer (valid until the next call).
  std::string_view bytesAt(std::size_t offset, std::size_t len) const;
  // The index of the last keyframe at or before tUs (or -1).
  long keyframeAt(std::int64_t tUs) const;
  // Calls visit(record, offset) for records from keyframe `k` (or the start), or from offset
  // `from` if later, on; visit returns false to stop.
  template <class Visit>
  void walk(long k, Visit&& visit, std::size_t from = 0) const;
  void applyKeyframe(const RecordRef& r, RunState& s) const;
  // The newest `limit` items of one stream with seq > afterSeq, up to uptoUs (events, logs).
  template <class T, class Get, class SeqOf, class TimeMsOf>
  std::vector<T> newestUpTo(RecordType type, Get get, SeqOf seqOf, TimeMsOf timeMsOf,
                            std::uint64_t Keyframe::*seqAtKeyframe, std::uint64_t afterSeq, std::int64_t uptoUs,
                            std::size_t limit) const;

  std::string m_path;
  int m_fd = -1;
  std::size_t m_size = 0;             // the file's size when last looked at
  mutable std::string m_buffer;       // a window of the file
  mutable std::size_t m_bufferAt = 0;
  QJsonObject m_header;
  int m_nodes = 0;
  std::size_t m_first = 0;   // first record's offset
  std::size_t m_good = 0;    // end of the last good record
  std::int64_t m_startUs = 0, m_endUs = 0;
  bool m_complete = false;
  std::string m_damage;
  std::vector<Keyframe> m_keyframes;
  std::vector<EntryBatch> m_entryBatches;
  Index m_highestEntry = 0;
  std::vector<Marker> m_markers;
  std::vector<Moment> m_moments;
  std::vector<cluster::Finding> m_findings;

  // stateAt's last answer and where it stopped reading, for cheap small steps forward.
  struct Cursor {
    long keyframe = -2;
    std::size_t offset = 0;
    RunState state;
  };
  mutable Cursor m_cursor;
};

}  // namespace qlab::recording
