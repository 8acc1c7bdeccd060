#pragma once
// ProcessNode: a node that runs as a process of its own (`quorumlab node`), behind the same
// NodeHandle as a thread node. Either this machine starts it (a child process: kill -9 is a
// real SIGKILL, pause is SIGSTOP/SIGCONT, restart starts a new process) or it already runs
// elsewhere and we attach to its control port (commands travel over the control protocol;
// a crash is the node killing itself, and a dead process comes back only through whatever
// supervises it there).
//
// What the node publishes (pictures, events, applied entries) arrives on a connection thread
// and goes to the spec's sink stamped with this cluster's clock. Log reads are requests with
// a deadline: a node that is down, stopped or unreachable answers nothing.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/node/node_handle.h"
#include "core/remote/node_launch.h"

class QThread;

namespace qlab::remote {

class ControlClient;

struct ProcessNodeOptions {
  NodeLaunch launch;          // the node; launch.spec.sink receives what it reports
  std::string token;          // the cluster token (handed to a child in its environment)
  bool spawn = true;          // false: attach to a node already running at launch.control
  std::string binary;         // spawn: the quorumlab executable
  std::string logFile;        // spawn: the child's stdout and stderr
  int startTimeoutMs = 15'000;
  int requestTimeoutMs = 1'500;
};

class ProcessNode final : public node::NodeHandle {
 public:
  explicit ProcessNode(ProcessNodeOptions options);
  ~ProcessNode() override;  // a child is asked to exit, then killed if it does not

  NodeId id() const override { return m_options.launch.spec.engine.id; }
  std::uint16_t port() const override { return m_options.launch.spec.port; }
  std::string backendName() const override;
  std::int64_t pid() const { return m_pid.load(); }

  Status start() override;
  void kill(node::KillKind how) override;
  Status restart() override;
  void pause() override;
  void resume() override;
  bool running() const override;
  bool paused() const override { return m_paused.load(); }
  void setFrozen(bool on) override;
  void setFlushPolicy(const wal::FlushPolicy& p) override;
  wal::FlushPolicy flushPolicy() const override;
  void flushNow() override;
  void proposeWriteQuorum(std::uint32_t w) override;
  void campaign() override;
  void setLinkFault(NodeId to, const net::LinkFault& f) override;
  void clearLinkFaults() override;
  void dropNextResponses(int count) override;

  std::shared_ptr<const node::NodeView> view() const override;
  void tapView() const override;
  std::vector<node::EntryView> entries(Index from, Index to) const override;
  std::optional<node::LogExtent> logExtent() const override;
  Status readLog(Index from, Index to, std::size_t maxBytes, std::vector<Entry>* out) const override;

 private:
  friend class ControlClient;
  Status spawnChild();
  bool childAlive() const;  // reaps it when it has exited
  void stopChild(int graceMs);
  void signalChild(int sig) const;
  Status connectAndWait(int timeoutMs, bool wantRunning);
  void command(const std::string& json) const;
  Result<std::string> request(const std::string& json) const;
  // From the connection thread.
  void onView(std::shared_ptr<node::NodeView> v);
  void onReply(std::uint64_t id, Status status, std::string body);
  void onDisconnected();
  void publishLocal(node::NodeStatus status) const;  // a picture we make (dead, paused)
  std::shared_ptr<const node::NodeView> shown() const;

  ProcessNodeOptions m_options;
  QThread* m_thread = nullptr;
  ControlClient* m_client = nullptr;
  std::atomic<std::int64_t> m_pid{0};
  mutable std::atomic<bool> m_reaped{true};
  std::atomic<bool> m_paused{false};
  std::atomic<bool> m_frozen{false};
  std::atomic<bool> m_connected{false};
  wal::FlushPolicy m_policy;
  mutable std::mutex m_mu;  // view, replies
  mutable std::condition_variable m_cv;
  mutable std::shared_ptr<const node::NodeView> m_view;  // publishLocal() replaces it from const calls
  mutable std::uint64_t m_nextRequest = 1;
  mutable std::map<std::uint64_t, std::pair<Status, std::string>> m_replies;
  std::uint64_t m_viewsSeen = 0;
};

}  // namespace qlab::remote
