#include "core/instruments/exporter.h"

#include <filesystem>
#include <fstream>
#include <map>

#include <QJsonDocument>

#include "core/common/json_writer.h"
#include "core/kv/command.h"
#include "core/common/cluster_config.h"

namespace qlab::cluster {

namespace fs = std::filesystem;

namespace {

// Generation runs of a log, [(first index, generation)], to tell whether a node's entry is
// the committed one without keeping every entry in memory.
struct Runs {
  std::vector<std::pair<Index, Generation>> runs;
  Index last = 0;
  void add(Index i, Generation g) {
    if (runs.empty() || runs.back().second != g) runs.emplace_back(i, g);
    last = i;
  }
  std::optional<Generation> at(Index i) const {
    if (runs.empty() || i < runs.front().first || i > last) return std::nullopt;
    auto it = std::upper_bound(runs.begin(), runs.end(), i,
                               [](Index x, const std::pair<Index, Generation>& r) { return x < r.first; });
    return std::prev(it)->second;
  }
};

Status writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::out | std::ios::trunc | std::ios::binary);
  out << content;
  out.close();
  if (!out) return Status::ioError("cannot write " + path + "; check the export directory is writable and has space");
  return Status::ok();
}

std::string entryJson(const Entry& r, bool committed, bool durable) {
  JsonWriter w;
  w.beginObject();
  w.key("index").value(r.index);
  w.key("generation").value(r.generation);
  EntryType type = r.type;
  w.key("type").value(entryTypeName(type));
  std::optional<kv::Command> cmd;
  if (type == EntryType::kData)
    if (auto c = kv::decodeCommand(r.payload); c.isOk()) cmd = std::move(c.value());
  if (cmd) {
    w.key("client").value(cmd->client).key("seq").value(cmd->seq);
    w.key("key").value(cmd->key).key("value").value(cmd->value);
  } else {
    w.key("client").null().key("seq").null().key("key").null();
    if (type == EntryType::kConfig) {
      auto c = decodeClusterConfig(r.payload);
      w.key("value").value(c.isOk() ? "write_quorum=" + (c->writeQuorum == 0 ? std::string("majority") : std::to_string(c->writeQuorum)) : std::string("?"));
    } else {
      w.key("value").null();
    }
  }
  w.key("timestamp_ms").value(r.timestampMs);
  w.key("committed").value(committed);
  w.key("durable").value(durable);
  w.endObject();
  return w.take();
}

Status copyInto(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return Status::ioError("cannot copy " + from + " to " + to + ": " + ec.message());
  return Status::ok();
}

// Writes the operations of `history` to `path` and judges each one as it goes, so the file
// holds exactly what was judged: from memory when it holds them all, else the first `total`
// lines of the recorder's complete spill file (memory keeps only the newest).
Status writeAndJudgeHistory(Recorder& recorder, const Recorder::HistorySnapshot& history, const std::string& path,
                            AckJudge& judge, Index firstIndex) {
  std::ofstream out(path, std::ios::out | std::ios::trunc | std::ios::binary);
  if (!out) return Status::ioError("cannot write " + path + "; check the export directory is writable");
  if (history.ops.size() == history.total) {
    for (const auto& op : history.ops) {
      judge.judge(op, firstIndex);
      out << Recorder::operationToJson(op) << '\n';
    }
  } else {
    std::string spill = recorder.historyFile();
    if (spill.empty())
      return Status::failed("the history outgrew memory and this cluster keeps no history file; export sooner");
    std::ifstream in(spill, std::ios::binary);
    std::string line;
    for (std::uint64_t i = 0; i < history.total && std::getline(in, line); ++i) {
      auto op = parseOperationLine(line);
      if (!op.isOk()) return Status::corruption(spill + ":" + std::to_string(i + 1) + ": " + op.status().message());
      judge.judge(*op, firstIndex);
      out << line << '\n';
    }
  }
  out.close();
  if (!out) return Status::ioError("cannot write " + path + "; is the disk full?");
  return Status::ok();
}

}  // namespace

void writeSegmentsJson(JsonWriter& w, const std::vector<node::SegmentView>& segments) {
  w.key("segments").beginArray();
  for (const auto& s : segments) {
    w.beginObject();
    w.key("file").value(s.file).key("first_index").value(s.firstIndex).key("last_index").value(s.lastIndex);
    w.key("bytes").value(s.bytes);
    w.endObject();
  }
  w.endArray();
}

