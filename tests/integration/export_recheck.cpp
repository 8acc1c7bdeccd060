#include "export_recheck.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <map>
#include <set>
#include <tuple>

namespace qlab::testing {

namespace {

using Key = std::pair<qint64, qint64>;  // (client, seq)

bool readLines(const QString& path, QList<QJsonObject>* out, QStringList* problems) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    problems->append(path + ": cannot open");
    return false;
  }
  int line = 0;
  while (!f.atEnd()) {
    ++line;
    QByteArray bytes = f.readLine().trimmed();
    if (bytes.isEmpty()) continue;
    QJsonParseError err{};
    QJsonDocument d = QJsonDocument::fromJson(bytes, &err);
    if (!d.isObject()) {
      problems->append(QStringLiteral("%1:%2: not a JSON object").arg(path).arg(line));
      return false;
    }
    out->append(d.object());
  }
  return true;
}

QJsonObject readObject(const QString& path, QStringList* problems) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    problems->append(path + ": cannot open");
    return {};
  }
  QJsonDocument d = QJsonDocument::fromJson(f.readAll());
  if (!d.isObject()) problems->append(path + ": not a JSON object");
  return d.object();
}

qint64 i64(const QJsonValue& v) { return static_cast<qint64>(v.toDouble(-1)); }

}  // namespace

Recheck recheckExport(const QString& dir) {
  Recheck r;
  QStringList& bad = r.problems;
  const QJsonObject cluster = readObject(dir + "/cluster.json", &bad);
  const QJsonObject summary = readObject(dir + "/summary.json", &bad);
  if (!bad.isEmpty()) return r;
  const qint64 hwm = i64(cluster.value("hwm"));

  // Which node's log counts: the leader; else the live node with the highest HWM; else the
  // node with the highest HWM; ties to the lowest id.
  const QJsonArray nodes = cluster.value("nodes").toArray();
  int reference = cluster.value("leader").isNull() ? 0 : cluster.value("leader").toInt();
  for (bool aliveOnly : {true, false}) {
    if (reference != 0) break;
    qint64 best = -1;
    for (const auto& nv : nodes) {
      QJsonObject n = nv.toObject();
      if (aliveOnly && !n.value("alive").toBool()) continue;
      qint64 h = i64(n.value("hwm"));
      int id = n.value("id").toInt();
      if (h > best || (h == best && id < reference)) best = h, reference = id;
    }
  }
  r.reference = reference;
  if (i64(summary.value("reference")) != reference)
    bad << QStringLiteral("summary.json names node %1 as the reference, the rule gives node %2")
               .arg(i64(summary.value("reference"))).arg(reference);

  // Each node's log: consecutive indexes from first_index to log_end; durable exactly up to
  // durable_end; the reference's own entries are committed exactly up to the HWM.
  std::map<int, QList<QJsonObject>> logs;
  std::map<int, qint64> firstIndex;
  for (const auto& nv : nodes) {
    QJsonObject n = nv.toObject();
    int id = n.value("id").toInt();
    QString path = QStringLiteral("%1/node-%2.jsonl").arg(dir).arg(id);
    QList<QJsonObject>& log = logs[id];
    if (!readLines(path, &log, &bad)) continue;
    firstIndex[id] = i64(n.value("first_index"));
    qint64 expect = firstIndex[id];
    const qint64 durableEnd = i64(n.value("durable_end"));
    for (const auto& e : log) {
      qint64 index = i64(e.value("index"));
      if (index != expect) {
        bad << QStringLiteral("node-%1.jsonl: index %2 where %3 was due").arg(id).arg(index).arg(expect);
        break;
      }
      ++expect;
      if (!e.value("durable").isBool()) {
        bad << QStringLiteral("node-%1.jsonl: index %2 has no durable flag").arg(id).arg(index);
        break;
      }
      bool durable = e.value("durable").toBool();
      if (!durable) ++r.notDurableEntries;
      if (durable != (index <= durableEnd))
        bad << QStringLiteral("node-%1.jsonl: index %2 durable=%3 but the node's durable_end is %4")
                   .arg(id).arg(index).arg(durable).arg(durableEnd);
      if (id == reference && e.value("committed").toBool() != (index <= hwm))
        bad << QStringLiteral("node-%1.jsonl: index %2 committed=%3 with HWM %4")
                   .arg(id).arg(index).arg(e.value("committed").toBool()).arg(hwm);
    }
    if (expect - 1 != i64(n.value("log_end")))
      bad << QStringLiteral("node-%1.jsonl ends at %2, cluster.json says log_end %3").arg(id).arg(expect - 1).arg(i64(n.value("log_end")));
  }
  if (!logs.count(reference)) {
    bad << QStringLiteral("no log for the reference node %1").arg(reference);
    return r;
  }

  // Writes that took effect in the reference's committed log (the client session rule: an
  // entry counts when its seq is newer than every earlier one of that client in the log).
  std::set<Key> tookEffect;
  std::map<qint64, qint64> newest;
  for (const auto& e : logs[reference]) {
    if (i64(e.value("index")) > hwm) break;
    if (e.value("type").toString() != QLatin1String("data") || e.value("client").isNull()) continue;
    qint64 client = i64(e.value("client"));
    qint64 seq = i64(e.value("seq"));
    auto it = newest.find(client);
    if (it != newest.end() && seq <= it->second) continue;
    newest[client] = seq;
    tookEffect.insert({client, seq});
  }

  QList<QJsonObject> history;
  if (!readLines(dir + "/history.jsonl", &history, &bad)) return r;
  std::set<std::tuple<qint64, qint64, qint64>> lost;
  for (const auto& op : history) {
    if (op.value("op").toString() != QLatin1String("write") || op.value("result").toString() != QLatin1String("ok")) continue;
    ++r.ackedWrites;
    Key k{i64(op.value("client")), i64(op.value("seq"))};
    if (tookEffect.count(k)) continue;
    qint64 index = i64(op.value("index"));
    if (index < firstIndex[reference]) ++r.unjudged;
    else lost.insert({k.first, k.second, index});
  }
  r.lost = static_cast<int>(lost.size());

  std::set<std::tuple<qint64, qint64, qint64>> reported;
  for (const auto& lv : summary.value("lost_acked").toArray()) {
    QJsonObject l = lv.toObject();
    reported.insert({i64(l.value("client")), i64(l.value("seq")), i64(l.value("index"))});
  }
  for (const auto& [c, s, i] : lost)
    if (!reported.count({c, s, i})) bad << QStringLiteral("client %1 seq %2 (index %3) is lost by the export but not in summary.json").arg(c).arg(s).arg(i);
  for (const auto& [c, s, i] : reported)
    if (!lost.count({c, s, i})) bad << QStringLiteral("summary.json lists client %1 seq %2 (index %3) as lost; the export keeps it").arg(c).arg(s).arg(i);
  if (i64(summary.value("unjudged_acked")) != r.unjudged)
    bad << QStringLiteral("summary.json unjudged_acked %1, recomputed %2").arg(i64(summary.value("unjudged_acked"))).arg(r.unjudged);
  return r;
}

}  // namespace qlab::testing
