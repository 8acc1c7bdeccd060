#include "core/kv/command.h"

#include "core/common/coding.h"

namespace qlab::kv {

namespace {
constexpr std::uint8_t kCommandVersion = 1;
constexpr std::uint8_t kOpPut = 1;
}  // namespace

std::string encodeCommand(const Command& c) {
  std::string out;
  out.reserve(26 + c.key.size() + c.value.size());
  coding::putFixed8(out, kCommandVersion);
  coding::putFixed8(out, kOpPut);
  coding::putFixed64(out, c.client);
  coding::putFixed64(out, c.seq);
  coding::putBytes(out, c.key);
  coding::putBytes(out, c.value);
  return out;
}

Result<Command> decodeCommand(std::string_view payload) {
  coding::Reader r(payload);
  std::uint8_t version = r.u8();
  std::uint8_t op = r.u8();
  Command c;
  c.client = r.u64();
  c.seq = r.u64();
  auto key = r.bytes(kMaxKeyBytes);
  auto value = r.bytes(kMaxValueBytes);
  if (!r.ok() || !r.atEnd()) return Status::corruption("kv command: malformed or truncated");
  if (version != kCommandVersion)
    return Status::corruption("kv command: unsupported version " + std::to_string(version));
  if (op != kOpPut) return Status::corruption("kv command: unknown operation " + std::to_string(op));
  c.key.assign(key);
  c.value.assign(value);
  return c;
}

}  // namespace qlab::kv
