#include "core/net/handshake.h"

#include "core/common/assert.h"
#include "core/common/coding.h"

namespace qlab::net {

namespace {

bool isValidRefuseCode(std::uint16_t c) {
  return c >= static_cast<std::uint16_t>(RefuseCode::kWrongCluster) &&
         c <= static_cast<std::uint16_t>(RefuseCode::kBadToken);
}

Status trailing(const char* what, const coding::Reader& r) {
  return Status::corruption(std::string(what) + ": " + std::to_string(r.remaining()) +
                            " unexpected trailing bytes");
}

}  // namespace

const char* refuseCodeName(RefuseCode c) {
  switch (c) {
    case RefuseCode::kWrongCluster: return "wrong cluster";
    case RefuseCode::kUnknownNode: return "unknown node";
    case RefuseCode::kBadVersion: return "bad version";
    case RefuseCode::kProtocolError: return "protocol error";
    case RefuseCode::kTooManyConnections: return "too many connections";
    case RefuseCode::kBadClientId: return "bad client id";
    case RefuseCode::kBadToken: return "bad token";
  }
  return "unknown";
}

std::string encodeHello(const Hello& h) {
  QLAB_ASSERT(!h.clusterName.empty() && h.clusterName.size() <= kMaxClusterNameBytes);
  std::string out;
  coding::putFixed16(out, h.protocolVersion);
  coding::putFixed32(out, h.nodeId);
  coding::putFixed64(out, h.clientId);
  coding::putBytes(out, h.clusterName);
  return out;
}

Result<Hello> decodeHello(std::string_view payload) {
  coding::Reader r(payload);
  Hello h;
  h.protocolVersion = r.u16();
  h.nodeId = r.u32();
  h.clientId = r.u64();
  const std::uint32_t nameLength = r.u32();
  if (!r.ok())
    return Status::corruption("hello: truncated (" + std::to_string(payload.size()) + " bytes)");
  if (nameLength == 0 || nameLength > kMaxClusterNameBytes) {
    return Status::corruption("hello: cluster name of " + std::to_string(nameLength) +
                              " bytes, must be 1.." + std::to_string(kMaxClusterNameBytes));
  }
  const std::string_view name = r.raw(nameLength);
  if (!r.ok()) return Status::corruption("hello: cluster name cut short");
  if (!r.atEnd()) return trailing("hello", r);
  h.clusterName.assign(name);
  return h;
}

std::string encodeHelloAck(const HelloAck& a) {
  std::string out;
  coding::putFixed16(out, a.protocolVersion);
  coding::putFixed32(out, a.nodeId);
  coding::putFixed64(out, a.connectionId);
  return out;
}

Result<HelloAck> decodeHelloAck(std::string_view payload) {
  coding::Reader r(payload);
  HelloAck a;
  a.protocolVersion = r.u16();
  a.nodeId = r.u32();
  a.connectionId = r.u64();
  if (!r.ok())
    return Status::corruption("hello_ack: truncated (" + std::to_string(payload.size()) +
                              " bytes)");
  if (!r.atEnd()) return trailing("hello_ack", r);
  return a;
}

std::string encodeRefuse(const Refuse& r) {
  QLAB_ASSERT(isValidRefuseCode(static_cast<std::uint16_t>(r.code)));
  std::string out;
  coding::putFixed16(out, static_cast<std::uint16_t>(r.code));
  coding::putBytes(out, std::string_view(r.reason).substr(0, kMaxRefuseReasonBytes));
  return out;
}

Result<Refuse> decodeRefuse(std::string_view payload) {
  coding::Reader r(payload);
  Refuse out;
  const std::uint16_t code = r.u16();
  const std::string_view reason = r.bytes(kMaxRefuseReasonBytes);
  if (!r.ok())
    return Status::corruption("refuse: truncated or reason longer than " +
                              std::to_string(kMaxRefuseReasonBytes) + " bytes");
  if (!isValidRefuseCode(code))
    return Status::corruption("refuse: unknown code " + std::to_string(code));
  if (!r.atEnd()) return trailing("refuse", r);
  out.code = static_cast<RefuseCode>(code);
  out.reason.assign(reason);
  return out;
}

}  // namespace qlab::net
