#pragma once
// Counters a Transport keeps for the UI and the tests; copied out by Transport::stats() on
// the owning thread (the node publishes them in its snapshot).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/common/types.h"

namespace qlab::net {

// Messages to a peer that were not sent, by reason.
struct DropCounters {
  std::uint64_t cut = 0;          // link fault: cut
  std::uint64_t fault = 0;        // link fault: drop probability
  std::uint64_t unreachable = 0;  // no handshaken connection (peer down, backing off)
  std::uint64_t overload = 0;     // the per-peer queue or socket buffer was full
  std::uint64_t oversize = 0;     // payload above kMaxFramePayloadBytes (a bug upstream)
  std::uint64_t total() const { return cut + fault + unreachable + overload + oversize; }
};

struct PeerLinkStats {
  NodeId peer = kNoNode;
  std::uint16_t port = 0;
  bool up = false;               // outgoing connection handshaken
  std::uint64_t framesSent = 0;  // on the outgoing connection, handshake excluded
  std::uint64_t bytesSent = 0;
  std::uint64_t framesReceived = 0;  // peer frames from this peer's incoming connection
  std::uint64_t bytesReceived = 0;
  DropCounters dropped;
  std::uint64_t handshakes = 0;       // successful outgoing handshakes (1 + reconnects)
  std::uint64_t connectFailures = 0;  // resets, refusals, timeouts of the outgoing connection
  std::size_t delayedMessages = 0;    // waiting out a delay fault right now
  std::size_t delayedBytes = 0;
};

struct TransportStats {
  std::vector<PeerLinkStats> peers;  // by peer id
  std::uint64_t clientRequests = 0;
  std::uint64_t clientRequestBytes = 0;
  std::uint64_t clientResponses = 0;
  std::uint64_t clientResponseBytes = 0;
  std::uint64_t clientResponsesDropped = 0;        // dropNextClientResponses()
  std::uint64_t clientResponsesUndeliverable = 0;  // client gone or not reading
  std::uint64_t decodeErrors = 0;                  // connections closed for bad bytes
  std::uint64_t protocolErrors = 0;                // valid frames in the wrong place
  std::uint64_t handshakesRefused = 0;             // strangers we refused
  std::uint64_t handshakeTimeouts = 0;             // silent incoming connections closed
  std::uint64_t connectionsRejected = 0;           // over the incoming connection limit
  std::size_t inboundConnections = 0;              // open right now, any state
  std::size_t clientConnections = 0;
};

}  // namespace qlab::net
