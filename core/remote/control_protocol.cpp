#include "core/remote/control_protocol.h"

#include <QJsonDocument>
#include <QJsonObject>

#include "core/common/coding.h"
#include "core/node/node_codec.h"

namespace qlab::remote {

using coding::putFixed32;
using coding::putFixed64;
using coding::putFixed8;
using coding::Reader;
using node::codec::count;
using node::codec::getStr;
using node::codec::putStr;

namespace {

Result<QJsonObject> jsonObject(std::string_view payload, const char* what) {
  QJsonParseError err{};
  const QJsonDocument doc =
      QJsonDocument::fromJson(QByteArray(payload.data(), static_cast<qsizetype>(payload.size())), &err);
  if (err.error != QJsonParseError::NoError || !doc.isObject())
    return Status::invalidArgument(std::string(what) + " is not a JSON object");
  return doc.object();
}

std::string compact(const QJsonObject& o) {
  return QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString();
}

void putEntryFull(std::string& out, const Entry& e) {
  putFixed64(out, e.index);
  putFixed64(out, e.generation);
  putFixed8(out, static_cast<std::uint8_t>(e.type));
  putFixed8(out, e.flags);
  node::codec::putI64(out, e.timestampMs);
  putStr(out, e.payload);
}

bool getEntryFull(Reader& in, Entry& e) {
  e.index = in.u64();
  e.generation = in.u64();
  const std::uint8_t type = in.u8();
  e.flags = in.u8();
  e.timestampMs = in.i64();
  std::string_view p = in.bytes(kMaxNodeFrameBytes);
  e.payload.assign(p);
  if (!isValidEntryType(type)) return false;
  e.type = static_cast<EntryType>(type);
  return in.ok();
}

}  // namespace

std::string encodeControlHello(const ControlHello& h) {
  return compact(QJsonObject{{"cluster", QString::fromStdString(h.cluster)},
                             {"token", QString::fromStdString(h.token)}});
}

Result<ControlHello> decodeControlHello(std::string_view payload) {
  auto o = jsonObject(payload, "control hello");
  if (!o.isOk()) return o.status();
  if (!o->value("cluster").isString() || !o->value("token").isString())
    return Status::invalidArgument("control hello needs string fields 'cluster' and 'token'");
  ControlHello h{o->value("cluster").toString().toStdString(), o->value("token").toString().toStdString()};
  if (h.token.size() > kMaxTokenBytes) return Status::invalidArgument("control hello: token too long");
  return h;
}

std::string encodeControlWelcome(const ControlWelcome& w) {
  return compact(QJsonObject{{"node", static_cast<qint64>(w.node)}, {"pid", static_cast<qint64>(w.pid)}});
}

Result<ControlWelcome> decodeControlWelcome(std::string_view payload) {
  auto o = jsonObject(payload, "control welcome");
  if (!o.isOk()) return o.status();
  const qint64 node = o->value("node").toInteger(-1);
  if (node < 1 || node > kMaxNodes) return Status::invalidArgument("control welcome: bad node id");
  return ControlWelcome{static_cast<NodeId>(node), o->value("pid").toInteger(0)};
}

bool tokensEqual(std::string_view a, std::string_view b) {
  // Every byte of the longer one is looked at, whatever the first difference.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0u;
    const unsigned y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0u;
    diff |= x ^ y;
  }
  return diff == 0;
}

Result<ControlMessage> splitControl(std::string_view payload) {
  if (payload.empty()) return Status::invalidArgument("empty control frame");
  const auto kind = static_cast<std::uint8_t>(payload[0]);
  if (kind < 1 || kind > kMaxControlKind)
    return Status::invalidArgument("unknown control message kind " + std::to_string(kind));
  return ControlMessage{static_cast<ControlKind>(kind), payload.substr(1)};
}

std::string controlPayload(ControlKind kind, std::string_view body) {
  std::string out;
  out.reserve(1 + body.size());
  out.push_back(static_cast<char>(kind));
  out.append(body);
  return out;
}

std::string encodeRequest(std::uint64_t id, std::string_view json) {
  std::string out;
  putFixed64(out, id);
  putStr(out, json);
  return out;
}

bool decodeRequest(std::string_view body, std::uint64_t* id, std::string* json) {
  Reader in(body);
  *id = in.u64();
  getStr(in, *json);
  return in.ok() && in.remaining() == 0;
}

