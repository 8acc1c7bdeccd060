#pragma once
// LoadGenerator: client load over real TCP, on a thread of its own. Each client sends one
// request at a time to the node it believes leads, follows "not leader" hints, times out and
// retries with the same (client, seq) (so lost responses make duplicates in the log), and
// records every operation in the Recorder. Rate 0 = as fast as the cluster answers.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include <QObject>
#include <QThread>

#include "core/instruments/history.h"
#include "core/common/types.h"
#include "core/node/mailbox.h"

namespace qlab::cluster {

class Recorder;
class LoadWorker;

struct LoadOptions {
  int clients = 4;
  double rate = 50;            // operations per second, all clients together; 0 = unlimited
  int keys = 100;
  double readRatio = 0.0;      // share of reads
  int valueBytes = 16;         // values are "c<client>-<seq>" padded to this size
  int attemptTimeoutMs = 500;  // one try; then retry (same seq) at another node
  int deadlineMs = 5000;       // give up (result: timeout)
  friend bool operator==(const LoadOptions&, const LoadOptions&) = default;
};

class LoadGenerator : public QObject {
  Q_OBJECT
 public:
  // `ports` maps node id -> port (on 127.0.0.1 unless `hosts` names another IP address for
  // that node); `recorder` and `onOperation` receive every finished op.
  LoadGenerator(std::string clusterName, std::map<NodeId, std::uint16_t> ports, Recorder& recorder,
                std::function<std::int64_t()> clockUs, QObject* parent = nullptr,
                std::map<NodeId, std::string> hosts = {});
  ~LoadGenerator() override;

  void start(const LoadOptions& o);
  // Stops issuing new operations; those in flight go on (see inFlight()).
  void requestStop();
  // Stops issuing; waits up to `drainMs` for in-flight requests to finish, then gives up on
  // the rest (recorded as timeouts: they may still take effect). Blocks the caller.
  void stop(int drainMs = 6000);
  bool running() const { return m_running.load(); }
  LoadOptions options() const;
  void setRate(double opsPerSecond);
  // One operation from a dedicated client; `done` runs on the caller's thread.
  void submit(const std::string& key, std::optional<std::string> value,
              std::function<void(const Operation&)> done, int deadlineMs = 5000);
  void setOnOperation(std::function<void(const Operation&)> f);
  std::uint64_t inFlight() const;

 private:
  std::string m_clusterName;
  std::map<NodeId, std::uint16_t> m_ports;
  Recorder& m_recorder;
  std::function<std::int64_t()> m_clockUs;
  std::atomic<bool> m_running{false};
  QThread m_thread;
  LoadWorker* m_worker = nullptr;
  node::Mailbox* m_toWorker = nullptr;  // calls into the client thread
  node::Mailbox m_toOwner;              // completions back to the caller's thread
  LoadOptions m_options;
};

}  // namespace qlab::cluster
