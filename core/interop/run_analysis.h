#pragma once
// What the writers derive from a run, in one place so every format tells the same story:
// which receive came from which send, which client process ran an operation, which events
// are faults, and one line of text per event.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/instruments/history.h"
#include "core/node/node_event.h"

namespace qlab::interop {

inline constexpr std::ptrdiff_t kNoSend = -1;

// For every event, the index of the send a receive came from; kNoSend for events that are
// not receives and for receives whose send is unknown (those stay local events: a guess
// would invent causality). The rule: links keep order and only ever lose messages (drops,
// cuts, a peer's restart), so a receive on link A->B comes from the oldest send on A->B, not
// yet matched and recorded before it, of the same type and entry range; the unmatched sends
// older than it on that link were lost. Picking the oldest can only under-state causality.
std::vector<std::ptrdiff_t> matchMessages(const std::vector<node::NodeEvent>& events);

// One process number per operation, dense from 0, in the order given (invocation order).
// A client keeps its number until one of its operations times out: its outcome stays open
// for ever (Jepsen's :info, Porcupine's unknown return), so the client's later operations
// get a fresh number, as a Jepsen process that crashed is replaced by a new one.
std::vector<std::uint64_t> processNumbers(const std::vector<const cluster::Operation*>& ops);

// The operations in invocation order (ties: client, seq), as pointers into `ops`.
std::vector<const cluster::Operation*> byInvocation(const std::vector<cluster::Operation>& ops);

// Injected faults (kill, restart, pause, resume, partition, heal, link): the nemesis.
bool isFault(node::EventKind k);
// Elections and role changes.
bool isElection(node::EventKind k);

// One line, no newline: "send append 5..7 to node 2", "elected (generation 3)".
std::string describeEvent(const node::NodeEvent& e);

}  // namespace qlab::interop
