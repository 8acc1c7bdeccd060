#pragma once
// How a node process is started: the `quorumlab node` command line and the cluster file
// (docs/cli-tools.md "quorumlab node"), parsed into a NodeSpec, and built back from one (the
// GUI starting its own node processes). Also where the cluster token comes from: a file or
// the environment, never the command line.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/common/status.h"
#include "core/node/node_handle.h"

namespace qlab::remote {

inline constexpr const char* kTokenEnv = "QUORUMLAB_TOKEN";

// A host:port pair. Hosts may be names where a node connects (peers), IP addresses where it
// listens.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  std::string text() const { return host + ":" + std::to_string(port); }
};
// kInvalidArgument naming `what` and the text ("--listen '7000': expected HOST:PORT").
Result<HostPort> parseHostPort(const std::string& text, const std::string& what);

struct NodeLaunch {
  node::NodeSpec spec;
  HostPort control;
  std::string tokenFile;  // empty: the token comes from QUORUMLAB_TOKEN
  int electionTimeoutMs = 500;
};

// The arguments after `quorumlab node`. Every error names the option and what to do. Peers
// on 127.0.0.1 go to spec.peerPorts, others to spec.peerAddresses.
Result<NodeLaunch> parseNodeLaunch(const std::vector<std::string>& args);
// The arguments that start `launch` (the inverse of parseNodeLaunch; the token is not among
// them: pass it in the environment).
std::vector<std::string> nodeLaunchArgs(const NodeLaunch& launch);

// Reads the token from `file` (trailing whitespace trimmed) or, with no file, from
// QUORUMLAB_TOKEN. Errors say how to give one; a file others can read is refused.
Result<std::string> loadToken(const std::string& file);
// A fresh random token (hex), for clusters the GUI starts itself.
std::string newToken();

// The cluster file: the nodes of one cluster, where they listen and where their control
// ports are (docs/cli-tools.md "Cluster file").
struct ClusterMember {
  NodeId id = kNoNode;
  HostPort address;  // how peers and clients reach it
  HostPort listen;   // where it binds (default: address)
  HostPort control;  // its control port (default: address host, port + 100)
  std::string data;  // absolute (resolved against the file's folder)
};
struct ClusterFile {
  std::string path;
  std::string cluster = "quorumlab";
  std::string tokenFile;  // absolute, or empty (the environment)
  std::string flush = "group";
  std::string writeQuorum = "majority";
  std::vector<ClusterMember> members;
  const ClusterMember* member(NodeId id) const;
};
// Errors name the file and the field.
Result<ClusterFile> loadClusterFile(const std::string& path);
Result<ClusterFile> parseClusterFile(const std::string& json, const std::string& path);

}  // namespace qlab::remote
