#include "core/recording/run_writer.h"

#include "core/common/thread_priority.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace qlab::recording {

namespace {
std::uint64_t entryKey(const node::EntryView& e) {
  return e.client * 0x9E3779B97F4A7C15ull ^ (e.seq + static_cast<std::uint64_t>(e.type) * 0x632BE59BD9B4E019ull);
}
}  // namespace

Result<std::unique_ptr<RunWriter>> RunWriter::create(const std::string& path, const std::string& headerJson,
                                                     int nodes, std::function<std::int64_t()> clockUs) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::ioError("cannot create the recording " + path + ": " + std::strerror(errno) +
                           ": choose a writable place for it");
  std::unique_ptr<RunWriter> w(new RunWriter(path, fd, nodes, std::move(clockUs)));
  w->append(encodeHeader(headerJson));
  if (Status s = w->status(); !s) return s;
  w->m_thread = std::thread([p = w.get()] { p->run(); });
  return w;
}

RunWriter::RunWriter(std::string path, int fd, int nodes, std::function<std::int64_t()> clockUs)
    : m_path(std::move(path)), m_fd(fd), m_nodes(nodes), m_clockUs(std::move(clockUs)) {
  m_views.resize(static_cast<std::size_t>(nodes));
  m_state.nodes = nodes;
  m_state.links.assign(static_cast<std::size_t>(nodes * nodes), {});
}

RunWriter::~RunWriter() {
  (void)close();
  ::close(m_fd);
}

void RunWriter::push(Item item) {
  std::lock_guard lk(m_mu);
  if (m_closing) return;
  const bool view = std::holds_alternative<std::shared_ptr<const node::NodeView>>(item.what);
  if (m_queue.size() >= kMaxQueued || (view && m_queuedViews >= kMaxQueuedViews)) {
    ++m_stats.dropped;
    return;
  }
  m_queuedViews += view ? 1 : 0;
  item.tUs = m_clockUs();
  m_queue.push_back(std::move(item));
}

void RunWriter::addView(const std::shared_ptr<const node::NodeView>& v) {
  if (v && v->id >= 1 && static_cast<int>(v->id) <= m_nodes) push({0, v});
}
void RunWriter::addEvent(const cluster::RecordedEvent& e) { push({0, e}); }
void RunWriter::addOperation(const cluster::Operation& op) { push({0, op}); }
void RunWriter::addLogLines(std::vector<cluster::LogLine> lines) {
  if (!lines.empty()) push({0, std::move(lines)});
}
void RunWriter::addFindings(std::vector<cluster::Finding> findings) {
  if (!findings.empty()) push({0, std::move(findings)});
}
void RunWriter::setState(const ClusterState& s) { push({0, s}); }
void RunWriter::addMoment(const std::string& name) { push({0, Moment{0, name}}); }

void RunWriter::flush() {
  std::unique_lock lk(m_mu);
  if (m_closed || !m_thread.joinable()) return;
  const std::uint64_t want = ++m_flushGen;
  m_cv.notify_all();
  m_flushedCv.wait_for(lk, std::chrono::seconds(10), [&] { return m_flushedGen >= want || m_closed; });
}

Status RunWriter::close() {
  {
    std::lock_guard lk(m_mu);
    m_closing = true;
  }
  m_cv.notify_all();
  if (m_thread.joinable()) m_thread.join();
  std::lock_guard lk(m_mu);
  m_closed = true;
  m_flushedCv.notify_all();
  return m_status;
}

Status RunWriter::status() const {
  std::lock_guard lk(m_mu);
  return m_status;
}

WriterStats RunWriter::stats() const {
  std::lock_guard lk(m_mu);
  return m_stats;
}

void RunWriter::append(const std::string& bytes) {
  if (m_failed) return;
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(m_fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      m_failed = true;
      std::lock_guard lk(m_mu);
      m_status = (err == ENOSPC ? Status::noSpace : Status::ioError)(
          "recording to " + m_path + " stopped: " + std::strerror(err) +
          (err == ENOSPC ? ": the disk is full; free space and start a new recording"
                         : ": the recording is readable up to here"));
      return;
    }
    done += static_cast<std::size_t>(n);
  }
  std::lock_guard lk(m_mu);
  m_stats.bytes += bytes.size();
  ++m_stats.records;
}

