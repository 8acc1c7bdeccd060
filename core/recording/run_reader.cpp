#include "core/recording/run_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>

#include <QJsonDocument>

namespace qlab::recording {

namespace {

std::string seconds(std::int64_t us) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f s", static_cast<double>(us) / 1e6);
  return b;
}

// Decodes a batch payload: a u32 count, then `count` values.
template <class T, class Get>
bool forEachIn(const RecordRef& r, Get get, const std::function<bool(T&)>& visit) {
  std::optional<std::string> p = payloadOf(r);
  if (!p) return true;
  coding::Reader in(*p);
  std::uint32_t n = in.u32();
  for (std::uint32_t i = 0; i < n && in.ok(); ++i) {
    T v{};
    if (!get(in, v)) break;
    if (!visit(v)) return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<RunReader>> RunReader::open(const std::string& path) {
  std::unique_ptr<RunReader> r(new RunReader());
  r->m_path = path;
  r->m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (r->m_fd < 0)
    return Status::notFound("cannot open the recording " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(r->m_fd, &st) != 0 || !S_ISREG(st.st_mode))
    return Status::invalidArgument(path + " is not a regular file: open a .qlabrun recording");
  r->m_size = r->fileSize();
  if (r->m_size == 0) return Status::invalidArgument(path + " is empty: it is not a Quorum Lab recording");
  auto h = decodeHeader(r->bytesAt(0, std::min<std::size_t>(r->m_size, (1u << 20) + 64)), path);
  if (!h) return h.status();
  QJsonParseError err{};
  r->m_header = QJsonDocument::fromJson(QByteArray::fromStdString(h->json), &err).object();
  r->m_nodes = r->m_header.value("nodes").toInt();
  if (r->m_nodes < 1 || r->m_nodes > 9)
    return Status::corruption(path + ": the recording's header names " + std::to_string(r->m_nodes) +
                              " nodes (1 to 9 expected): the file is damaged");
  r->m_first = r->m_good = h->bytes;
  r->scanFrom(r->m_first);
  if (r->m_keyframes.empty() && r->m_good == r->m_first && !r->m_damage.empty())
    return Status::corruption(r->m_damage + " (no record at all could be read)");
  if (!r->m_complete && r->m_damage.empty())
    r->m_damage = path + " was not closed cleanly (no end record: a crash while recording, a copy of a run "
                         "still being recorded, or a cut download); it shows the run up to " + seconds(r->m_endUs);
  return r;
}

RunReader::~RunReader() {
  if (m_fd >= 0) ::close(m_fd);
}

std::size_t RunReader::fileSize() const {
  struct stat st {};
  return ::fstat(m_fd, &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
}

std::string_view RunReader::bytesAt(std::size_t offset, std::size_t len) const {
  if (offset >= m_bufferAt && offset + len <= m_bufferAt + m_buffer.size())
    return std::string_view(m_buffer).substr(offset - m_bufferAt, len);
  // Read ahead: walks go forward through a second or so of records.
  const std::size_t want = std::max<std::size_t>(len, 4u << 20);
  m_buffer.resize(want);
  std::size_t got = 0;
  while (got < want) {
    const ssize_t n = ::pread(m_fd, m_buffer.data() + got, want - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  m_buffer.resize(got);
  m_bufferAt = offset;
  return std::string_view(m_buffer).substr(0, std::min(len, got));
}

FrameCheck RunReader::frameAt(std::size_t offset, RecordRef& r, bool verify) const {
  const std::string_view head = bytesAt(offset, kFrameHeaderBytes);
  if (head.size() < kFrameHeaderBytes) return FrameCheck::kIncomplete;
  const std::uint32_t len = coding::decodeFixed32(head.data());
  if (len > kMaxRecordBytes) return FrameCheck::kCorrupt;
  return readFrame(bytesAt(offset, kFrameHeaderBytes + len), r, verify);
}

bool RunReader::refresh() {
  const std::size_t before = m_good;
  if (!m_damage.empty() && m_damage.find("damaged record") != std::string::npos) return false;
  m_size = fileSize();
  m_buffer.clear();  // bytes past the old end may have been read short
  m_damage.clear();
  scanFrom(m_good);
  m_cursor.keyframe = -2;  // the map may have moved
  return m_good != before;
}

void RunReader::scanFrom(std::size_t off) {
  while (off < m_size) {
    RecordRef r;
    const FrameCheck c = frameAt(off, r, true);
    if (c == FrameCheck::kIncomplete) {
      m_damage = m_path + " ends inside a record at byte " + std::to_string(off) +
                 " (cut short: a crash while recording, or an incomplete copy); it shows the run up to " +
                 seconds(m_endUs);
      break;
    }
    if (c == FrameCheck::kCorrupt) {
      m_damage = m_path + ": damaged record at byte " + std::to_string(off) + "; it shows the run up to " +
                 seconds(m_endUs) + " (what follows cannot be trusted)";
      break;
    }
    // Times only go forwards (pictures and states are stamped in order; batches carry their
    // newest item's time) and stay in a sane range: anything else is damage, not data.
    constexpr std::int64_t kSaneUs = std::int64_t{1} << 50;  // ~35 years
    if (r.tUs < 0 || r.tUs > kSaneUs || (off != m_first && r.tUs + 2'000'000 < m_endUs)) {
      m_damage = m_path + ": record at byte " + std::to_string(off) + " has an impossible time; it shows the run up to " +
                 seconds(m_endUs) + " (what follows cannot be trusted; damaged record)";
      break;
    }
    if (m_good == m_first && off == m_first) m_startUs = r.tUs;
    m_endUs = std::max(m_endUs, r.tUs);
    switch (r.type) {
      case RecordType::kKeyframe: {
        coding::Reader in(r.clear);
        Keyframe k{r.tUs, off, in.u64(), in.u64(), in.u64()};
        if (in.ok()) m_keyframes.push_back(k);
        break;
      }
      case RecordType::kEntries: {
        coding::Reader in(r.clear);
        EntryBatch b{r.tUs, off, in.u64(), in.u64()};
        if (in.ok() && b.lo <= b.hi) {
          m_entryBatches.push_back(b);
          m_highestEntry = std::max(m_highestEntry, b.hi);
        }
        break;
      }
      case RecordType::kMarkers:
        forEachIn<Marker>(r, getMarker, [this](Marker& m) {
          m_markers.push_back(std::move(m));
          return true;
        });
        break;
      case RecordType::kFindings:
        forEachIn<cluster::Finding>(r, getFinding, [this](cluster::Finding& f) {
          m_findings.push_back(std::move(f));
          return true;
        });
        break;
      case RecordType::kMoment: {
        coding::Reader in(r.body);
        std::string_view name = in.bytes(4096);
        if (in.ok()) m_moments.push_back({r.tUs, std::string(name)});
        break;
      }
      case RecordType::kEnd:
        m_complete = true;
        break;
      default:
        break;  // a record type this version does not know is skipped
    }
    off += r.bytes;
    m_good = off;
  }
}

long RunReader::keyframeAt(std::int64_t tUs) const {
  auto it = std::upper_bound(m_keyframes.begin(), m_keyframes.end(), tUs,
                             [](std::int64_t t, const Keyframe& k) { return t < k.tUs; });
  return static_cast<long>(it - m_keyframes.begin()) - 1;
}

template <class Visit>
void RunReader::walk(long k, Visit&& visit, std::size_t from) const {
  std::size_t off = std::max(from, k >= 0 ? m_keyframes[static_cast<std::size_t>(k)].offset : m_first);
  while (off < m_good) {
    RecordRef r;
    if (frameAt(off, r, false) != FrameCheck::kOk) return;
    if (!visit(r, off)) return;
    off += r.bytes;
  }
}

void RunReader::applyKeyframe(const RecordRef& r, RunState& s) const {
  std::optional<std::string> p = payloadOf(r);
  if (!p) return;
  coding::Reader in(*p);
  ClusterState cs;
  if (!getState(in, cs)) return;
  s.cluster = std::move(cs);
  const std::uint32_t n = in.u32();
  for (std::uint32_t i = 0; i < n && in.ok() && i < s.views.size(); ++i) {
    if (in.u8() == 0) continue;
    auto v = std::make_shared<node::NodeView>();
    if (!getView(in, nullptr, *v) || v->id < 1 || v->id > s.views.size()) return;
    s.views[v->id - 1] = std::move(v);
  }
}

RunState RunReader::stateAt(std::int64_t tUs) const {
  const long k = keyframeAt(tUs);
  RunState s;
  std::size_t from = 0;
  if (m_cursor.keyframe == k && m_cursor.state.tUs <= tUs) {
    s = m_cursor.state;
    from = m_cursor.offset;
  } else {
    s.cluster.nodes = m_nodes;
    s.cluster.links.assign(static_cast<std::size_t>(m_nodes * m_nodes), {});
    for (int i = 0; i < m_nodes; ++i) {
      auto v = std::make_shared<node::NodeView>();
      v->id = static_cast<NodeId>(i + 1);
      s.views.push_back(std::move(v));
    }
  }
  std::size_t stoppedAt = m_good;
  walk(k, [&](const RecordRef& r, std::size_t off) {
    const bool stateful = r.type == RecordType::kView || r.type == RecordType::kState || r.type == RecordType::kKeyframe;
    if (!stateful) return true;
    if (r.tUs > tUs) {
      stoppedAt = off;
      return false;
    }
    if (r.type == RecordType::kKeyframe) {
      applyKeyframe(r, s);
    } else if (r.type == RecordType::kState) {
      std::optional<std::string> p = payloadOf(r);
      if (!p) return true;
      coding::Reader in(*p);
      ClusterState cs;
      if (getState(in, cs) && cs.nodes == m_nodes) s.cluster = std::move(cs);
    } else {
      std::optional<std::string> p = payloadOf(r);
      if (!p || p->size() < 4) return true;
      const NodeId id = coding::decodeFixed32(p->data());
      if (id < 1 || id > s.views.size()) return true;
      coding::Reader in(*p);
      auto v = std::make_shared<node::NodeView>();
      if (getView(in, s.views[id - 1].get(), *v)) s.views[id - 1] = std::move(v);
    }
    return true;
  }, from);  // resuming from the cursor: only the records after it
  s.tUs = tUs;
  m_cursor.keyframe = k;
  m_cursor.offset = stoppedAt;
  m_cursor.state = s;
  return s;
}

template <class T, class Get, class SeqOf, class TimeMsOf>
std::vector<T> RunReader::newestUpTo(RecordType type, Get get, SeqOf seqOf, TimeMsOf timeMsOf,
                                     std::uint64_t Keyframe::*seqAtKeyframe, std::uint64_t afterSeq,
                                     std::int64_t uptoUs, std::size_t limit) const {
  // Start at a keyframe early enough to hold `limit` items before uptoUs, but not before the
  // one that already holds afterSeq.
  long k = keyframeAt(uptoUs);
  const std::uint64_t seqAtK = k >= 0 ? m_keyframes[static_cast<std::size_t>(k)].*seqAtKeyframe : 0;
  while (k >= 0) {
    const std::uint64_t s = m_keyframes[static_cast<std::size_t>(k)].*seqAtKeyframe;
    if (s <= afterSeq || seqAtK - s >= limit) break;
    --k;
  }
  std::deque<T> out;
  bool done = false;
  walk(k, [&](const RecordRef& r, std::size_t) {
    if (r.type != type) return !(r.type == RecordType::kKeyframe && r.tUs > uptoUs + 1'000'000);
    forEachIn<T>(r, get, [&](T& item) {
      if (timeMsOf(item) * 1000 > uptoUs) {
        done = true;  // a prefix by seq: the stream never skips an item and comes back to it
        return false;
      }
      if (seqOf(item) > afterSeq) {
        out.push_back(std::move(item));
        if (out.size() > limit) out.pop_front();
      }
      return true;
    });
    return !done;
  });
  return {std::make_move_iterator(out.begin()), std::make_move_iterator(out.end())};
}

std::vector<cluster::RecordedEvent> RunReader::eventsUpTo(std::uint64_t afterSeq, std::int64_t uptoUs,
                                                          std::size_t limit) const {
  return newestUpTo<cluster::RecordedEvent>(
      RecordType::kEvents, getEvent, [](const cluster::RecordedEvent& e) { return e.seq; },
      [](const cluster::RecordedEvent& e) { return e.event.tMs; }, &Keyframe::lastEventSeq, afterSeq, uptoUs, limit);
}

std::vector<cluster::RecordedEvent> RunReader::eventsBetween(std::int64_t fromMs, std::int64_t toMs,
                                                             std::size_t limit) const {
  std::vector<cluster::RecordedEvent> out;
  walk(keyframeAt(fromMs * 1000 - 1'000'000), [&](const RecordRef& r, std::size_t) {
    if (r.type == RecordType::kKeyframe && r.tUs > toMs * 1000 + 1'000'000) return false;
    if (r.type != RecordType::kEvents) return true;
    forEachIn<cluster::RecordedEvent>(r, getEvent, [&](cluster::RecordedEvent& e) {
      if (e.event.tMs >= fromMs && e.event.tMs <= toMs) out.push_back(std::move(e));
      return out.size() < limit;
    });
    return out.size() < limit;
  });
  return out;
}

std::vector<cluster::Operation> RunReader::operationsUpTo(std::int64_t afterUs, std::int64_t uptoUs,
                                                          std::int64_t notBeforeUs) const {
  std::vector<cluster::Operation> out;
  const std::int64_t lo = std::max(afterUs, notBeforeUs - 1);
  walk(keyframeAt(lo - 2'000'000), [&](const RecordRef& r, std::size_t) {
    if (r.type == RecordType::kKeyframe && r.tUs > uptoUs + 1'000'000) return false;
    if (r.type != RecordType::kOperations) return true;
    forEachIn<cluster::Operation>(r, getOperation, [&](cluster::Operation& op) {
      if (op.completeUs > lo && op.completeUs <= uptoUs) out.push_back(std::move(op));
      return true;
    });
    return true;
  });
  return out;
}

std::vector<cluster::LogLine> RunReader::logsUpTo(std::uint64_t afterSeq, std::int64_t uptoUs,
                                                  std::size_t limit) const {
  return newestUpTo<cluster::LogLine>(
      RecordType::kLogs, getLogLine, [](const cluster::LogLine& l) { return l.seq; },
      [](const cluster::LogLine& l) { return l.tMs; }, &Keyframe::lastLogSeq, afterSeq, uptoUs, limit);
}

std::vector<node::EntryView> RunReader::entries(NodeId id, Index from, Index to, std::int64_t tUs) const {
  std::vector<node::EntryView> out;
  if (id < 1 || static_cast<int>(id) > m_nodes || from > to) return out;
  to = std::min(to, from + 4095);
  const RunState s = stateAt(tUs);
  const node::NodeView& v = *s.views[id - 1];
  from = std::max(from, v.firstIndex);
  to = std::min(to, v.lastIndex);
  if (from > to) return out;
  std::map<Index, node::EntryView> found;
  for (const auto& e : v.recent)
    if (e.index >= from && e.index <= to) found.emplace(e.index, e);
  const Index ownFrom = v.recent.empty() ? to + 1 : v.recent.front().index;
  if (from < ownFrom) {
    for (const EntryBatch& b : m_entryBatches) {
      if (b.tUs > tUs) break;
      if (b.hi < from || b.lo > std::min(to, ownFrom - 1)) continue;
      RecordRef r;
      if (frameAt(b.offset, r, false) != FrameCheck::kOk) continue;
      forEachIn<node::EntryView>(r, getEntry, [&](node::EntryView& e) {
        if (e.index >= from && e.index < ownFrom && e.index <= to) found[e.index] = std::move(e);
        return true;
      });
    }
  }
  out.reserve(found.size());
  for (auto& [i, e] : found) out.push_back(std::move(e));
  return out;
}

std::optional<std::int64_t> RunReader::nextEventUs(std::int64_t tUs) const {
  std::optional<std::int64_t> best;
  int keyframes = 0;  // a quiet stretch: give up after a minute's worth of keyframes
  walk(keyframeAt(tUs - 1'000'000), [&](const RecordRef& r, std::size_t) {
    if (r.type == RecordType::kKeyframe && ++keyframes > 60) return false;
    if (r.type != RecordType::kEvents) return !(best && r.type == RecordType::kKeyframe);
    forEachIn<cluster::RecordedEvent>(r, getEvent, [&](cluster::RecordedEvent& e) {
      const std::int64_t t = e.event.tMs * 1000;
      if (t > tUs && (!best || t < *best)) best = t;
      return true;
    });
    return true;
  });
  return best;
}

std::optional<std::int64_t> RunReader::prevEventUs(std::int64_t tUs) const {
  // Look back one keyframe at a time until an earlier event turns up.
  for (long k = keyframeAt(tUs); k >= -1; --k) {
    std::optional<std::int64_t> best;
    const std::int64_t stopUs = k + 1 < static_cast<long>(m_keyframes.size())
                                    ? std::min(tUs, m_keyframes[static_cast<std::size_t>(k + 1)].tUs) + 1'000'000
                                    : tUs + 1'000'000;
    walk(k, [&](const RecordRef& r, std::size_t) {
      if (r.tUs > stopUs) return false;
      if (r.type != RecordType::kEvents) return true;
      forEachIn<cluster::RecordedEvent>(r, getEvent, [&](cluster::RecordedEvent& e) {
        const std::int64_t t = e.event.tMs * 1000;
        if (t < tUs && (!best || t > *best)) best = t;
        return true;
      });
      return true;
    });
    if (best) return best;
    if (k < 0) break;
  }
  return std::nullopt;
}

}  // namespace qlab::recording
