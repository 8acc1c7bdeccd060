#pragma once
// The node codec: a node's picture (NodeView), its log rows (EntryView) and its events
// (NodeEvent) to bytes and back, bounded against crafted input (every count and string is
// capped and checked against what is left). Shared by the run recording and the node control
// protocol, so a picture reads the same from a file and from a node process.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/coding.h"
#include "core/node/node_event.h"
#include "core/node/node_view.h"

namespace qlab::node::codec {

inline constexpr std::size_t kMaxString = 1u << 20;
inline constexpr std::uint32_t kMaxCount = 1u << 20;

void putStr(std::string& out, std::string_view s);
bool getStr(coding::Reader& in, std::string& s);
void putI64(std::string& out, std::int64_t v);
// Times in a sane range (a crafted value must not overflow when turned into microseconds).
bool saneMs(std::int64_t ms);
// A count read from the input, 0 (and the reader failed) when it is larger than kMaxCount or
// than the bytes left.
std::uint32_t count(coding::Reader& in);

void putEntry(std::string& out, const EntryView& e);
bool getEntry(coding::Reader& in, EntryView& e);
// `previous` = the node's picture before this one in the stream (nullptr after a keyframe or
// at the start); the result shares nothing with it.
void putView(std::string& out, const NodeView& v, const NodeView* previous);
bool getView(coding::Reader& in, const NodeView* previous, NodeView& v);
void putEvent(std::string& out, const NodeEvent& e);
bool getEvent(coding::Reader& in, NodeEvent& e);

}  // namespace qlab::node::codec
