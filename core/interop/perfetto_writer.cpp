// Perfetto / Chrome trace JSON (docs/interop.md#perfetto), times in microseconds since the
// cluster started. One process per node with three named threads: messages (a short slice
// per send and per receive, with a flow arrow from each send to its receive), wal (a short
// slice per fsync that moved the durable end: the event marks when it finished, so the
// slice has a nominal width, not the fsync's duration), and events (instants: elections,
// faults, log changes). A "clients" process has a thread per client with a slice per
// request, invoke to answer; a "cluster" process holds the cluster-wide faults (partition,
// heal). Slices of one thread never overlap: several events in the same millisecond are laid
// side by side, and a receive is never placed before its send.
#include <algorithm>
#include <map>

#include "core/common/json_writer.h"
#include "core/interop/run_analysis.h"
#include "core/interop/writers.h"
#include "core/replication/message.h"

namespace qlab::interop {

namespace {

constexpr std::int64_t kClusterPid = 999;
constexpr std::int64_t kClientsPid = 1000;
constexpr std::int64_t kClusterTid = 99901;
constexpr std::int64_t kClientTidBase = 100000;
constexpr std::int64_t kSliceUs = 2;  // width of a message or flush slice
constexpr std::int64_t kSlotUs = 3;   // slice plus a gap: the next one on the thread starts here

enum Thread : std::int64_t { kMessages = 1, kWal = 2, kEvents = 3 };
std::int64_t tidOf(NodeId n, Thread t) { return static_cast<std::int64_t>(n) * 10 + t; }

class Trace {
 public:
  explicit Trace(std::ostream& out) : m_out(out) { m_out << "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n"; }
  void add(JsonWriter& w) {
    m_out << (m_first ? "" : ",\n") << w.str();
    m_first = false;
  }
  void finish() { m_out << "\n]}\n"; }
  // Metadata: process_name / thread_name.
  void name(const char* what, std::int64_t pid, std::int64_t tid, const std::string& name) {
    JsonWriter w;
    w.beginObject().key("ph").value("M").key("name").value(what).key("pid").value(pid).key("tid").value(tid);
    w.key("args").beginObject().key("name").value(name).endObject().endObject();
    add(w);
  }
  static JsonWriter event(const char* ph, const std::string& name, const char* cat, std::int64_t pid,
                          std::int64_t tid, std::int64_t ts) {
    JsonWriter w;
    w.beginObject().key("ph").value(ph).key("name").value(name).key("cat").value(cat);
    w.key("pid").value(pid).key("tid").value(tid).key("ts").value(ts);
    return w;
  }

