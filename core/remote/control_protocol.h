#pragma once
// The control protocol of a node process (docs/wire-format.md "Control port"): what an
// observer (the GUI, `quorumlab run --processes`) and a `quorumlab node` process say to each
// other on the node's control port. Pure C++, no Qt, no sockets: the server and the client
// (control_server, process_node) frame these payloads with the ordinary frame codec
// (core/net/frame.h, type `control`), and the fuzzer and tests can drive the codec directly.
//
//   observer -> node   hello {cluster, token}          the first frame; anything else is refused
//   node -> observer   hello_ack {node, pid} | refuse {reason}
//   observer -> node   command (JSON: {"op": "pause"}, ...) | request (id + JSON)
//   node -> observer   view | event | applied | state_replaced | started | reply (id + body)
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/entry.h"
#include "core/common/status.h"
#include "core/node/node_handle.h"
#include "core/replication/storage.h"

namespace qlab::remote {

// The largest control frame a node accepts from an observer after hello (commands and
// requests are small), and the largest an observer accepts from a node (replies carry
// entries; a view carries the recent entries and segments).
inline constexpr std::uint32_t kMaxObserverFrameBytes = 64u << 10;
inline constexpr std::uint32_t kMaxNodeFrameBytes = 8u << 20;
inline constexpr std::size_t kMaxTokenBytes = 256;
inline constexpr std::size_t kMinTokenBytes = 8;

enum class ControlKind : std::uint8_t {
  kCommand = 1,        // observer -> node: JSON object with "op"
  kRequest = 2,        // observer -> node: u64 id, JSON object with "op"
  kReply = 3,          // node -> observer: u64 id, u8 ok, message, body
  kView = 4,           // node -> observer: a full NodeView
  kEvent = 5,          // node -> observer: a NodeEvent
  kApplied = 6,        // node -> observer: an entry applied to the state machine
  kStateReplaced = 7,  // node -> observer: a received snapshot replaced the state machine
  kStarted = 8,        // node -> observer: the node recovered (applied index at start)
  kLog = 9,            // node -> observer: one log line (u8 spdlog level, text)
};
inline constexpr std::uint8_t kMaxControlKind = 9;

struct ControlHello {
  std::string cluster;
  std::string token;
};
std::string encodeControlHello(const ControlHello& h);
// kInvalidArgument naming what is wrong (not JSON, a field missing or too long).
Result<ControlHello> decodeControlHello(std::string_view payload);

struct ControlWelcome {
  NodeId node = kNoNode;
  std::int64_t pid = 0;
};
std::string encodeControlWelcome(const ControlWelcome& w);
Result<ControlWelcome> decodeControlWelcome(std::string_view payload);

// Compares two tokens in time independent of where they differ.
bool tokensEqual(std::string_view a, std::string_view b);

// One control message: the kind and its body (after the kind byte).
struct ControlMessage {
  ControlKind kind = ControlKind::kCommand;
  std::string_view body;
};
// kInvalidArgument for an empty payload or an unknown kind.
Result<ControlMessage> splitControl(std::string_view payload);
std::string controlPayload(ControlKind kind, std::string_view body);

// ---- bodies ----
std::string encodeRequest(std::uint64_t id, std::string_view json);
bool decodeRequest(std::string_view body, std::uint64_t* id, std::string* json);

struct Reply {
  std::uint64_t id = 0;
  Status status;
  std::string body;
};
std::string encodeReply(const Reply& r);
bool decodeReply(std::string_view body, Reply* r);

std::string encodeEntries(const std::vector<node::EntryView>& entries);
bool decodeEntries(std::string_view body, std::vector<node::EntryView>* out);
std::string encodeFullEntries(const std::vector<Entry>& entries);
bool decodeFullEntries(std::string_view body, std::vector<Entry>* out);
std::string encodeExtent(const std::optional<node::LogExtent>& x);
bool decodeExtent(std::string_view body, std::optional<node::LogExtent>* x);

std::string encodeApplied(const Entry& e, bool duplicate);
bool decodeApplied(std::string_view body, Entry* e, bool* duplicate);
std::string encodeStateReplaced(const replication::SnapshotMeta& m, NodeId from);
bool decodeStateReplaced(std::string_view body, replication::SnapshotMeta* m, NodeId* from);

}  // namespace qlab::remote