Status exportCluster(Cluster& cluster, const std::string& dir, const QJsonObject& config, RunSummary& summary,
                     const std::function<bool(const ExportProgress&)>& progress) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::ioError("cannot create export directory " + dir + ": " + ec.message());
  int n = cluster.size();
  ExportProgress p{0, 2 * n + 4, ""};
  auto step = [&](const std::string& what) {
    p.what = what;
    bool go = !progress || progress(p);
    ++p.done;
    return go;
  };
  // The history first, then views published after it (see summarize): every write answered
  // ok in the exported history is covered by the exported HWM.
  const Recorder::HistorySnapshot history = cluster.recorder().historySnapshot();
  cluster.awaitFreshViews();  // views lag their nodes by a publish interval
  auto views = cluster.views();
  NodeId leader = cluster.leader();
  Index finalHwm = cluster.hwm();
  NodeId reference = referenceNode(views, leader);

  // node-<id>.jsonl: every entry each node holds, durable or not, the reference node first:
  // its log decides which entries of the others are the committed ones, and the lost writes.
  std::vector<NodeId> order;
  if (reference != kNoNode) order.push_back(reference);
  for (const auto& v : views)
    if (v->id != reference) order.push_back(v->id);
  Runs committedRuns;
  AckJudge judge;
  Index referenceFirst = 0;
  std::map<NodeId, Cluster::LogScan> scans;
  for (NodeId id : order) {
    if (!step("node " + std::to_string(id) + " log")) return Status::aborted("export cancelled");
    std::string path = dir + "/node-" + std::to_string(id) + ".jsonl";
    std::ofstream out(path, std::ios::out | std::ios::trunc);
    if (!out) return Status::ioError("cannot write " + path + "; check the export directory is writable");
    const bool isReference = id == reference;
    auto scan = cluster.scanLog(id, [&](const Entry& e, bool durable) {
      bool committed;
      if (isReference) {
        committedRuns.add(e.index, e.generation);
        committed = e.index <= finalHwm;
        if (committed) judge.see(e);
      } else {
        auto g = committedRuns.at(e.index);
        committed = e.index <= finalHwm && (!g || *g == e.generation);
      }
      out << entryJson(e, committed, durable) << '\n';
      return static_cast<bool>(out);
    });
    if (!scan.isOk()) return scan.status().withContext("reading node " + std::to_string(id) + "'s log");
    scans[id] = *scan;
    if (isReference) referenceFirst = scan->first;
    out.close();
    if (!out) return Status::ioError("cannot write " + path + "; is the disk full?");
  }
  // history.jsonl, judged line by line against the reference log: the summary is judged on
  // exactly what was exported, so a reader can recompute it.
  if (!step("history")) return Status::aborted("export cancelled");
  QLAB_RETURN_IF_ERROR(writeAndJudgeHistory(cluster.recorder(), history, dir + "/history.jsonl", judge, referenceFirst));
  summary.finalHwm = finalHwm;
  summary.committed = finalHwm;
  applyVerdict(summary, cluster, reference, judge.verdict());

  // cluster.json: the views, with each node's log extent as exported.
  if (!step("cluster.json")) return Status::aborted("export cancelled");
  {
    JsonWriter w;
    w.beginObject();
    w.key("config").raw(QJsonDocument(config).toJson(QJsonDocument::Compact).toStdString());
    if (leader == kNoNode) w.key("leader").null();
    else w.key("leader").value(static_cast<std::int64_t>(leader));
    Generation g = 0;
    for (const auto& v : views) g = std::max(g, v->generation);
    w.key("generation").value(g);
    w.key("hwm").value(finalHwm);
    w.key("reference").value(static_cast<std::int64_t>(reference));
    w.key("write_quorum").value(writeQuorumName(cluster.writeQuorum()));
    w.key("nodes").beginArray();
    for (const auto& v : views) {
      const Cluster::LogScan& scan = scans[v->id];
      w.beginObject();
      w.key("id").value(static_cast<std::int64_t>(v->id));
      w.key("alive").value(v->status == node::NodeStatus::kRunning || v->status == node::NodeStatus::kPaused);
      w.key("status").value(node::nodeStatusName(v->status));
      w.key("role").value(replication::roleName(v->role));
      w.key("generation").value(v->generation);
      w.key("lwm").value(v->lwm);
      w.key("hwm").value(v->hwm);
      w.key("first_index").value(scan.first);
      w.key("log_end").value(scan.last);
      w.key("durable_end").value(scan.durableEnd);
      w.key("applied").value(v->applied);
      w.key("flush").value(wal::flushModeName(v->flush.mode));
      if (v->flush.mode == wal::FlushMode::kDelayed) w.key("flush_delay_ms").value(v->flush.delayMs);
      w.key("port").value(static_cast<std::int64_t>(cluster.port(v->id)));
      if (!v->failure.empty()) w.key("failure").value(v->failure);
      writeSegmentsJson(w, v->segments);
      w.endObject();
    }
    w.endArray();
    w.endObject();
    QLAB_RETURN_IF_ERROR(writeFile(dir + "/cluster.json", w.take() + "\n"));
  }

  // events.jsonl: the recorder's spill.
  if (!step("events")) return Status::aborted("export cancelled");
  if (std::string e = cluster.recorder().eventsFile(); !e.empty()) QLAB_RETURN_IF_ERROR(copyInto(e, dir + "/events.jsonl"));
  QLAB_RETURN_IF_ERROR(writeFile(dir + "/summary.json", summary.toJson() + "\n"));

  // segments/node-<id>/: byte-for-byte copies.
  for (const auto& v : views) {
    if (!step("node " + std::to_string(v->id) + " segments")) return Status::aborted("export cancelled");
    std::string target = dir + "/segments/node-" + std::to_string(v->id);
    fs::create_directories(target, ec);
    if (ec) return Status::ioError("cannot create " + target + ": " + ec.message());
    std::string walDir = cluster.nodeDir(v->id) + "/wal";
    for (const auto& entry : fs::directory_iterator(walDir, ec)) {
      std::string name = entry.path().filename().string();
      if (name.size() < 5 || name.substr(name.size() - 4) != ".wal") continue;
      Status s = copyInto(entry.path().string(), target + "/" + name);
      if (!s.isOk() && fs::exists(entry.path())) return s;  // a segment deleted meanwhile is fine
    }
  }
  step("done");
  return Status::ok();
}

}  // namespace qlab::cluster