 private:
  std::ostream& m_out;
  bool m_first = true;
};

const char* typeName(std::uint8_t t) {
  return replication::isValidMessageType(t) ? replication::messageTypeName(static_cast<replication::MessageType>(t))
                                            : "unknown";
}

void writeNodes(Trace& trace, const InteropRun& run) {
  for (NodeId n : run.nodes) {
    const auto pid = static_cast<std::int64_t>(n);
    trace.name("process_name", pid, tidOf(n, kMessages), "node " + std::to_string(n));
    trace.name("thread_name", pid, tidOf(n, kMessages), "messages");
    trace.name("thread_name", pid, tidOf(n, kWal), "wal fsync");
    trace.name("thread_name", pid, tidOf(n, kEvents), "elections, faults, log");
  }
  trace.name("process_name", kClusterPid, kClusterTid, "cluster");
  trace.name("thread_name", kClusterPid, kClusterTid, "cluster-wide faults");

  const std::vector<std::ptrdiff_t> match = matchMessages(run.events);
  std::vector<bool> matchedSend(run.events.size(), false);
  for (std::ptrdiff_t s : match)
    if (s != kNoSend) matchedSend[static_cast<std::size_t>(s)] = true;
  std::vector<std::int64_t> placed(run.events.size(), 0);  // where each send's slice starts
  std::map<std::int64_t, std::int64_t> nextFree;            // per tid: the next slice starts at or after
  auto place = [&](std::int64_t tid, std::int64_t ts) {
    ts = std::max(ts, nextFree[tid]);
    nextFree[tid] = ts + kSlotUs;
    return ts;
  };
  for (std::size_t i = 0; i < run.events.size(); ++i) {
    const node::NodeEvent& e = run.events[i];
    const auto pid = static_cast<std::int64_t>(e.node);
    const std::int64_t natural = e.tMs * 1000;
    if (e.kind == node::EventKind::kSend || e.kind == node::EventKind::kRecv) {
      const bool send = e.kind == node::EventKind::kSend;
      const std::int64_t tid = tidOf(e.node, kMessages);
      std::int64_t ts = natural;
      if (match[i] != kNoSend) ts = std::max(ts, placed[static_cast<std::size_t>(match[i])]);
      ts = place(tid, ts);
      placed[i] = ts;
      JsonWriter w = Trace::event("X", describeEvent(e), "message", pid, tid, ts);
      w.key("dur").value(kSliceUs).key("args").beginObject().key("type").value(typeName(e.msgType));
      w.key("first").value(e.a).key("last").value(e.b).key("generation").value(e.generation).endObject().endObject();
      trace.add(w);
      // The arrow: from inside the send's slice to inside the receive's slice.
      if (send ? matchedSend[i] : match[i] != kNoSend) {
        const std::size_t id = send ? i : static_cast<std::size_t>(match[i]);
        JsonWriter f = Trace::event(send ? "s" : "f", typeName(e.msgType), "message", pid, tid, ts + 1);
        f.key("id").value(static_cast<std::uint64_t>(id));
        if (!send) f.key("bp").value("e");
        f.endObject();
        trace.add(f);
      }
    } else if (e.kind == node::EventKind::kFlush) {
      const std::int64_t tid = tidOf(e.node, kWal);
      JsonWriter w = Trace::event("X", "fsync: durable end " + std::to_string(e.a), "wal", pid, tid, place(tid, natural));
      w.key("dur").value(kSliceUs).key("args").beginObject().key("durable_end").value(e.a);
      w.key("flushes").value(e.b).endObject().endObject();
      trace.add(w);
    } else if (e.kind != node::EventKind::kClientWrite && e.kind != node::EventKind::kClientRead) {
      const bool cluster = e.node == kNoNode;
      const char* cat = isFault(e.kind) ? "fault" : isElection(e.kind) ? "election" : "log";
      JsonWriter w = Trace::event("i", describeEvent(e), cat, cluster ? kClusterPid : pid,
                                  cluster ? kClusterTid : tidOf(e.node, kEvents), natural);
      w.key("s").value("t").endObject();
      trace.add(w);
    }
  }
}

// Each client's requests on its own thread; a request that began before the client's last
// one ended (never expected) goes on an extra thread, so slices still never overlap.
void writeClients(Trace& trace, const InteropRun& run) {
  trace.name("process_name", kClientsPid, kClientTidBase, "clients");
  std::map<std::uint64_t, std::vector<std::pair<std::int64_t, std::int64_t>>> lanes;  // client -> (tid, end)
  std::int64_t nextTid = kClientTidBase;
  for (const cluster::Operation* op : byInvocation(run.operations)) {
    auto& mine = lanes[op->client];
    auto lane = std::find_if(mine.begin(), mine.end(), [&](const auto& l) { return l.second <= op->invokeUs; });
    if (lane == mine.end()) {
      mine.emplace_back(nextTid++, 0);
      lane = std::prev(mine.end());
      std::string name = "client " + std::to_string(op->client);
      if (mine.size() > 1) name += " (overlap " + std::to_string(mine.size() - 1) + ")";
      trace.name("thread_name", kClientsPid, lane->first, name);
    }
    const std::int64_t dur = std::max<std::int64_t>(1, op->completeUs - op->invokeUs);
    lane->second = op->invokeUs + dur;
    const bool write = op->kind == cluster::OpKind::kWrite;
    JsonWriter w = Trace::event("X", std::string(write ? "write " : "read ") + op->key + " " + cluster::opResultName(op->result),
                                "client", kClientsPid, lane->first, op->invokeUs);
    w.key("dur").value(dur).key("args").beginObject().key("client").value(op->client).key("seq").value(op->seq);
    w.key("result").value(cluster::opResultName(op->result));
    if (write || op->found) w.key("value").value(op->value);
    w.key("index").value(op->index).key("attempts").value(op->attempts).endObject().endObject();
    trace.add(w);
  }
}

}  // namespace

Status writePerfetto(const InteropRun& run, std::ostream& out) {
  Trace trace(out);
  writeNodes(trace, run);
  writeClients(trace, run);
  trace.finish();
  if (!out) return Status::ioError("the trace could not be written");
  return Status::ok();
}

}  // namespace qlab::interop