void RunWriter::noteEntries(const node::NodeView& v, std::string& batch, Index& lo, Index& hi, std::uint32_t& n) {
  for (const auto& e : v.recent) {
    auto [it, fresh] = m_entrySeen.try_emplace(e.index, e.generation, entryKey(e));
    if (!fresh && it->second == std::pair{e.generation, entryKey(e)}) continue;
    it->second = {e.generation, entryKey(e)};
    putEntry(batch, e);
    ++n;
    lo = lo == 0 ? e.index : std::min(lo, e.index);
    hi = std::max(hi, e.index);
  }
  // Bounded: what no node's window can show again is forgotten (a truncation and rewrite
  // of an index below that would be written again: correct, just a few bytes more).
  if (m_entrySeen.size() > 65536) m_entrySeen.erase(m_entrySeen.begin(), std::next(m_entrySeen.begin(), 32768));
}

void RunWriter::writeBatch(std::vector<Item>& items) {
  std::string events, ops, logs, findings, markers, entries;
  std::uint32_t nEvents = 0, nOps = 0, nLogs = 0, nFindings = 0, nMarkers = 0, nEntries = 0;
  Index entriesLo = 0, entriesHi = 0;
  std::int64_t lastUs = m_lastKeyframeUs < 0 ? 0 : m_lastKeyframeUs;
  std::uint64_t views = 0, eventsIn = 0, opsIn = 0;
  auto flushStreams = [&] {
    auto put = [&](RecordType t, std::string& body, std::uint32_t& n, bool compress, std::string clear = {}) {
      if (n == 0) return;
      std::string payload;
      coding::putFixed32(payload, n);
      payload += body;
      append(frameRecord(t, lastUs, payload, compress, clear));
      body.clear();
      n = 0;
    };
    std::string range;
    coding::putFixed64(range, entriesLo);
    coding::putFixed64(range, entriesHi);
    put(RecordType::kEntries, entries, nEntries, true, range);
    entriesLo = entriesHi = 0;
    put(RecordType::kEvents, events, nEvents, true);
    put(RecordType::kOperations, ops, nOps, true);
    put(RecordType::kLogs, logs, nLogs, true);
    put(RecordType::kFindings, findings, nFindings, false);
    put(RecordType::kMarkers, markers, nMarkers, false);
  };
  std::uint64_t dropped = 0;
  {
    std::lock_guard lk(m_mu);
    dropped = m_stats.dropped;
  }
  if (dropped > m_droppedNoted) {
    Marker m{lastUs, node::EventKind::kFailed, kNoNode, dropped - m_droppedNoted, 0, {},
             "the recording left out " + std::to_string(dropped - m_droppedNoted) + " items (the disk was too slow)"};
    putMarker(markers, m);
    ++nMarkers;
    m_droppedNoted = dropped;
  }
  for (Item& it : items) {
    lastUs = std::max(lastUs, it.tUs);
    if (events.size() + ops.size() + logs.size() + entries.size() > kMaxBatchBytes) flushStreams();
    if (auto* v = std::get_if<std::shared_ptr<const node::NodeView>>(&it.what)) {
      auto& prev = m_views[(*v)->id - 1];
      noteEntries(**v, entries, entriesLo, entriesHi, nEntries);
      std::string body;
      putView(body, **v, prev.get());
      append(frameRecord(RecordType::kView, it.tUs, body, true));
      prev = *v;
      ++views;
    } else if (auto* s = std::get_if<ClusterState>(&it.what)) {
      std::string body;
      putState(body, *s);
      append(frameRecord(RecordType::kState, it.tUs, body, false));
      m_state = *s;
    } else if (auto* e = std::get_if<cluster::RecordedEvent>(&it.what)) {
      putEvent(events, *e);
      ++nEvents;
      ++eventsIn;
      m_lastEventSeq = std::max(m_lastEventSeq, e->seq);
      if (std::string text = markerText(e->event); !text.empty()) {
        putMarker(markers, Marker{e->event.tMs * 1000, e->event.kind, e->event.node, e->event.a, e->event.b,
                                  e->event.detail, text});
        ++nMarkers;
      }
    } else if (auto* op = std::get_if<cluster::Operation>(&it.what)) {
      putOperation(ops, *op);
      ++nOps;
      ++opsIn;
      ++m_opsWritten;
    } else if (auto* ls = std::get_if<std::vector<cluster::LogLine>>(&it.what)) {
      for (const auto& l : *ls) {
        putLogLine(logs, l);
        ++nLogs;
        m_lastLogSeq = std::max(m_lastLogSeq, l.seq);
      }
    } else if (auto* fs = std::get_if<std::vector<cluster::Finding>>(&it.what)) {
      for (const auto& f : *fs) {
        putFinding(findings, f);
        ++nFindings;
      }
    } else if (auto* m = std::get_if<Moment>(&it.what)) {
      std::string body;
      coding::putBytes(body, m->name);
      append(frameRecord(RecordType::kMoment, it.tUs, body, false));
    }
  }
  flushStreams();
  {
    std::lock_guard lk(m_mu);
    m_stats.views += views;
    m_stats.events += eventsIn;
    m_stats.operations += opsIn;
  }
  if (m_lastKeyframeUs < 0 || lastUs - m_lastKeyframeUs >= kKeyframeEveryUs) writeKeyframe(lastUs);
}

