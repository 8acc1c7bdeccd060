#include "format_checkers.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <optional>

#include "edn_reader.h"

namespace qlab::testing {

namespace {

constexpr int kMaxProblems = 20;

void note(QStringList& problems, const QString& p) {
  if (problems.size() < kMaxProblems) problems << p;
}

bool isWhole(const QJsonValue& v) { return v.isDouble() && v.toDouble() == std::floor(v.toDouble()); }

// ---------------------------------------------------------------------------------------
// ShiViz

struct ShivizEvent {
  QString host;
  QMap<QString, qint64> clock;
  int line = 0;
};

void checkShivizClocks(const QVector<ShivizEvent>& evs, QStringList& problems) {
  QMap<QString, qint64> count;  // events per host
  for (const auto& e : evs) ++count[e.host];
  QMap<QString, qint64> seen;
  QMap<QString, QMap<QString, qint64>> last;
  QMap<QPair<QString, qint64>, int> byId;  // (host, own counter) -> event
  for (int i = 0; i < evs.size(); ++i) {
    const ShivizEvent& e = evs[i];
    const qint64 own = e.clock.value(e.host, 0);
    if (own != ++seen[e.host])
      note(problems, QStringLiteral("line %1: %2's own counter is %3, expected %4").arg(e.line).arg(e.host).arg(own).arg(seen[e.host]));
    byId[{e.host, own}] = i;
    for (auto it = e.clock.begin(); it != e.clock.end(); ++it) {
      if (!count.contains(it.key()))
        note(problems, QStringLiteral("line %1: clock key %2 is not a host that logs events").arg(e.line).arg(it.key()));
      if (it.value() < 1) note(problems, QStringLiteral("line %1: clock entry %2 is below 1").arg(e.line).arg(it.key()));
    }
    for (auto it = last[e.host].begin(); it != last[e.host].end(); ++it)
      if (e.clock.value(it.key(), 0) < it.value())
        note(problems, QStringLiteral("line %1: %2's clock went back on %3").arg(e.line).arg(e.host).arg(it.key()));
    last[e.host] = e.clock;
  }
  // Each foreign entry names a real event, whose own clock the naming clock must cover; and
  // the happened-before graph (program order plus those entries) has no cycle.
  std::vector<std::vector<int>> next(static_cast<std::size_t>(evs.size()));
  std::vector<int> incoming(static_cast<std::size_t>(evs.size()), 0);
  auto edge = [&](int from, int to) {
    next[static_cast<std::size_t>(from)].push_back(to);
    ++incoming[static_cast<std::size_t>(to)];
  };
  QMap<QString, int> previous;
  for (int i = 0; i < evs.size(); ++i) {
    const ShivizEvent& e = evs[i];
    if (previous.contains(e.host)) edge(previous[e.host], i);
    previous[e.host] = i;
    for (auto it = e.clock.begin(); it != e.clock.end(); ++it) {
      if (it.key() == e.host || !count.contains(it.key())) continue;
      auto src = byId.find({it.key(), it.value()});
      if (src == byId.end()) {
        note(problems, QStringLiteral("line %1: names event %2 of %3, which is not in the log").arg(e.line).arg(it.value()).arg(it.key()));
        continue;
      }
      const ShivizEvent& s = evs[src.value()];
      for (auto k = s.clock.begin(); k != s.clock.end(); ++k)
        if (e.clock.value(k.key(), 0) < k.value())
          note(problems, QStringLiteral("line %1: knows event %2 of %3 but not what that event knew of %4")
                             .arg(e.line).arg(it.value()).arg(it.key(), k.key()));
      edge(src.value(), i);
    }
  }
  std::deque<int> ready;
  for (int i = 0; i < evs.size(); ++i)
    if (incoming[static_cast<std::size_t>(i)] == 0) ready.push_back(i);
  int ordered = 0;
  while (!ready.empty()) {
    const int i = ready.front();
    ready.pop_front();
    ++ordered;
    for (int j : next[static_cast<std::size_t>(i)])
      if (--incoming[static_cast<std::size_t>(j)] == 0) ready.push_back(j);
  }
  if (ordered != evs.size()) note(problems, QStringLiteral("the clocks form a causal cycle (%1 events in it or after it)").arg(evs.size() - ordered));
}

// ---------------------------------------------------------------------------------------
// Jepsen histories, EDN and JSON, normalised to one shape and checked once.

struct HistoryOp {
  QString type, f, key, value;
  bool hasValue = false;   // client ops: the second element of [key value] is not nil
  bool nemesis = false;
  qint64 process = 0, time = 0, index = 0;
  QString normalised() const {
    return QStringLiteral("%1 %2 %3 %4 %5 %6 %7")
        .arg(type, f, nemesis ? QStringLiteral("nemesis") : QString::number(process))
        .arg(time).arg(index).arg(nemesis ? QString() : key, hasValue ? value : QStringLiteral("nil"));
  }
};

void checkHistory(const std::vector<HistoryOp>& ops, QStringList& problems, HistoryStats* stats) {
  struct Open {
    QString f, key, value;
    bool hasValue;
  };
  std::map<qint64, Open> open;
  QSet<qint64> retired;
  qint64 lastTime = -1;
  static const QStringList kTypes{"invoke", "ok", "fail", "info"};
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const HistoryOp& op = ops[i];
    const QString at = QStringLiteral("line %1: ").arg(i + 1);
    stats->lines << op.normalised();
    ++stats->ops;
    if (op.index != static_cast<qint64>(i)) note(problems, at + QStringLiteral(":index is %1, expected %2").arg(op.index).arg(i));
    if (op.time < lastTime) note(problems, at + ":time goes back");
    lastTime = op.time;
    if (!kTypes.contains(op.type)) note(problems, at + ":type :" + op.type + " is not one of invoke ok fail info");
    if (op.nemesis) {
      ++stats->nemesis;
      if (op.f == "partition") ++stats->partitions;
      if (op.type != "info") note(problems, at + "a nemesis op must be :info");
      continue;
    }
    if (op.process < 0) note(problems, at + ":process must be >= 0 or :nemesis");
    if (op.f != "write" && op.f != "read") note(problems, at + ":f :" + op.f + " is not :write or :read");
    if (op.f == "write" && !op.hasValue) note(problems, at + "a write without a value");
    if (retired.contains(op.process)) note(problems, at + QStringLiteral("process %1 is used after its :info").arg(op.process));
    auto it = open.find(op.process);
    if (op.type == "invoke") {
      if (it != open.end()) note(problems, at + QStringLiteral("process %1 invokes before its last op completed").arg(op.process));
      open[op.process] = {op.f, op.key, op.value, op.hasValue};
      continue;
    }
    if (it == open.end()) {
      note(problems, at + QStringLiteral("process %1 completes an op it never invoked").arg(op.process));
      continue;
    }
    if (it->second.f != op.f || it->second.key != op.key)
      note(problems, at + "the completion's :f or key differs from the invoke's");
    if (op.f == "write" && it->second.value != op.value) note(problems, at + "a write completes with another value");
    open.erase(it);
    if (op.type == "info") {
      ++stats->infos;
      retired.insert(op.process);
    }
  }
  for (const auto& [p, o] : open) note(problems, QStringLiteral("process %1's last :invoke never completes").arg(p));
}

std::optional<HistoryOp> fromEdn(const Edn& m, QString* why) {
  if (m.kind != Edn::Kind::kMap) return *why = "not a map", std::nullopt;
  for (const char* k : {"type", "f", "value", "process", "time", "index"})
    if (!m.get(k)) return *why = QStringLiteral(":%1 is missing").arg(k), std::nullopt;
  HistoryOp op;
  if (m.get("type")->kind != Edn::Kind::kKeyword || m.get("f")->kind != Edn::Kind::kKeyword)
    return *why = ":type and :f must be keywords", std::nullopt;
  op.type = m.get("type")->text;
  op.f = m.get("f")->text;
  for (const char* k : {"time", "index"})
    if (m.get(k)->kind != Edn::Kind::kInt) return *why = QStringLiteral(":%1 must be an integer").arg(k), std::nullopt;
  op.time = m.get("time")->integer;
  op.index = m.get("index")->integer;
  const Edn& process = *m.get("process");
  op.nemesis = process.isKeyword("nemesis");
  if (!op.nemesis && process.kind != Edn::Kind::kInt) return *why = ":process must be an integer or :nemesis", std::nullopt;
  op.process = process.integer;
  if (op.nemesis) return op;
  const Edn& v = *m.get("value");
  if (v.kind != Edn::Kind::kVector || v.items.size() != 2 || v.items[0].kind != Edn::Kind::kString ||
      (v.items[1].kind != Edn::Kind::kString && v.items[1].kind != Edn::Kind::kNil))
    return *why = ":value must be [\"key\" \"value\"] or [\"key\" nil]", std::nullopt;
  op.key = v.items[0].text;
  op.hasValue = v.items[1].kind == Edn::Kind::kString;
  op.value = v.items[1].text;
  return op;
}

std::optional<HistoryOp> fromJson(const QJsonObject& o, QString* why) {
  for (const char* k : {"type", "f", "value", "process", "time", "index"})
    if (!o.contains(k)) return *why = QStringLiteral("\"%1\" is missing").arg(k), std::nullopt;
  HistoryOp op;
  op.type = o["type"].toString();
  op.f = o["f"].toString();
  if (!isWhole(o["time"]) || !isWhole(o["index"])) return *why = "time and index must be integers", std::nullopt;
  op.time = static_cast<qint64>(o["time"].toDouble());
  op.index = static_cast<qint64>(o["index"].toDouble());
  op.nemesis = o["process"].toString() == "nemesis";
  if (!op.nemesis && !isWhole(o["process"])) return *why = "process must be an integer or \"nemesis\"", std::nullopt;
  op.process = static_cast<qint64>(o["process"].toDouble());
  if (op.nemesis) return op;
  const QJsonArray v = o["value"].toArray();
  if (v.size() != 2 || !v[0].isString() || !(v[1].isString() || v[1].isNull()))
    return *why = "value must be [\"key\", \"value\"] or [\"key\", null]", std::nullopt;
  op.key = v[0].toString();
  op.hasValue = v[1].isString();
  op.value = v[1].toString();
  return op;
}

template <typename ParseLine>
QStringList checkHistoryLines(const QByteArray& text, HistoryStats* stats, ParseLine parse) {
  QStringList problems;
  std::vector<HistoryOp> ops;
  int lineNo = 0;
  for (const QByteArray& line : text.split('\n')) {
    ++lineNo;
    if (line.trimmed().isEmpty()) continue;
    QString why;
    auto op = parse(line, &why);
    if (!op) note(problems, QStringLiteral("line %1: %2").arg(lineNo).arg(why));
    else ops.push_back(*op);
  }
  checkHistory(ops, problems, stats);
  return problems;
}

// ---------------------------------------------------------------------------------------
// Trace

struct Interval {
  double from, to;
};

}  // namespace

