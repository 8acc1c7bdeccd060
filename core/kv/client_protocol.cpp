#include "core/kv/client_protocol.h"

#include "core/common/coding.h"
#include "core/kv/command.h"

namespace qlab::kv {

namespace {
constexpr std::uint8_t kVersion = 1;
constexpr std::uint32_t kMaxErrorBytes = 4096;
}  // namespace

const char* clientStatusName(ClientStatus s) {
  switch (s) {
    case ClientStatus::kOk: return "ok";
    case ClientStatus::kNotLeader: return "not_leader";
    case ClientStatus::kUnavailable: return "unavailable";
    case ClientStatus::kBadRequest: return "bad_request";
  }
  return "unknown";
}

std::string encodeClientRequest(const ClientRequest& r) {
  std::string out;
  coding::putFixed8(out, kVersion);
  coding::putFixed8(out, static_cast<std::uint8_t>(r.op));
  coding::putFixed64(out, r.client);
  coding::putFixed64(out, r.seq);
  coding::putBytes(out, r.key);
  coding::putBytes(out, r.value);
  return out;
}

Result<ClientRequest> decodeClientRequest(std::string_view bytes) {
  coding::Reader rd(bytes);
  std::uint8_t version = rd.u8();
  std::uint8_t op = rd.u8();
  ClientRequest r;
  r.client = rd.u64();
  r.seq = rd.u64();
  auto key = rd.bytes(kMaxKeyBytes);
  auto value = rd.bytes(kMaxValueBytes);
  if (!rd.ok() || !rd.atEnd()) return Status::corruption("client request: malformed or truncated");
  if (version != kVersion) return Status::corruption("client request: unsupported version");
  if (op != 1 && op != 2) return Status::corruption("client request: unknown op " + std::to_string(op));
  if (r.client == 0 || r.seq == 0) return Status::invalidArgument("client request: client and seq must be > 0");
  r.op = static_cast<ClientOp>(op);
  r.key.assign(key);
  r.value.assign(value);
  return r;
}

std::string encodeClientResponse(const ClientResponse& r) {
  std::string out;
  coding::putFixed8(out, kVersion);
  coding::putFixed8(out, static_cast<std::uint8_t>(r.status));
  coding::putFixed64(out, r.client);
  coding::putFixed64(out, r.seq);
  coding::putFixed32(out, r.leaderHint);
  coding::putFixed64(out, r.index);
  coding::putFixed8(out, static_cast<std::uint8_t>((r.found ? 1 : 0) | (r.duplicate ? 2 : 0)));
  coding::putBytes(out, r.value);
  coding::putBytes(out, r.error);
  return out;
}

Result<ClientResponse> decodeClientResponse(std::string_view bytes) {
  coding::Reader rd(bytes);
  std::uint8_t version = rd.u8();
  std::uint8_t status = rd.u8();
  ClientResponse r;
  r.client = rd.u64();
  r.seq = rd.u64();
  r.leaderHint = rd.u32();
  r.index = rd.u64();
  std::uint8_t flags = rd.u8();
  auto value = rd.bytes(kMaxValueBytes);
  auto error = rd.bytes(kMaxErrorBytes);
  if (!rd.ok() || !rd.atEnd()) return Status::corruption("client response: malformed or truncated");
  if (version != kVersion) return Status::corruption("client response: unsupported version");
  if (status < 1 || status > 4) return Status::corruption("client response: unknown status");
  if (flags > 3) return Status::corruption("client response: unknown flags");
  r.status = static_cast<ClientStatus>(status);
  r.found = (flags & 1) != 0;
  r.duplicate = (flags & 2) != 0;
  r.value.assign(value);
  r.error.assign(error);
  return r;
}

}  // namespace qlab::kv
