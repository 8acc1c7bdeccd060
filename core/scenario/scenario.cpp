#include "core/scenario/scenario.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <algorithm>
#include <set>

#include "core/common/json_writer.h"
#include "core/replication/quorum.h"

namespace qlab::cluster {

namespace {

// Line (1-based) of every object inside the top-level "steps" array, by position, found with
// a small scanner that skips strings. QJsonDocument reports errors by offset only.
std::vector<int> stepLines(const std::string& text) {
  std::vector<int> lines;
  int line = 1;
  int depth = 0;
  bool inString = false;
  bool escaped = false;
  bool afterStepsKey = false;
  int stepsDepth = -1;
  std::string lastString;
  std::string current;
  for (char c : text) {
    if (c == '\n') ++line;
    if (inString) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') {
        inString = false;
        lastString = current;
      } else current.push_back(c);
      continue;
    }
    switch (c) {
      case '"':
        inString = true;
        current.clear();
        break;
      case ':':
        afterStepsKey = depth == 1 && lastString == "steps";
        break;
      case '[':
        if (afterStepsKey) stepsDepth = depth + 1;
        afterStepsKey = false;
        ++depth;
        break;
      case '{':
        if (depth == stepsDepth) lines.push_back(line);
        ++depth;
        break;
      case '}':
      case ']':
        if (c == ']' && depth == stepsDepth) stepsDepth = -1;
        --depth;
        break;
      default:
        break;
    }
  }
  return lines;
}

int lineOfOffset(const std::string& text, int offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + std::min<std::ptrdiff_t>(offset, static_cast<std::ptrdiff_t>(text.size())), '\n'));
}

struct StepSpec {
  std::set<std::string> required;
  std::set<std::string> optional;
};

const std::map<std::string, StepSpec>& stepSpecs() {
  static const std::map<std::string, StepSpec> specs = {
      {"write", {{"key", "value"}, {"client", "timeout_ms"}}},
      {"read", {{"key"}, {"timeout_ms", "equals"}}},
      {"load", {{}, {"clients", "rate", "keys", "read_ratio"}}},
      {"stop_load", {{}, {}}},
      {"kill", {{"node"}, {"how", "torn", "timeout_ms"}}},
      {"restart", {{"node"}, {"timeout_ms"}}},
      {"pause", {{"node"}, {"timeout_ms"}}},
      {"resume", {{"node"}, {"timeout_ms"}}},
      {"flush", {{"node", "policy"}, {"delay_ms", "timeout_ms"}}},
      {"flush_now", {{"node"}, {"timeout_ms"}}},
      {"partition", {{"groups"}, {}}},
      {"link", {{"from", "to"}, {"delay_ms", "drop", "oneway", "cut", "timeout_ms"}}},
      {"heal", {{}, {}}},
      {"drop_responses", {{"node", "count"}, {"timeout_ms"}}},
      {"quorum", {{"write_quorum"}, {}}},
      {"campaign", {{"node"}, {"timeout_ms"}}},
      {"wait", {{"for"}, {"index", "ms", "timeout_ms"}}},
      {"expect", {{}, {"lost_acked", "lost_acked_min", "committed_min", "violations", "leader_changes_min",
                       "duplicates_min", "truncations_min", "snapshot_installs_min", "segments_deleted_min",
                       "hwm_stalled", "kv", "segments_min", "torn_tails_min", "stale_min"}}},
      {"note", {{"text"}, {}}},
      {"mark", {{"name"}, {}}},
      {"look_back", {{"moment"}, {}}},
  };
  return specs;
}

