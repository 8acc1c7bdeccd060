#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/instruments/json_fields.h"
#include "core/interop/interop_run.h"
#include "core/replication/message.h"

namespace qlab::interop {

using cluster::badField;
using cluster::wholeField;

namespace {

// Names as events.jsonl writes them (node::eventKindName, replication::messageTypeName).
const std::map<std::string, node::EventKind>& kindsByName() {
  static const std::map<std::string, node::EventKind> kinds = [] {
    std::map<std::string, node::EventKind> m;
    for (int k = 0; k < 256; ++k) {
      auto kind = static_cast<node::EventKind>(k);
      std::string name = node::eventKindName(kind);
      if (name != "unknown") m.emplace(name, kind);
    }
    return m;
  }();
  return kinds;
}

std::uint8_t messageTypeByName(const std::string& name) {
  for (std::uint8_t t = 0; t < 255; ++t)
    if (replication::isValidMessageType(t) && name == replication::messageTypeName(static_cast<replication::MessageType>(t)))
      return t;
  return 0;  // "unknown": kept, never matched to a send of a known type
}

Result<QByteArray> readWhole(const std::string& path) {
  QFile f(QString::fromStdString(path));
  if (!f.open(QIODevice::ReadOnly))
    return Status::invalidArgument(path + ": cannot read it (" + f.errorString().toStdString() +
                                   "); is this an export directory written by `quorumlab run --export`?");
  return f.readAll();
}

Result<std::vector<NodeId>> readNodeIds(const std::string& path) {
  QByteArray raw;
  QLAB_TAKE(raw, readWhole(path));
  QJsonParseError err{};
  const QJsonDocument doc = QJsonDocument::fromJson(raw, &err);
  if (err.error != QJsonParseError::NoError || !doc.isObject())
    return Status::invalidArgument(path + ": not a JSON object (" + err.errorString().toStdString() +
                                   "); export the run again");
  const QJsonValue nodes = doc.object().value("nodes");
  if (!nodes.isArray()) return Status::invalidArgument(path + ": field 'nodes': must be an array of nodes");
  std::vector<NodeId> ids;
  for (const QJsonValue& n : nodes.toArray()) {
    auto id = wholeField(n.toObject(), "id");
    if (!id.isOk() || *id == 0 || *id > static_cast<std::uint64_t>(kMaxNodes))
      return Status::invalidArgument(path + ": field 'nodes[].id': must be a node number from 1 to " +
                                     std::to_string(kMaxNodes));
    ids.push_back(static_cast<NodeId>(*id));
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace

Result<node::NodeEvent> parseEventLine(std::string_view line) {
  QJsonParseError err{};
  const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(line.data(), static_cast<qsizetype>(line.size())), &err);
  if (err.error != QJsonParseError::NoError) return Status::invalidArgument("not valid JSON: " + err.errorString().toStdString());
  if (!doc.isObject()) return Status::invalidArgument("not a JSON object");
  const QJsonObject o = doc.object();
  node::NodeEvent e;
  std::uint64_t v = 0;
  QLAB_TAKE(v, wholeField(o, "t_ms"));
  e.tMs = static_cast<std::int64_t>(v);
  QLAB_TAKE(v, wholeField(o, "node"));
  if (v > static_cast<std::uint64_t>(kMaxNodes)) return badField("node", "must be 0 (the cluster) or a node number");
  e.node = static_cast<NodeId>(v);
  const std::string kind = o.value("kind").toString().toStdString();
  auto k = kindsByName().find(kind);
  if (k == kindsByName().end()) return badField("kind", "unknown event kind \"" + kind + "\"");
  e.kind = k->second;
  const bool message = e.kind == node::EventKind::kSend || e.kind == node::EventKind::kRecv;
  if (message) {
    QLAB_TAKE(v, wholeField(o, e.kind == node::EventKind::kSend ? "to" : "from"));
    if (v == 0 || v > static_cast<std::uint64_t>(kMaxNodes)) return badField(e.kind == node::EventKind::kSend ? "to" : "from", "must be a node number");
    e.peer = static_cast<NodeId>(v);
    if (!o.value("type").isString()) return badField("type", "must be a message type name");
    e.msgType = messageTypeByName(o.value("type").toString().toStdString());
    QLAB_TAKE(e.a, wholeField(o, "first"));
    QLAB_TAKE(e.b, wholeField(o, "last"));
  } else {
    if (o.contains("peer")) {
      QLAB_TAKE(v, wholeField(o, "peer"));
      e.peer = static_cast<NodeId>(std::min<std::uint64_t>(v, static_cast<std::uint64_t>(kMaxNodes)));
    }
    QLAB_TAKE(e.a, wholeField(o, "a"));
    QLAB_TAKE(e.b, wholeField(o, "b"));
  }
  QLAB_TAKE(e.generation, wholeField(o, "generation"));
  if (o.contains("detail")) {
    if (!o.value("detail").isString()) return badField("detail", "must be a string");
    e.detail = o.value("detail").toString().toStdString();
  }
  return e;
}

Result<InteropRun> readExportDir(const std::string& dir) {
  InteropRun run;
  QLAB_TAKE(run.nodes, readNodeIds(dir + "/cluster.json"));
  const std::string eventsPath = dir + "/events.jsonl";
  QByteArray raw;
  QLAB_TAKE(raw, readWhole(eventsPath));
  int lineNo = 0;
  for (const QByteArray& l : raw.split('\n')) {
    ++lineNo;
    const QByteArray line = l.trimmed();
    if (line.isEmpty()) continue;
    auto e = parseEventLine(std::string_view(line.constData(), static_cast<std::size_t>(line.size())));
    if (!e.isOk())
      return Status::invalidArgument(eventsPath + ":" + std::to_string(lineNo) + ": " + e.status().message() +
                                     "; fix or remove that line, or export the run again");
    run.events.push_back(std::move(e.value()));
  }
  QLAB_TAKE(run.operations, cluster::loadHistoryFile(dir + "/history.jsonl"));
  // Events of nodes cluster.json does not list (a hand-edited export) still get a track.
  std::set<NodeId> ids(run.nodes.begin(), run.nodes.end());
  for (const auto& e : run.events)
    if (e.node != kNoNode) ids.insert(e.node);
  run.nodes.assign(ids.begin(), ids.end());
  return run;
}

}  // namespace qlab::interop
