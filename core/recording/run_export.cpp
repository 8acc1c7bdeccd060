#include "core/recording/run_export.h"

#include <filesystem>
#include <fstream>
#include <set>

#include <QJsonDocument>

#include "core/common/json_writer.h"
#include "core/kv/command.h"

namespace qlab::recording {

namespace {

Entry toEntry(const node::EntryView& e) {
  Entry out;
  out.index = e.index;
  out.generation = e.generation;
  out.type = e.type;
  if (e.type == EntryType::kData) out.payload = kv::encodeCommand({e.client, e.seq, e.key, e.value});
  return out;
}

std::string entryLine(const node::EntryView& e, bool committed, bool durable) {
  JsonWriter w;
  w.beginObject();
  w.key("index").value(e.index);
  w.key("generation").value(e.generation);
  w.key("type").value(entryTypeName(e.type));
  if (e.type == EntryType::kData) {
    w.key("client").value(e.client).key("seq").value(e.seq);
    w.key("key").value(e.key).key("value").value(e.value);
  } else {
    w.key("client").null().key("seq").null().key("key").null().key("value").null();
  }
  w.key("timestamp_ms").value(e.timestampMs);
  w.key("committed").value(committed);
  w.key("durable").value(durable);
  w.endObject();
  return w.take();
}

}  // namespace

Status exportRunAt(const RunReader& run, std::int64_t tUs, const std::string& dir,
                   const std::function<bool(const cluster::ExportProgress&)>& progress) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::ioError("cannot create export directory " + dir + ": " + ec.message());
  const RunState state = run.stateAt(tUs);
  const int n = run.nodes();
  cluster::ExportProgress p{0, n + 4, ""};
  auto step = [&](const std::string& what) {
    p.what = what;
    const bool go = !progress || progress(p);
    ++p.done;
    return go;
  };
  auto open = [&](const std::string& name, std::ofstream& out) {
    out.open(dir + "/" + name, std::ios::out | std::ios::trunc);
    return out ? Status::ok()
               : Status::ioError("cannot write " + dir + "/" + name + "; check the export directory is writable");
  };
  const NodeId leader = state.leader();
  const Index hwm = state.hwm();
  const NodeId reference = cluster::referenceNode(state.views, leader);

  // Node logs, the reference node first: its log decides which entries are committed.
  std::vector<NodeId> order;
  if (reference != kNoNode) order.push_back(reference);
  for (const auto& v : state.views)
    if (v->id != reference) order.push_back(v->id);
  std::map<Index, Generation> committedGen;
  cluster::AckJudge judge;
  Index referenceFirst = 0;
  std::uint64_t missing = 0;
  for (NodeId id : order) {
    if (!step("node " + std::to_string(id) + " log")) return Status::aborted("export cancelled");
    std::ofstream out;
    QLAB_RETURN_IF_ERROR(open("node-" + std::to_string(id) + ".jsonl", out));
    const node::NodeView& v = *state.views[id - 1];
    const bool up = v.status == node::NodeStatus::kRunning || v.status == node::NodeStatus::kPaused;
    // A node that is down holds what is durable; one that is up, everything it appended.
    const Index last = up ? v.lastIndex : std::min(v.lastIndex, v.durableEnd);
    if (id == reference) referenceFirst = v.firstIndex;
    // Only as far as entries were ever recorded (a damaged or crafted picture may claim more).
    const Index recordedTo = std::min(last, std::max(run.highestEntryIndex(), v.recent.empty() ? 0 : v.recent.back().index));
    if (recordedTo < last) missing += last - std::max(recordedTo, v.firstIndex - 1);
    for (Index from = v.firstIndex; from <= recordedTo && recordedTo > 0; from += 4096) {
      const Index to = std::min(recordedTo, from + 4095);
      const auto entries = run.entries(id, from, to, tUs);
      missing += (to - from + 1) - entries.size();
      for (const auto& e : entries) {
        bool committed = e.index <= hwm;
        if (id == reference) {
          committedGen[e.index] = e.generation;
          if (committed) judge.see(toEntry(e));
        } else if (auto it = committedGen.find(e.index); it != committedGen.end()) {
          committed = committed && it->second == e.generation;
        }
        out << entryLine(e, committed, e.index <= v.durableEnd) << '\n';
      }
      if (to == recordedTo) break;  // no wrap past the highest index
    }
    out.close();
    if (!out) return Status::ioError("cannot write " + dir + "/node-" + std::to_string(id) + ".jsonl; is the disk full?");
  }