// The typed fault a (validated) fault step carries, its nodes left for the runner to pick
// ("leader", "follower" and "all" are known only when the step runs).
std::optional<Fault> faultOfStep(const std::string& kind, const QJsonObject& o, int nodes) {
  const auto k = faultKindFromName(kind);
  if (!k) return std::nullopt;
  Fault f;
  f.kind = *k;
  switch (*k) {
    case FaultKind::kKill:
      f.how = o.value("how").toString() == "crash" ? node::KillKind::kCrash
              : o.value("torn").toBool(false)      ? node::KillKind::kTornPowerLoss
                                                   : node::KillKind::kPowerLoss;
      break;
    case FaultKind::kFlushPolicy:
      f.policy = {*wal::parseFlushMode(o.value("policy").toString().toStdString()),
                  static_cast<std::int64_t>(o.value("delay_ms").toDouble(0))};
      break;
    case FaultKind::kDropResponses: f.count = o.value("count").toInt(1); break;
    case FaultKind::kPartition:
      for (const auto& g : o.value("groups").toArray()) {
        f.groups.emplace_back();
        for (const auto& n : g.toArray()) f.groups.back().push_back(static_cast<NodeId>(n.toInt()));
      }
      break;
    case FaultKind::kLink:
      f.link = net::LinkFault{o.value("cut").toBool(false), o.value("delay_ms").toInt(0), o.value("drop").toDouble(0)};
      f.oneWay = o.value("oneway").toBool(false);
      break;
    case FaultKind::kWriteQuorum: {
      const QJsonValue w = o.value("write_quorum");
      const std::string ws = w.isString() ? w.toString().toStdString() : std::to_string(w.toInt());
      f.writeQuorum = parseWriteQuorum(ws, nodes).value();
      break;
    }
    default: break;
  }
  return f;
}

const std::set<std::string> kTopLevel = {"name", "description", "nodes", "write_quorum", "segment_bytes",
                                         "snapshot_every", "flush", "seed", "steps", "lesson",
                                         "election_timeout_ms", "processes"};
const std::set<std::string> kCommonStepKeys = {"do", "at_ms", "note", "say", "watch"};

std::string joinKeys(const std::set<std::string>& keys) {
  std::string s;
  for (const auto& k : keys) s += (s.empty() ? "" : ", ") + k;
  return s;
}

