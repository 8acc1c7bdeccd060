#pragma once
// Payloads of the handshake frames (docs/wire-format.md, "Connections and the handshake").
// Decoding is bounded: lengths are checked against the limits below before any copy, and
// trailing bytes are an error, so decode(encode(x)) == x and nothing else decodes.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/status.h"
#include "core/common/types.h"

namespace qlab::net {

// Version of the payload encodings (hello, replication messages, client requests). Nodes and
// clients of different versions refuse each other.
inline constexpr std::uint16_t kProtocolVersion = 1;
inline constexpr std::size_t kMaxClusterNameBytes = 64;
inline constexpr std::size_t kMaxRefuseReasonBytes = 512;

struct Hello {
  std::uint16_t protocolVersion = kProtocolVersion;
  NodeId nodeId = kNoNode;     // the sender; 0 = a client
  std::uint64_t clientId = 0;  // a client's id (not 0); 0 for nodes
  std::string clusterName;     // 1..kMaxClusterNameBytes bytes

  bool isClient() const { return nodeId == kNoNode; }
  friend bool operator==(const Hello&, const Hello&) = default;
};

struct HelloAck {
  std::uint16_t protocolVersion = kProtocolVersion;
  NodeId nodeId = kNoNode;         // the listener
  std::uint64_t connectionId = 0;  // the listener's id for this connection
  friend bool operator==(const HelloAck&, const HelloAck&) = default;
};

enum class RefuseCode : std::uint16_t {
  kWrongCluster = 1,
  kUnknownNode = 2,
  kBadVersion = 3,
  kProtocolError = 4,
  kTooManyConnections = 5,
  kBadClientId = 6,
  kBadToken = 7,  // control port: the cluster token is missing or wrong
};
const char* refuseCodeName(RefuseCode c);

struct Refuse {
  RefuseCode code = RefuseCode::kProtocolError;
  std::string reason;  // for a person, at most kMaxRefuseReasonBytes (longer is cut)
  friend bool operator==(const Refuse&, const Refuse&) = default;
};

// Encoders assert on values their decoder would reject (a programmer error).
std::string encodeHello(const Hello& h);
std::string encodeHelloAck(const HelloAck& a);
std::string encodeRefuse(const Refuse& r);

// kCorruption naming what is wrong ("hello: cluster name of 900 bytes exceeds 64").
Result<Hello> decodeHello(std::string_view payload);
Result<HelloAck> decodeHelloAck(std::string_view payload);
Result<Refuse> decodeRefuse(std::string_view payload);

}  // namespace qlab::net