QStringList checkShiviz(const QByteArray& text, ShivizStats* stats) {
  QStringList problems;
  QList<QByteArray> lines = text.split('\n');
  if (!lines.isEmpty() && lines.last().isEmpty()) lines.removeLast();
  if (lines.size() < 2) return {"fewer than the two header lines"};
  QString regex = QString::fromUtf8(lines[0]);
  if (regex.isEmpty()) regex = QStringLiteral("(?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})");  // ShiViz's default
  for (const char* group : {"event", "host", "clock"})
    if (!regex.contains(QStringLiteral("(?<%1>").arg(group))) note(problems, QStringLiteral("line 1: the regex has no '%1' group").arg(group));
  if (!lines[1].isEmpty()) note(problems, "line 2 (the run delimiter) must be empty for a log of one run");
  const QRegularExpression re(QStringLiteral("^(?:%1)$").arg(regex));
  if (!re.isValid()) return problems << "line 1: not a valid regex: " + re.errorString();
  if (lines.size() % 2 != 0) note(problems, "the events do not come in pairs of lines");
  QVector<ShivizEvent> evs;
  for (int k = 2; k + 1 < lines.size(); k += 2) {
    const auto m = re.match(QString::fromUtf8(lines[k] + '\n' + lines[k + 1]));
    if (!m.hasMatch()) {
      note(problems, QStringLiteral("lines %1-%2 do not match the regex").arg(k + 1).arg(k + 2));
      continue;
    }
    ShivizEvent e{m.captured("host"), {}, k + 2};
    const QJsonDocument clock = QJsonDocument::fromJson(m.captured("clock").toUtf8());
    if (!clock.isObject()) {
      note(problems, QStringLiteral("line %1: the clock is not a JSON object").arg(k + 2));
      continue;
    }
    const QJsonObject o = clock.object();
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (!isWhole(it.value())) note(problems, QStringLiteral("line %1: clock entry %2 is not an integer").arg(k + 2).arg(it.key()));
      e.clock[it.key()] = static_cast<qint64>(it.value().toDouble());
    }
    if (e.clock.size() > 1) ++stats->withForeignKeys;
    evs << e;
  }
  checkShivizClocks(evs, problems);
  stats->events = static_cast<int>(evs.size());
  QSet<QString> hosts;
  for (const auto& e : evs) hosts.insert(e.host);
  stats->hosts = static_cast<int>(hosts.size());
  return problems;
}

