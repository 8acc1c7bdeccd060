// history.jsonl read back (docs/export-format.md): one operation per line, each field checked
// and named in the error, so `quorumlab check` can judge a history written by any system in
// the same format, and the exporter can re-read the recorder's spill file.
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <cmath>

#include "core/instruments/history.h"
#include "core/instruments/json_fields.h"

namespace qlab::cluster {

namespace {

Result<std::int64_t> millisAsMicros(const QJsonObject& o, const char* key) {
  const QJsonValue v = o.value(key);
  if (v.isUndefined()) return badField(key, "is missing");
  if (!v.isDouble() || !std::isfinite(v.toDouble())) return badField(key, "must be a number (milliseconds)");
  return static_cast<std::int64_t>(std::llround(v.toDouble() * 1000.0));
}

}  // namespace

Result<Operation> parseOperationLine(std::string_view line) {
  QJsonParseError err{};
  const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(line.data(), static_cast<qsizetype>(line.size())), &err);
  if (err.error != QJsonParseError::NoError)
    return Status::invalidArgument("not valid JSON: " + err.errorString().toStdString());
  if (!doc.isObject()) return Status::invalidArgument("not a JSON object");
  const QJsonObject o = doc.object();
  Operation op;
  QLAB_TAKE(op.client, wholeField(o, "client"));
  QLAB_TAKE(op.seq, wholeField(o, "seq"));
  const QString kind = o.value("op").toString();
  if (kind != "write" && kind != "read") return badField("op", "must be \"write\" or \"read\"");
  op.kind = kind == "write" ? OpKind::kWrite : OpKind::kRead;
  if (!o.value("key").isString()) return badField("key", "must be a string");
  op.key = o.value("key").toString().toStdString();
  const QJsonValue value = o.value("value");
  if (op.kind == OpKind::kWrite && !value.isString()) return badField("value", "a write's value must be a string");
  if (op.kind == OpKind::kRead && !value.isString() && !value.isNull() && !value.isUndefined())
    return badField("value", "a read's value must be a string, or null when the key was absent");
  op.found = value.isString();
  op.value = value.toString().toStdString();
  QLAB_TAKE(op.invokeUs, millisAsMicros(o, "invoke_ms"));
  QLAB_TAKE(op.completeUs, millisAsMicros(o, "complete_ms"));
  if (op.completeUs < op.invokeUs) return badField("complete_ms", "is before invoke_ms");
  const QString result = o.value("result").toString();
  if (result != "ok" && result != "fail" && result != "timeout")
    return badField("result", "must be \"ok\", \"fail\" or \"timeout\"");
  op.result = result == "ok" ? OpResult::kOk : result == "fail" ? OpResult::kFail : OpResult::kTimeout;
  if (o.contains("index") && !o.value("index").isNull()) {
    QLAB_TAKE(op.index, wholeField(o, "index"));
  }
  if (o.contains("attempts")) {
    std::uint64_t attempts = 0;
    QLAB_TAKE(attempts, wholeField(o, "attempts"));
    op.attempts = static_cast<int>(std::min<std::uint64_t>(attempts, 1u << 30));
  }
  return op;
}

Result<std::vector<Operation>> loadHistoryFile(const std::string& path) {
  QFile f(QString::fromStdString(path));
  if (!f.open(QIODevice::ReadOnly))
    return Status::invalidArgument(path + ": cannot read the history: " + f.errorString().toStdString());
  std::vector<Operation> ops;
  int lineNo = 0;
  while (!f.atEnd()) {
    ++lineNo;
    const QByteArray raw = f.readLine().trimmed();
    if (raw.isEmpty()) continue;
    auto op = parseOperationLine(std::string_view(raw.constData(), static_cast<std::size_t>(raw.size())));
    if (!op.isOk()) return Status::invalidArgument(path + ":" + std::to_string(lineNo) + ": " + op.status().message());
    ops.push_back(std::move(op.value()));
  }
  return ops;
}

}  // namespace qlab::cluster
