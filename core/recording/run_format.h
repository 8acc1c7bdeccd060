#pragma once
// The run recording file (.qlabrun), docs/run-format.md: a header, then CRC-framed records in
// the order they were written. Records carry what the explorer showed, never WAL bytes: node
// pictures (NodeView), the cluster's own state (links, W, load, freeze), events, client
// operations, log lines, findings, the entries' metadata, named moments, and a keyframe of
// everything once per second of cluster time so that any moment is one keyframe plus at most
// a second of records away.
//
// This file holds the pure parts: framing, and encoding/decoding every value. Decoders check
// every length and never trust the input (a recording may be cut short, corrupted, or not a
// recording at all).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cluster/cluster.h"
#include "core/instruments/history.h"
#include "core/instruments/live_checker.h"
#include "core/cluster/load_generator.h"
#include "core/instruments/log_hub.h"
#include "core/instruments/recorder.h"
#include "core/common/coding.h"
#include "core/common/status.h"
#include "core/node/node_codec.h"
#include "core/node/node_view.h"

namespace qlab::recording {

inline constexpr char kMagic[8] = {'Q', 'L', 'A', 'B', 'R', 'U', 'N', '\n'};
inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::size_t kFrameHeaderBytes = 4 + 4;       // length, crc32c
inline constexpr std::size_t kRecordPrefixBytes = 1 + 1 + 8;  // type, flags, time (us)
inline constexpr std::uint32_t kMaxRecordBytes = 64u << 20;   // a larger length is corruption
inline constexpr std::int64_t kKeyframeEveryUs = 1'000'000;

enum class RecordType : std::uint8_t {
  kView = 1,       // one node's picture (its `recent` entries as a change to its previous one)
  kState = 2,      // the cluster's own state
  kEvents = 3,     // a batch of events
  kOperations = 4, // a batch of completed client operations
  kLogs = 5,       // a batch of log lines
  kFindings = 6,   // a batch of findings (uncompressed: read when the file is opened)
  kKeyframe = 7,   // everything at once
  kMarkers = 8,    // faults, elections, losses: the time bar's marks (uncompressed)
  kEntries = 9,    // entries' metadata, first seen (index range in clear, then compressed)
  kMoment = 10,    // a named moment ("write c2-17 acknowledged")
  kEnd = 11,       // the recording was closed cleanly
};
inline constexpr std::uint8_t kFlagZlib = 1;

// The cluster's own state: what is not in any node's picture.
struct ClusterState {
  int nodes = 0;
  std::vector<cluster::LinkState> links;  // nodes * nodes, row = from - 1
  std::uint32_t writeQuorum = 0;          // as asked for; 0 = majority
  std::string writeQuorumWarning;
  bool loadRunning = false;
  cluster::LoadOptions load;
  bool frozen = false;
  friend bool operator==(const ClusterState&, const ClusterState&) = default;
};

// One mark on the time bar.
struct Marker {
  std::int64_t tUs = 0;
  node::EventKind kind = node::EventKind::kKill;
  NodeId node = kNoNode;
  Index a = 0, b = 0;  // the event's own values (a lost write: index, client)
  std::string detail;  // the event's detail (a lost write: key=value)
  std::string text;    // "node 2 killed", "node 3 elected leader (generation 4)"
};
// Which events become markers, and the words for them ("" = not a marker).
std::string markerText(const node::NodeEvent& e);

struct Moment {
  std::int64_t tUs = 0;
  std::string name;
};

// ---- values <-> bytes (append to / read from a buffer) ----
// Node pictures and log rows use the node codec (core/node/node_codec.h), shared with the
// node control protocol.
using node::codec::getEntry;
using node::codec::getView;
using node::codec::putEntry;
using node::codec::putView;
void putState(std::string& out, const ClusterState& s);
bool getState(coding::Reader& in, ClusterState& s);
void putEvent(std::string& out, const cluster::RecordedEvent& e);
bool getEvent(coding::Reader& in, cluster::RecordedEvent& e);
void putOperation(std::string& out, const cluster::Operation& op);
bool getOperation(coding::Reader& in, cluster::Operation& op);
void putLogLine(std::string& out, const cluster::LogLine& l);
bool getLogLine(coding::Reader& in, cluster::LogLine& l);
void putFinding(std::string& out, const cluster::Finding& f);
bool getFinding(coding::Reader& in, cluster::Finding& f);
void putMarker(std::string& out, const Marker& m);
bool getMarker(coding::Reader& in, Marker& m);

// ---- framing ----
// The file header: magic, version, then a JSON object (the run's name, nodes, options).
std::string encodeHeader(const std::string& json);
struct Header {
  std::uint32_t version = 0;
  std::string json;
  std::size_t bytes = 0;  // where the first record starts
};
// Names `file` in every error: not a recording, a newer version, a damaged header.
Result<Header> decodeHeader(std::string_view data, const std::string& file);

// A whole framed record: length, crc32c, type, flags, time, then `clear` (a few bytes an
// index reads without decompressing, e.g. an entry batch's index range) and the payload
// (compressed when it is worth it and `compress` allows).
std::string frameRecord(RecordType type, std::int64_t tUs, std::string_view payload, bool compress,
                        std::string_view clear = {});

struct RecordRef {
  RecordType type{};
  std::uint8_t flags = 0;
  std::int64_t tUs = 0;
  std::string_view clear;
  std::string_view body;  // as stored (maybe compressed): see payloadOf
  std::size_t bytes = 0;  // the whole frame
};
enum class FrameCheck { kOk, kIncomplete, kCorrupt };
// The record starting at data[0]; kIncomplete when the data ends inside it (a cut tail).
// `verify` = false skips the checksum (for bytes an earlier scan already verified).
FrameCheck readFrame(std::string_view data, RecordRef& out, bool verify = true);
// The payload, decompressed when it was stored compressed; nullopt when that fails.
std::optional<std::string> payloadOf(const RecordRef& r);

}  // namespace qlab::recording