  // The history by then, judged line by line against the reference log.
  if (!step("history")) return Status::aborted("export cancelled");
  cluster::RunSummary summary;
  {
    std::ofstream out;
    QLAB_RETURN_IF_ERROR(open("history.jsonl", out));
    // Pictures lag their nodes by up to a publish interval: an operation answered just before
    // the moment may not show as committed in them yet. The history is the operations
    // completed kPictureLagUs before the moment, whose commits the pictures do show.
    for (const auto& op : run.operationsUpTo(-1, tUs - kPictureLagUs)) {
      out << cluster::Recorder::operationToJson(op) << '\n';
      judge.judge(op, referenceFirst);
      if (op.kind == cluster::OpKind::kWrite && op.result == cluster::OpResult::kOk) ++summary.ackedWrites;
    }
    out.close();
    if (!out) return Status::ioError("cannot write " + dir + "/history.jsonl; is the disk full?");
  }
  if (!step("events")) return Status::aborted("export cancelled");
  {
    std::ofstream out;
    QLAB_RETURN_IF_ERROR(open("events.jsonl", out));
    std::set<std::pair<Generation, NodeId>> leaders;
    for (const auto& e : run.eventsUpTo(0, tUs, SIZE_MAX)) {
      out << cluster::Recorder::eventToJson(e.event) << '\n';
      if (e.event.kind == node::EventKind::kElected) leaders.emplace(e.event.generation, e.event.node);
    }
    summary.leaderChanges = static_cast<int>(leaders.size());
  }

  // The summary, by the live export's rule: lost writes are violations only when every node
  // fsyncs before acknowledging and W is a majority.
  summary.finalHwm = hwm;
  summary.committed = hwm;
  summary.reference = reference;
  summary.lostAcked = judge.verdict().lost;
  summary.unjudgedAcked = judge.verdict().unjudged;
  summary.durationMs = (tUs - run.startUs()) / 1000;
  bool safe = state.cluster.writeQuorum == 0 || state.cluster.writeQuorum > static_cast<std::uint32_t>(n / 2);
  for (const auto& v : state.views)
    if (v->flush.mode != wal::FlushMode::kAlways && v->flush.mode != wal::FlushMode::kGroup) safe = false;
  for (const auto& f : run.findings())
    if (f.violation && f.tMs * 1000 <= tUs) summary.violations.push_back(f.text);
  if (safe)
    for (const auto& l : summary.lostAcked)
      summary.violations.push_back("acknowledged write lost under a safe configuration: client " +
                                   std::to_string(l.client) + " seq " + std::to_string(l.seq) + " at index " +
                                   std::to_string(l.index));
  summary.ok = summary.violations.empty();

  if (!step("cluster.json")) return Status::aborted("export cancelled");
  {
    JsonWriter w;
    w.beginObject();
    w.key("config").raw(QJsonDocument(run.header().value("config").toObject()).toJson(QJsonDocument::Compact).toStdString());
    if (leader == kNoNode) w.key("leader").null();
    else w.key("leader").value(static_cast<std::int64_t>(leader));
    Generation g = 0;
    for (const auto& v : state.views) g = std::max(g, v->generation);
    w.key("generation").value(g);
    w.key("hwm").value(hwm);
    w.key("reference").value(static_cast<std::int64_t>(reference));
    w.key("write_quorum").value(cluster::writeQuorumName(state.cluster.writeQuorum));
    w.key("from_run").value(run.path());
    w.key("at_ms").value((tUs - run.startUs()) / 1000);
    w.key("entries_not_recorded").value(missing);
    w.key("nodes").beginArray();
    for (const auto& v : state.views) {
      const bool up = v->status == node::NodeStatus::kRunning || v->status == node::NodeStatus::kPaused;
      w.beginObject();
      w.key("id").value(static_cast<std::int64_t>(v->id));
      w.key("alive").value(up);
      w.key("status").value(node::nodeStatusName(v->status));
      w.key("role").value(replication::roleName(v->role));
      w.key("generation").value(v->generation);
      w.key("lwm").value(v->lwm);
      w.key("hwm").value(v->hwm);
      w.key("first_index").value(v->firstIndex);
      w.key("log_end").value(up ? v->lastIndex : std::min(v->lastIndex, v->durableEnd));
      w.key("durable_end").value(v->durableEnd);
      w.key("applied").value(v->applied);
      w.key("flush").value(wal::flushModeName(v->flush.mode));
      if (v->flush.mode == wal::FlushMode::kDelayed) w.key("flush_delay_ms").value(v->flush.delayMs);
      w.key("port").value(static_cast<std::int64_t>(v->port));
      if (!v->failure.empty()) w.key("failure").value(v->failure);
      cluster::writeSegmentsJson(w, v->segments);
      w.endObject();
    }
    w.endArray();
    w.endObject();
    std::ofstream out;
    QLAB_RETURN_IF_ERROR(open("cluster.json", out));
    out << w.take() << '\n';
    std::ofstream sum;
    QLAB_RETURN_IF_ERROR(open("summary.json", sum));
    sum << summary.toJson() << '\n';
    if (!out || !sum) return Status::ioError("cannot write " + dir + "; is the disk full?");
  }
  step("done");
  return Status::ok();
}

}  // namespace qlab::recording