class Validator {
 public:
  Validator(std::string file) : m_file(std::move(file)) {}
  Status fail(int line, const std::string& field, const std::string& what) const {
    return Status::invalidArgument(m_file + ":" + std::to_string(line) + ": field '" + field + "': " + what);
  }
  Status integer(const QJsonObject& o, const char* key, int line, std::int64_t lo, std::int64_t hi, bool required = false) const {
    if (!o.contains(key)) return required ? fail(line, key, "is required") : Status::ok();
    QJsonValue v = o.value(key);
    double d = v.toDouble();
    if (!v.isDouble() || d != static_cast<double>(static_cast<std::int64_t>(d)) || d < static_cast<double>(lo) || d > static_cast<double>(hi))
      return fail(line, key, "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
    return Status::ok();
  }
  Status number(const QJsonObject& o, const char* key, int line, double lo, double hi) const {
    if (!o.contains(key)) return Status::ok();
    QJsonValue v = o.value(key);
    if (!v.isDouble() || v.toDouble() < lo || v.toDouble() > hi)
      return fail(line, key, "must be a number from " + std::to_string(lo) + " to " + std::to_string(hi));
    return Status::ok();
  }
  Status boolean(const QJsonObject& o, const char* key, int line) const {
    if (o.contains(key) && !o.value(key).isBool()) return fail(line, key, "must be true or false");
    return Status::ok();
  }
  Status string(const QJsonObject& o, const char* key, int line, bool required) const {
    if (!o.contains(key)) return required ? fail(line, key, "is required") : Status::ok();
    if (!o.value(key).isString()) return fail(line, key, "must be a string");
    return Status::ok();
  }
  Status node(const QJsonObject& o, const char* key, int line, int nodes) const {
    QJsonValue v = o.value(key);
    if (v.isString()) {
      QString s = v.toString();
      if (s == "leader" || s == "follower" || s == "all") return Status::ok();
    } else if (v.isDouble()) {
      double d = v.toDouble();
      if (d >= 1 && d <= nodes && d == static_cast<double>(static_cast<int>(d))) return Status::ok();
    }
    return fail(line, key, "must be a node number from 1 to " + std::to_string(nodes) + ", \"leader\", \"follower\" or \"all\"");
  }

 private:
  std::string m_file;
};

Status validateStep(const Validator& val, const QJsonObject& o, int line, int nodes) {
  if (!o.value("do").isString()) return val.fail(line, "do", "is required and names the step kind (" + [] {
    std::set<std::string> k;
    for (const auto& [name, spec] : stepSpecs()) k.insert(name);
    return joinKeys(k);
  }() + ")");
  std::string kind = o.value("do").toString().toStdString();
  auto spec = stepSpecs().find(kind);
  if (spec == stepSpecs().end()) {
    std::set<std::string> k;
    for (const auto& [name, s] : stepSpecs()) k.insert(name);
    return val.fail(line, "do", "unknown step kind '" + kind + "' (use one of " + joinKeys(k) + ")");
  }
  for (const auto& key : o.keys()) {
    std::string k = key.toStdString();
    if (!kCommonStepKeys.count(k) && !spec->second.required.count(k) && !spec->second.optional.count(k)) {
      std::set<std::string> allowed = spec->second.required;
      allowed.insert(spec->second.optional.begin(), spec->second.optional.end());
      return val.fail(line, k, "is not a field of a '" + kind + "' step" +
                                   (allowed.empty() ? "" : " (it takes " + joinKeys(allowed) + ")"));
    }
  }
  for (const auto& k : spec->second.required)
    if (!o.contains(QString::fromStdString(k))) return val.fail(line, k, "is required by a '" + kind + "' step");
  QLAB_RETURN_IF_ERROR(val.integer(o, "at_ms", line, 0, 24LL * 3600 * 1000));
  for (const char* nodeKey : {"node", "from", "to"})
    if (o.contains(nodeKey)) QLAB_RETURN_IF_ERROR(val.node(o, nodeKey, line, nodes));
  QLAB_RETURN_IF_ERROR(val.integer(o, "client", line, 1, 1LL << 40));
  QLAB_RETURN_IF_ERROR(val.integer(o, "timeout_ms", line, 1, 3600 * 1000));
  QLAB_RETURN_IF_ERROR(val.integer(o, "clients", line, 1, 256));
  QLAB_RETURN_IF_ERROR(val.number(o, "rate", line, 0, 1e6));
  QLAB_RETURN_IF_ERROR(val.integer(o, "keys", line, 1, 1'000'000));
  QLAB_RETURN_IF_ERROR(val.number(o, "read_ratio", line, 0, 1));
  QLAB_RETURN_IF_ERROR(val.boolean(o, "torn", line));
  if (o.contains("how")) {
    const QString how = o.value("how").toString();
    if (how != "power_loss" && how != "crash")
      return val.fail(line, "how", "must be \"power_loss\" (everything not fdatasync'ed is lost) or \"crash\" "
                                   "(the process dies; what it wrote to the OS survives)");
    if (how == "crash" && o.value("torn").toBool())
      return val.fail(line, "torn", "a torn write is a power loss: drop \"torn\" or use \"how\": \"power_loss\"");
  }
  QLAB_RETURN_IF_ERROR(val.boolean(o, "oneway", line));
  QLAB_RETURN_IF_ERROR(val.boolean(o, "cut", line));
  QLAB_RETURN_IF_ERROR(val.integer(o, "delay_ms", line, 0, 600'000));
  QLAB_RETURN_IF_ERROR(val.number(o, "drop", line, 0, 1));
  QLAB_RETURN_IF_ERROR(val.integer(o, "count", line, 0, 1'000'000));
  QLAB_RETURN_IF_ERROR(val.integer(o, "index", line, 0, 1LL << 50));
  QLAB_RETURN_IF_ERROR(val.integer(o, "ms", line, 0, 3600 * 1000));
  for (const char* s : {"key", "value", "text", "note", "say", "name", "moment"}) QLAB_RETURN_IF_ERROR(val.string(o, s, line, false));
  if (o.contains("equals") && !o.value("equals").isString() && !o.value("equals").isNull())
    return val.fail(line, "equals", "must be the expected value (a string) or null for an absent key");
  if (kind == "flush") {
    auto m = wal::parseFlushMode(o.value("policy").toString().toStdString());
    if (!o.value("policy").isString() || !m.isOk()) return val.fail(line, "policy", "must be always, group, delayed or manual");
  }
  if (kind == "quorum") {
    QJsonValue w = o.value("write_quorum");
    std::string ws = w.isString() ? w.toString().toStdString() : std::to_string(static_cast<long long>(w.toDouble()));
    if (!(w.isString() || w.isDouble()) || !parseWriteQuorum(ws, nodes).isOk())
      return val.fail(line, "write_quorum", "must be \"majority\" or a number from 1 to " + std::to_string(nodes));
  }
  if (kind == "partition") {
    QJsonValue g = o.value("groups");
    if (!g.isArray()) return val.fail(line, "groups", "must be a list of lists of node numbers, e.g. [[1],[2,3]]");
    std::set<int> seen;
    for (const auto& group : g.toArray()) {
      if (!group.isArray()) return val.fail(line, "groups", "each group must be a list of node numbers");
      for (const auto& n : group.toArray()) {
        int id = n.toInt(-1);
        if (!n.isDouble() || id < 1 || id > nodes) return val.fail(line, "groups", "node numbers go from 1 to " + std::to_string(nodes));
        if (!seen.insert(id).second) return val.fail(line, "groups", "node " + std::to_string(id) + " is in two groups");
      }
    }
  }
  if (kind == "wait") {
    std::string f = o.value("for").toString().toStdString();
    if (f != "leader" && f != "caught_up" && f != "hwm" && f != "ms")
      return val.fail(line, "for", "must be leader, caught_up, hwm or ms");
    if (f == "hwm" && !o.contains("index")) return val.fail(line, "index", "is required when waiting for the hwm");
    if (f == "ms" && !o.contains("ms")) return val.fail(line, "ms", "is required when waiting for ms");
  }
  if (kind == "expect") {
    for (const char* k : {"lost_acked", "lost_acked_min", "committed_min", "violations", "leader_changes_min",
                          "duplicates_min", "truncations_min", "snapshot_installs_min", "segments_deleted_min",
                          "segments_min", "torn_tails_min", "stale_min"})
      QLAB_RETURN_IF_ERROR(val.integer(o, k, line, 0, 1LL << 50));
    QLAB_RETURN_IF_ERROR(val.boolean(o, "hwm_stalled", line));
    if (o.contains("kv")) {
      if (!o.value("kv").isObject()) return val.fail(line, "kv", "must be an object of key: value (null = absent)");
      for (const auto& v : o.value("kv").toObject())
        if (!v.isString() && !v.isNull()) return val.fail(line, "kv", "values must be strings or null");
    }
    if (o.size() <= 1) return val.fail(line, "expect", "names nothing to check");
  }
  return Status::ok();
}

}  // namespace

Result<Scenario> parseScenario(const std::string& json, const std::string& fileName) {
  QJsonParseError err;
  QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(json), &err);
  if (err.error != QJsonParseError::NoError)
    return Status::invalidArgument(fileName + ":" + std::to_string(lineOfOffset(json, err.offset)) +
                                   ": not valid JSON: " + err.errorString().toStdString());
  if (!doc.isObject()) return Status::invalidArgument(fileName + ":1: a scenario is a JSON object");
  Validator val(fileName);
  QJsonObject top = doc.object();
  for (const auto& key : top.keys())
    if (!kTopLevel.count(key.toStdString()))
      return val.fail(1, key.toStdString(), "is not a scenario key (use " + joinKeys(kTopLevel) + ")");
  Scenario s;
  s.file = fileName;
  s.config = top;
  s.name = top.value("name").toString(QString::fromStdString(fileName)).toStdString();
  QLAB_RETURN_IF_ERROR(val.integer(top, "nodes", 1, 1, kMaxNodes));
  s.nodes = top.value("nodes").toInt(3);
  if (top.contains("write_quorum")) {
    QJsonValue w = top.value("write_quorum");
    std::string ws = w.isString() ? w.toString().toStdString() : std::to_string(static_cast<long long>(w.toDouble()));
    auto q = parseWriteQuorum(ws, s.nodes);
    if (!(w.isString() || w.isDouble()) || !q.isOk())
      return val.fail(1, "write_quorum", "must be \"majority\" or a number from 1 to " + std::to_string(s.nodes));
    s.writeQuorum = *q;
  }
  QLAB_RETURN_IF_ERROR(val.integer(top, "segment_bytes", 1, 1024, 1LL << 32));
  s.segmentBytes = static_cast<std::uint64_t>(top.value("segment_bytes").toDouble(65536));
  QLAB_RETURN_IF_ERROR(val.integer(top, "snapshot_every", 1, 0, 1LL << 40));
  s.snapshotEvery = static_cast<std::uint64_t>(top.value("snapshot_every").toDouble(1000));
  QLAB_RETURN_IF_ERROR(val.integer(top, "election_timeout_ms", 1, kMinElectionTimeoutMs, kMaxElectionTimeoutMs));
  s.electionTimeoutMs = top.value("election_timeout_ms").toInt(kDefaultElectionTimeoutMs);
  if (top.contains("processes")) {
    if (!top.value("processes").isBool())
      return val.fail(1, "processes", "must be true (every node its own process) or false (threads, the default)");
    s.processes = top.value("processes").toBool();
  }
  if (top.contains("seed")) {
    QLAB_RETURN_IF_ERROR(val.integer(top, "seed", 1, 0, 1LL << 52));
    s.seed = static_cast<std::uint64_t>(top.value("seed").toDouble());
    s.hasSeed = true;
  }
  if (top.contains("flush")) {
    QJsonValue f = top.value("flush");
    if (!f.isObject()) return val.fail(1, "flush", "must be an object like {\"policy\": \"always\", \"delay_ms\": 0}");
    QJsonObject fo = f.toObject();
    for (const auto& key : fo.keys())
      if (key != "policy" && key != "delay_ms") return val.fail(1, "flush." + key.toStdString(), "is not a flush setting (use policy, delay_ms)");
    auto m = wal::parseFlushMode(fo.value("policy").toString("always").toStdString());
    if (!m.isOk()) return val.fail(1, "flush.policy", "must be always, group, delayed or manual");
    QLAB_RETURN_IF_ERROR(val.integer(fo, "delay_ms", 1, 0, 600'000));
    s.flush = {*m, static_cast<std::int64_t>(fo.value("delay_ms").toDouble(0))};
  }
  if (!top.contains("steps")) return val.fail(1, "steps", "is required (a list of steps)");
  if (!top.value("steps").isArray()) return val.fail(1, "steps", "must be a list of steps");
  std::vector<int> lines = stepLines(json);
  QJsonArray steps = top.value("steps").toArray();
  for (int i = 0; i < steps.size(); ++i) {
    int line = i < static_cast<int>(lines.size()) ? lines[static_cast<std::size_t>(i)] : 1;
    if (!steps[i].isObject())
      return Status::invalidArgument(fileName + ":" + std::to_string(line) + ": step " + std::to_string(i + 1) + " is not an object");
    QJsonObject o = steps[i].toObject();
    QLAB_RETURN_IF_ERROR(validateStep(val, o, line, s.nodes));
    Step st;
    st.kind = o.value("do").toString().toStdString();
    if (o.contains("at_ms")) st.atMs = static_cast<std::int64_t>(o.value("at_ms").toDouble());
    st.fields = o;
    st.line = line;
    st.fault = faultOfStep(st.kind, o, s.nodes);
    s.steps.push_back(std::move(st));
  }
  return s;
}

Result<Scenario> loadScenario(const std::string& path) {
  QFile f(QString::fromStdString(path));
  if (!f.open(QIODevice::ReadOnly))
    return Status::invalidArgument(path + ": cannot read the scenario file: " + f.errorString().toStdString());
  QByteArray bytes = f.read(16 << 20);
  return parseScenario(bytes.toStdString(), path);
}

}  // namespace qlab::cluster
