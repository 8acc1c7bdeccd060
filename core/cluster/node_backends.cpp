#include "core/cluster/node_backends.h"

#include <unistd.h>

#include "core/node/live_node.h"
#include "core/remote/process_node.h"

namespace qlab::cluster {

const char* nodeBackendName(NodeBackend b) {
  switch (b) {
    case NodeBackend::kThreads: return "threads";
    case NodeBackend::kProcesses: return "processes";
    case NodeBackend::kAttach: return "attach";
  }
  return "?";
}

Result<NodeBackend> parseNodeBackend(const std::string& s) {
  if (s == "threads") return NodeBackend::kThreads;
  if (s == "processes") return NodeBackend::kProcesses;
  return Status::invalidArgument("nodes '" + s + "': expected \"threads\" or \"processes\"");
}

std::unique_ptr<node::NodeHandle> makeNode(node::NodeSpec spec, const BackendContext& ctx) {
  switch (ctx.backend) {
    case NodeBackend::kThreads: return std::make_unique<node::LiveNode>(std::move(spec));
    case NodeBackend::kProcesses:
    case NodeBackend::kAttach: {
      remote::ProcessNodeOptions o;
      o.launch.spec = std::move(spec);
      o.launch.electionTimeoutMs = ctx.electionTimeoutMs;
      o.token = ctx.token;
      o.spawn = ctx.backend == NodeBackend::kProcesses;
      o.launch.control = o.spawn ? remote::HostPort{"127.0.0.1", ctx.controlPort} : ctx.control;
      o.binary = ctx.binary;
      o.logFile = ctx.logFile;
      return std::make_unique<remote::ProcessNode>(std::move(o));
    }
  }
  return nullptr;
}

std::string thisExecutable() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("quorumlab");
}

}  // namespace qlab::cluster
