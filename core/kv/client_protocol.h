#pragma once
// What clients send to nodes and get back (inside kClientRequest / kClientResponse frames).
// A client sends one request at a time; a retry reuses the same (client, seq).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/status.h"
#include "core/common/types.h"

namespace qlab::kv {

enum class ClientOp : std::uint8_t { kWrite = 1, kRead = 2 };

struct ClientRequest {
  std::uint64_t client = 0;
  std::uint64_t seq = 0;
  ClientOp op = ClientOp::kWrite;
  std::string key;
  std::string value;  // writes only
  friend bool operator==(const ClientRequest&, const ClientRequest&) = default;
};

enum class ClientStatus : std::uint8_t {
  kOk = 1,
  kNotLeader = 2,    // try leaderHint (0: unknown, try another node)
  kUnavailable = 3,  // the leader lost leadership or the node is failing; retry
  kBadRequest = 4,   // malformed request: do not retry
};
const char* clientStatusName(ClientStatus s);

struct ClientResponse {
  std::uint64_t client = 0;
  std::uint64_t seq = 0;
  ClientStatus status = ClientStatus::kOk;
  NodeId leaderHint = kNoNode;
  Index index = 0;        // writes: the log index that applied this request
  bool found = false;     // reads: key exists
  std::string value;      // reads: its value
  bool duplicate = false; // writes: this was a retry, answered from the session
  std::string error;      // human-readable reason when not ok
  friend bool operator==(const ClientResponse&, const ClientResponse&) = default;
};

// A response to (client, seq) with the given status and everything else empty.
inline ClientResponse answerTo(std::uint64_t client, std::uint64_t seq, ClientStatus status) {
  ClientResponse r;
  r.client = client;
  r.seq = seq;
  r.status = status;
  return r;
}

std::string encodeClientRequest(const ClientRequest& r);
Result<ClientRequest> decodeClientRequest(std::string_view bytes);
std::string encodeClientResponse(const ClientResponse& r);
Result<ClientResponse> decodeClientResponse(std::string_view bytes);

}  // namespace qlab::kv