std::string encodeReply(const Reply& r) {
  std::string out;
  putFixed64(out, r.id);
  putFixed8(out, static_cast<std::uint8_t>(r.status.code()));
  putStr(out, r.status.isOk() ? std::string() : r.status.message());
  putStr(out, r.body);
  return out;
}

bool decodeReply(std::string_view body, Reply* r) {
  Reader in(body);
  r->id = in.u64();
  const std::uint8_t code = in.u8();
  std::string message;
  getStr(in, message);
  std::string_view b = in.bytes(kMaxNodeFrameBytes);
  r->body.assign(b);
  if (!in.ok() || code > static_cast<std::uint8_t>(Status::Code::kUnavailable)) return false;
  using C = Status::Code;
  switch (static_cast<C>(code)) {
    case C::kOk: r->status = Status::ok(); break;
    case C::kInvalidArgument: r->status = Status::invalidArgument(message); break;
    case C::kNotFound: r->status = Status::notFound(message); break;
    case C::kCorruption: r->status = Status::corruption(message); break;
    case C::kIoError: r->status = Status::ioError(message); break;
    case C::kNoSpace: r->status = Status::noSpace(message); break;
    case C::kFailed: r->status = Status::failed(message); break;
    case C::kTimeout: r->status = Status::timeout(message); break;
    case C::kAborted: r->status = Status::aborted(message); break;
    case C::kUnavailable: r->status = Status::unavailable(message); break;
  }
  return true;
}

std::string encodeEntries(const std::vector<node::EntryView>& entries) {
  std::string out;
  putFixed32(out, static_cast<std::uint32_t>(entries.size()));
  for (const auto& e : entries) node::codec::putEntry(out, e);
  return out;
}

bool decodeEntries(std::string_view body, std::vector<node::EntryView>* out) {
  Reader in(body);
  const std::uint32_t n = count(in);
  out->clear();
  out->reserve(n);
  for (std::uint32_t i = 0; i < n && in.ok(); ++i) {
    node::EntryView e;
    if (!node::codec::getEntry(in, e)) return false;
    out->push_back(std::move(e));
  }
  return in.ok();
}

std::string encodeFullEntries(const std::vector<Entry>& entries) {
  std::string out;
  putFixed32(out, static_cast<std::uint32_t>(entries.size()));
  for (const auto& e : entries) putEntryFull(out, e);
  return out;
}

bool decodeFullEntries(std::string_view body, std::vector<Entry>* out) {
  Reader in(body);
  const std::uint32_t n = count(in);
  out->clear();
  out->reserve(n);
  for (std::uint32_t i = 0; i < n && in.ok(); ++i) {
    Entry e;
    if (!getEntryFull(in, e)) return false;
    out->push_back(std::move(e));
  }
  return in.ok();
}

std::string encodeExtent(const std::optional<node::LogExtent>& x) {
  std::string out;
  putFixed8(out, x ? 1 : 0);
  if (x) {
    putFixed64(out, x->first);
    putFixed64(out, x->last);
    putFixed64(out, x->durableEnd);
  }
  return out;
}

bool decodeExtent(std::string_view body, std::optional<node::LogExtent>* x) {
  Reader in(body);
  const std::uint8_t has = in.u8();
  x->reset();
  if (has == 1) {
    node::LogExtent e;
    e.first = in.u64();
    e.last = in.u64();
    e.durableEnd = in.u64();
    *x = e;
  }
  return in.ok() && has <= 1;
}

std::string encodeApplied(const Entry& e, bool duplicate) {
  std::string out;
  putFixed8(out, duplicate ? 1 : 0);
  putEntryFull(out, e);
  return out;
}

bool decodeApplied(std::string_view body, Entry* e, bool* duplicate) {
  Reader in(body);
  *duplicate = in.u8() != 0;
  return getEntryFull(in, *e) && in.remaining() == 0;
}

std::string encodeStateReplaced(const replication::SnapshotMeta& m, NodeId from) {
  std::string out;
  putFixed64(out, m.index);
  putFixed64(out, m.generation);
  putFixed64(out, m.bytes);
  putFixed32(out, m.writeQuorum);
  putFixed32(out, from);
  return out;
}

bool decodeStateReplaced(std::string_view body, replication::SnapshotMeta* m, NodeId* from) {
  Reader in(body);
  m->index = in.u64();
  m->generation = in.u64();
  m->bytes = in.u64();
  m->writeQuorum = in.u32();
  *from = in.u32();
  return in.ok() && in.remaining() == 0;
}

}  // namespace qlab::remote
