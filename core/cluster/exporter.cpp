#include "core/cluster/exporter.h"

#include <filesystem>
#include <fstream>

#include <QJsonDocument>

#include "core/common/json_writer.h"
#include "core/kv/command.h"
#include "core/common/cluster_config.h"
#include "core/wal/log_verifier.h"

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

std::string entryJson(const wal::RecordView& r, bool committed) {
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
  w.endObject();
  return w.take();
}

Status copyInto(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return Status::ioError("cannot copy " + from + " to " + to + ": " + ec.message());
  return Status::ok();
}

}  // namespace

Status exportCluster(Cluster& cluster, const std::string& dir, const QJsonObject& config,
                     const RunSummary& summary, const std::function<bool(const ExportProgress&)>& progress) {
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
  cluster.awaitFreshViews();  // views lag their nodes by a publish interval
  auto views = cluster.views();
  NodeId leader = cluster.leader();
  Index finalHwm = cluster.hwm();

  // The committed log's generations, from the leader (or the node with the highest HWM).
  NodeId reference = leader;
  if (reference == kNoNode) {
    Index best = 0;
    for (const auto& v : views)
      if (reference == kNoNode || v->hwm > best) reference = v->id, best = v->hwm;
  }
  Runs committedRuns;
  if (reference != kNoNode) {
    auto scan = wal::verifyLog(wal::posixFileSystem(), cluster.nodeDir(reference) + "/wal", {},
                               [&](const wal::RecordView& r) {
                                 committedRuns.add(r.index, r.generation);
                                 return true;
                               });
    (void)scan;  // a damaged reference log only makes "committed" less informative
  }

  // cluster.json
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
    w.key("write_quorum").value(writeQuorumName(cluster.writeQuorum()));
    w.key("nodes").beginArray();
    for (const auto& v : views) {
      w.beginObject();
      w.key("id").value(static_cast<std::int64_t>(v->id));
      w.key("alive").value(v->status == node::NodeStatus::kRunning || v->status == node::NodeStatus::kPaused);
      w.key("status").value(node::nodeStatusName(v->status));
      w.key("role").value(replication::roleName(v->role));
      w.key("generation").value(v->generation);
      w.key("lwm").value(v->lwm);
      w.key("hwm").value(v->hwm);
      w.key("log_end").value(v->lastIndex);
      w.key("durable_end").value(v->durableEnd);
      w.key("applied").value(v->applied);
      w.key("flush").value(wal::flushModeName(v->flush.mode));
      w.key("port").value(static_cast<std::int64_t>(cluster.port(v->id)));
      if (!v->failure.empty()) w.key("failure").value(v->failure);
      w.key("segments").beginArray();
      for (const auto& s : v->segments) {
        w.beginObject();
        w.key("file").value(s.file).key("first_index").value(s.firstIndex).key("last_index").value(s.lastIndex);
        w.key("bytes").value(s.bytes);
        w.endObject();
      }
      w.endArray();
      w.endObject();
    }
    w.endArray();
    w.endObject();
    QLAB_RETURN_IF_ERROR(writeFile(dir + "/cluster.json", w.take() + "\n"));
  }

  // node-<id>.jsonl: what is on each node's disk, read-only.
  for (const auto& v : views) {
    if (!step("node " + std::to_string(v->id) + " log")) return Status::aborted("export cancelled");
    std::string path = dir + "/node-" + std::to_string(v->id) + ".jsonl";
    std::ofstream out(path, std::ios::out | std::ios::trunc);
    if (!out) return Status::ioError("cannot write " + path);
    Status failed;
    auto scan = wal::verifyLog(wal::posixFileSystem(), cluster.nodeDir(v->id) + "/wal", {},
                               [&](const wal::RecordView& r) {
                                 auto g = committedRuns.at(r.index);
                                 bool committed = r.index <= finalHwm && (!g || *g == r.generation);
                                 out << entryJson(r, committed) << '\n';
                                 return static_cast<bool>(out);
                               });
    if (!scan.isOk() && scan.status().code() != Status::Code::kNotFound) return scan.status();
    out.close();
    if (!out) return Status::ioError("cannot write " + path + "; is the disk full?");
  }

  // history.jsonl, events.jsonl (the recorder's complete spill files).
  if (!step("history")) return Status::aborted("export cancelled");
  if (std::string h = cluster.recorder().historyFile(); !h.empty()) QLAB_RETURN_IF_ERROR(copyInto(h, dir + "/history.jsonl"));
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
