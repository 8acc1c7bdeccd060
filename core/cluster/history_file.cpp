// history.jsonl read back (docs/export-format.md): one operation per line, each field checked
// and named in the error, so `quorumlab check` can judge a history written by any system in
// the same format, and the exporter can re-read the recorder's spill file.
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <cmath>

#include "core/cluster/history.h"

namespace qlab::cluster {

namespace {

// Sets `dst` from a Result, or returns its error from the enclosing function.
#define QLAB_TAKE(dst, expr)              \
  do {                                    \
    auto taken_ = (expr);                 \
    if (!taken_.isOk()) return taken_.status(); \
    dst = std::move(taken_.value());      \
  } while (0)

Status bad(const std::string& field, const std::string& what) {
  return Status::invalidArgument("field '" + field + "': " + what);
}

// A whole number in [0, 2^53] (JSON numbers are doubles).
Result<std::uint64_t> whole(const QJsonObject& o, const char* key) {
  const QJsonValue v = o.value(key);
  if (v.isUndefined()) return bad(key, "is missing");
  const double d = v.toDouble(-1);
  if (!v.isDouble() || d < 0 || d != std::floor(d) || d > 9007199254740992.0)
    return bad(key, "must be a whole number from 0 to 2^53");
  return static_cast<std::uint64_t>(d);
}

Result<std::int64_t> millisAsMicros(const QJsonObject& o, const char* key) {
  const QJsonValue v = o.value(key);
  if (v.isUndefined()) return bad(key, "is missing");
  if (!v.isDouble() || !std::isfinite(v.toDouble())) return bad(key, "must be a number (milliseconds)");
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
  QLAB_TAKE(op.client, whole(o, "client"));
  QLAB_TAKE(op.seq, whole(o, "seq"));
  const QString kind = o.value("op").toString();
  if (kind != "write" && kind != "read") return bad("op", "must be \"write\" or \"read\"");
  op.kind = kind == "write" ? OpKind::kWrite : OpKind::kRead;
  if (!o.value("key").isString()) return bad("key", "must be a string");
  op.key = o.value("key").toString().toStdString();
  const QJsonValue value = o.value("value");
  if (op.kind == OpKind::kWrite && !value.isString()) return bad("value", "a write's value must be a string");
  if (op.kind == OpKind::kRead && !value.isString() && !value.isNull() && !value.isUndefined())
    return bad("value", "a read's value must be a string, or null when the key was absent");
  op.found = value.isString();
  op.value = value.toString().toStdString();
  QLAB_TAKE(op.invokeUs, millisAsMicros(o, "invoke_ms"));
  QLAB_TAKE(op.completeUs, millisAsMicros(o, "complete_ms"));
  if (op.completeUs < op.invokeUs) return bad("complete_ms", "is before invoke_ms");
  const QString result = o.value("result").toString();
  if (result != "ok" && result != "fail" && result != "timeout")
    return bad("result", "must be \"ok\", \"fail\" or \"timeout\"");
  op.result = result == "ok" ? OpResult::kOk : result == "fail" ? OpResult::kFail : OpResult::kTimeout;
  if (o.contains("index") && !o.value("index").isNull()) {
    QLAB_TAKE(op.index, whole(o, "index"));
  }
  if (o.contains("attempts")) {
    std::uint64_t attempts = 0;
    QLAB_TAKE(attempts, whole(o, "attempts"));
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