void RunWriter::writeKeyframe(std::int64_t tUs) {
  std::string body;
  putState(body, m_state);
  coding::putFixed32(body, static_cast<std::uint32_t>(m_nodes));
  for (int i = 0; i < m_nodes; ++i) {
    const auto& v = m_views[static_cast<std::size_t>(i)];
    coding::putFixed8(body, v ? 1 : 0);
    if (v) putView(body, *v, nullptr);
  }
  std::string clear;
  coding::putFixed64(clear, m_lastEventSeq);
  coding::putFixed64(clear, m_lastLogSeq);
  coding::putFixed64(clear, m_opsWritten);
  append(frameRecord(RecordType::kKeyframe, tUs, body, true, clear));
  m_lastKeyframeUs = tUs;
  std::lock_guard lk(m_mu);
  ++m_stats.keyframes;
}

void RunWriter::run() {
  // The explorer records the cluster it runs: encoding and writing the recording is cluster
  // work, not drawing, so it runs at the cluster threads' priority.
  applyClusterThreadNice();
  for (;;) {
    std::vector<Item> items;
    bool closing = false;
    std::uint64_t flushGen = 0;
    {
      std::unique_lock lk(m_mu);
      m_cv.wait_for(lk, std::chrono::milliseconds(50), [&] { return m_closing || m_flushGen > m_flushedGen; });
      items.swap(m_queue);
      m_queuedViews = 0;
      closing = m_closing;
      flushGen = m_flushGen;
    }
    if (!items.empty()) writeBatch(items);
    const std::int64_t now = m_clockUs();
    if (!m_failed && now - m_lastSyncUs > 5'000'000) {
      ::fdatasync(m_fd);  // a crash of the machine loses at most the last seconds
      m_lastSyncUs = now;
    }
    {
      std::lock_guard lk(m_mu);
      m_flushedGen = flushGen;
    }
    m_flushedCv.notify_all();
    if (closing) break;
  }
  if (!m_failed) {
    writeKeyframe(m_clockUs());
    append(frameRecord(RecordType::kEnd, m_clockUs(), {}, false));
    if (::fdatasync(m_fd) != 0) {
      std::lock_guard lk(m_mu);
      m_status = Status::ioError("recording " + m_path + ": fdatasync failed: " + std::strerror(errno));
    }
  }
}

}  // namespace qlab::recording