QStringList checkJepsenEdn(const QByteArray& text, HistoryStats* stats) {
  return checkHistoryLines(text, stats, [](const QByteArray& line, QString* why) -> std::optional<HistoryOp> {
    auto edn = readEdn(QString::fromUtf8(line), why);
    if (!edn) return std::nullopt;
    return fromEdn(*edn, why);
  });
}

QStringList checkJepsenJson(const QByteArray& text, HistoryStats* stats) {
  return checkHistoryLines(text, stats, [](const QByteArray& line, QString* why) -> std::optional<HistoryOp> {
    QJsonParseError err{};
    const QJsonDocument d = QJsonDocument::fromJson(line, &err);
    if (!d.isObject()) return *why = "not a JSON object: " + err.errorString(), std::nullopt;
    return fromJson(d.object(), why);
  });
}

QStringList checkPorcupine(const QByteArray& text, PorcupineStats* stats) {
  QStringList problems;
  QJsonParseError err{};
  const QJsonDocument d = QJsonDocument::fromJson(text, &err);
  if (!d.isArray()) return {"not a JSON array: " + err.errorString()};
  struct Op {
    qint64 client, call, ret;
    bool unknown;
  };
  std::vector<Op> ops;
  const QSet<QString> fields{"ClientId", "Input", "Call", "Output", "Return"};
  qint64 lastKnown = 0;
  for (int i = 0; i < d.array().size(); ++i) {
    const QJsonObject o = d.array()[i].toObject();
    const QString at = QStringLiteral("operation %1: ").arg(i);
    const QStringList keys = o.keys();
    if (QSet<QString>(keys.begin(), keys.end()) != fields) {
      note(problems, at + "fields must be exactly ClientId, Input, Call, Output, Return; has " + keys.join(','));
      continue;
    }
    if (!isWhole(o["ClientId"]) || o["ClientId"].toDouble() < 0 || !isWhole(o["Call"]) || !isWhole(o["Return"]))
      note(problems, at + "ClientId, Call and Return must be integers (ClientId >= 0)");
    const QJsonObject in = o["Input"].toObject(), out = o["Output"].toObject();
    const QString kind = in["op"].toString();
    if ((kind != "write" && kind != "read") || !in["key"].isString() || (kind == "write" && !in["value"].isString()))
      note(problems, at + "Input must be {op: write|read, key, value for a write}");
    if (!out["unknown"].isBool()) note(problems, at + "Output.unknown must be true or false");
    const bool unknown = out["unknown"].toBool();
    if (kind == "read" && !unknown &&
        (!out["exists"].isBool() || (out["exists"].toBool() ? !out["value"].isString() : !out["value"].isNull())))
      note(problems, at + "a read's Output needs exists and a value (null when it does not exist)");
    Op op{static_cast<qint64>(o["ClientId"].toDouble()), static_cast<qint64>(o["Call"].toDouble()),
          static_cast<qint64>(o["Return"].toDouble()), unknown};
    if (op.ret < op.call) note(problems, at + "Return is before Call");
    if (!unknown) lastKnown = std::max(lastKnown, op.ret);
    lastKnown = std::max(lastKnown, op.call);
    stats->unknown += unknown;
    ops.push_back(op);
  }
  std::map<qint64, std::vector<Op>> byClient;
  for (const Op& op : ops) {
    if (op.unknown && op.ret < lastKnown)
      note(problems, QStringLiteral("client %1: an unknown outcome returns at %2, before the end of the history").arg(op.client).arg(op.ret));
    byClient[op.client].push_back(op);
  }
  qint64 expected = 0;
  for (auto& [client, mine] : byClient) {
    if (client != expected++) note(problems, QStringLiteral("ClientIds are not 0, 1, 2...: %1 follows %2").arg(client).arg(expected - 2));
    std::sort(mine.begin(), mine.end(), [](const Op& a, const Op& b) { return a.call < b.call; });
    for (std::size_t i = 1; i < mine.size(); ++i)
      if (mine[i].call < mine[i - 1].ret)
        note(problems, QStringLiteral("client %1 calls at %2 before its previous operation returned").arg(client).arg(mine[i].call));
  }
  stats->ops = static_cast<int>(ops.size());
  return problems;
}

