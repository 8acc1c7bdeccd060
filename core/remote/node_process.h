#pragma once
// NodeProcess: what `quorumlab node` runs. One thread node (core/node LiveNode) with its
// WAL, peer and client port, plus a control port for observers: after a hello with this
// cluster's name and token, an observer gets the node's published pictures, events and
// applied entries as they happen, and may send commands (kill, restart, pause, flush policy,
// link faults, write quorum) and log reads (docs/wire-format.md "Control port").
//
// Refusals (a wrong or missing token, another cluster's name, a frame that is not a frame,
// one too large, an unknown command) each get one log line naming the address; the node goes
// on serving. A node killed through the control port (power loss) stays a process: its
// control port answers, its picture says dead, and `restart` brings it back from disk. A
// process crash is the real thing: SIGKILL from outside.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <QObject>

#include "core/node/node_handle.h"

class QTcpServer;

namespace qlab::net {
class FrameSocket;
struct Frame;
}  // namespace qlab::net

namespace qlab::node {
class LiveNode;
}

namespace qlab::remote {

struct NodeProcessOptions {
  node::NodeSpec spec;                  // its sink is the control port's (set by NodeProcess)
  std::string controlHost = "127.0.0.1";
  std::uint16_t controlPort = 0;        // 0 = let the OS pick (see controlPort())
  std::string token;                    // the cluster token observers must present
  int handshakeTimeoutMs = 2000;
  std::size_t maxObservers = 16;
  std::size_t maxObserverBacklogBytes = 64u << 20;  // a slower observer is disconnected
};

class NodeProcess : public QObject {
  Q_OBJECT
 public:
  explicit NodeProcess(NodeProcessOptions options, QObject* parent = nullptr);
  ~NodeProcess() override;

  // Listens on the control port, then starts the node. Fails only when the control port
  // cannot listen (naming the address); a node that fails to recover stays a process whose
  // picture says failed and why, so observers see the reason (nodeStarted() holds it).
  Status start();
  const Status& nodeStarted() const { return m_nodeStatus; }
  // A clean shutdown: flushes what is buffered, then stops the node.
  void stop();
  std::uint16_t controlPort() const;
  node::NodeHandle& node();
  std::size_t observers() const { return m_sessions.size(); }
  std::uint64_t refusals() const { return m_refusals; }

 signals:
  // An observer asked the process to exit (command "exit").
  void exitRequested();

 private:
  struct Session;
  class LogForwarder;
  void onNewConnection();
  void onFrame(Session* s, const net::Frame& frame);
  void onHello(Session* s, const net::Frame& frame);
  void onControl(Session* s, const net::Frame& frame);
  void command(Session* s, const std::string& json);
  std::string request(const std::string& json, Status* status);
  void refuse(Session* s, std::uint16_t code, const std::string& reason);
  void drop(Session* s, const std::string& why);
  void send(Session* s, const std::string& payload);
  void broadcast(std::string payload);
  void post(std::string payload);  // from any thread: broadcast on this one

  NodeProcessOptions m_options;
  std::unique_ptr<node::LiveNode> m_node;
  QTcpServer* m_server = nullptr;
  std::vector<std::unique_ptr<Session>> m_sessions;
  std::uint64_t m_refusals = 0;
  Status m_nodeStatus;
};

}  // namespace qlab::remote
