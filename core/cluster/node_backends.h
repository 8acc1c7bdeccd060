#pragma once
// Node backends: what runs the nodes of a Cluster. Each backend is one case in makeNode():
//
//   threads    every node a thread of this process (LiveNode; the default)
//   processes  every node a child process on this machine (`quorumlab node`, ProcessNode):
//              kill -9 is a real SIGKILL, pause is SIGSTOP
//   attach     nodes already running elsewhere, reached through their control ports
//              (a cluster file lists them; ProcessNode without a child)
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/common/status.h"
#include "core/node/node_handle.h"
#include "core/remote/node_launch.h"

namespace qlab::cluster {

enum class NodeBackend : std::uint8_t { kThreads, kProcesses, kAttach };
const char* nodeBackendName(NodeBackend b);
// "threads" | "processes"; kInvalidArgument naming the value.
Result<NodeBackend> parseNodeBackend(const std::string& s);

// What a backend needs besides the node's spec.
struct BackendContext {
  NodeBackend backend = NodeBackend::kThreads;
  std::string binary;                    // processes: the quorumlab executable
  std::string token;                     // processes, attach
  std::uint16_t controlPort = 0;         // processes: this node's control port on 127.0.0.1
  remote::HostPort control;              // attach: where this node's control port is
  std::string logFile;                   // processes: the child's output
  int electionTimeoutMs = 500;
};

std::unique_ptr<node::NodeHandle> makeNode(node::NodeSpec spec, const BackendContext& ctx);

// The running quorumlab executable (for starting node processes), from /proc/self/exe.
std::string thisExecutable();

}  // namespace qlab::cluster