QStringList checkTrace(const QByteArray& text, TraceStats* stats) {
  QStringList problems;
  QJsonParseError err{};
  const QJsonDocument d = QJsonDocument::fromJson(text, &err);
  if (!d.isObject() || !d.object()["traceEvents"].isArray()) return {"not {\"traceEvents\": [...]}: " + err.errorString()};
  using Track = QPair<qint64, qint64>;
  std::map<Track, std::vector<Interval>> slices;
  std::map<Track, std::vector<std::pair<double, bool>>> beginEnd;  // ts, begin?
  QSet<qint64> namedProcesses, usedProcesses;
  QSet<Track> namedThreads;
  struct Flow {
    int starts = 0, finishes = 0;
    double startTs = 0, finishTs = 0;
  };
  std::map<QString, Flow> flows;
  struct Binding {
    Track track;
    double ts;
    bool enclosing;
    QString what;
  };
  std::vector<Binding> bindings;
  const QJsonArray events = d.object()["traceEvents"].toArray();
  for (int i = 0; i < events.size(); ++i) {
    const QJsonObject e = events[i].toObject();
    const QString ph = e["ph"].toString();
    const QString at = QStringLiteral("event %1 (%2): ").arg(i).arg(ph);
    if (!isWhole(e["pid"]) || !isWhole(e["tid"])) {
      note(problems, at + "pid and tid must be integers");
      continue;
    }
    const Track track{static_cast<qint64>(e["pid"].toDouble()), static_cast<qint64>(e["tid"].toDouble())};
    if (ph == "M") {
      const QString name = e["args"].toObject()["name"].toString();
      if (e["name"] == "process_name") namedProcesses.insert(track.first), stats->processes << name;
      if (e["name"] == "thread_name") namedThreads.insert(track);
      if (name.isEmpty()) note(problems, at + "metadata without args.name");
      continue;
    }
    if (!e["ts"].isDouble() || e["ts"].toDouble() < 0) note(problems, at + "ts must be a number >= 0");
    const double ts = e["ts"].toDouble();
    usedProcesses.insert(track.first);
    if (ph == "X") {
      if (!e["dur"].isDouble() || e["dur"].toDouble() < 0) note(problems, at + "dur must be a number >= 0");
      slices[track].push_back({ts, ts + e["dur"].toDouble()});
      ++stats->slices;
    } else if (ph == "B" || ph == "E") {
      beginEnd[track].push_back({ts, ph == "B"});
    } else if (ph == "i" || ph == "I") {
      const QString s = e["s"].toString();
      if (s != "g" && s != "p" && s != "t") note(problems, at + "an instant needs a scope s: g, p or t");
      ++stats->instants;
    } else if (ph == "s" || ph == "f") {
      if (!e.contains("id") || !e["cat"].isString()) {
        note(problems, at + "a flow event needs an id and a cat");
        continue;
      }
      const QString key = e["cat"].toString() + '/' + QString::number(e["id"].toDouble(), 'f', 0) + e["id"].toString();
      Flow& f = flows[key];
      if (ph == "s") ++f.starts, f.startTs = ts;
      else ++f.finishes, f.finishTs = ts;
      bindings.push_back({track, ts, ph == "s" || e["bp"].toString() == "e", at});
    } else {
      note(problems, at + "a phase this checker does not know");
    }
  }
  for (auto& [track, marks] : beginEnd) {
    std::stable_sort(marks.begin(), marks.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<double> open;
    for (const auto& [ts, begin] : marks) {
      if (begin) open.push_back(ts);
      else if (open.empty()) note(problems, QStringLiteral("pid %1 tid %2: an E without a B").arg(track.first).arg(track.second));
      else slices[track].push_back({open.back(), ts}), open.pop_back();
    }
    if (!open.empty()) note(problems, QStringLiteral("pid %1 tid %2: a B never ended").arg(track.first).arg(track.second));
  }
  for (auto& [track, list] : slices) {
    if (!namedThreads.contains(track)) note(problems, QStringLiteral("pid %1 tid %2 has slices but no thread_name").arg(track.first).arg(track.second));
    std::sort(list.begin(), list.end(), [](const Interval& a, const Interval& b) { return a.from < b.from || (a.from == b.from && a.to > b.to); });
    std::vector<Interval> stack;
    for (const Interval& s : list) {
      while (!stack.empty() && stack.back().to <= s.from) stack.pop_back();
      if (!stack.empty() && s.to > stack.back().to)
        note(problems, QStringLiteral("pid %1 tid %2: slice [%3, %4] overlaps [%5, %6] without nesting")
                           .arg(track.first).arg(track.second).arg(s.from).arg(s.to).arg(stack.back().from).arg(stack.back().to));
      stack.push_back(s);
    }
  }
  for (const Binding& b : bindings) {
    const auto& list = slices[b.track];
    const bool bound = std::any_of(list.begin(), list.end(), [&](const Interval& s) {
      return b.enclosing ? s.from <= b.ts && b.ts <= s.to : s.from >= b.ts;
    });
    if (!bound) note(problems, b.what + "a flow event with no slice on its thread to bind to");
  }
  for (const auto& [key, f] : flows) {
    if (f.starts != 1 || f.finishes != 1)
      note(problems, QStringLiteral("flow %1: %2 starts and %3 finishes, expected one each").arg(key).arg(f.starts).arg(f.finishes));
    else if (f.finishTs < f.startTs)
      note(problems, QStringLiteral("flow %1 finishes before it starts").arg(key));
    else
      ++stats->flows;
  }
  for (qint64 pid : usedProcesses)
    if (!namedProcesses.contains(pid)) note(problems, QStringLiteral("pid %1 has no process_name").arg(pid));
  return problems;
}

}  // namespace qlab::testing
