#include "core/cluster/load_generator.h"

#include <chrono>
#include <future>
#include <random>
#include <thread>

#include <QDateTime>
#include <QMetaObject>
#include <QTimer>

#include "core/instruments/recorder.h"
#include "core/common/random.h"
#include "core/common/thread_priority.h"
#include "core/kv/client_protocol.h"
#include "core/net/client_channel.h"

namespace qlab::cluster {

// The part of the generator that lives on the load thread.
class LoadWorker final : public QObject {
 public:
  LoadWorker(node::Mailbox& toOwner, std::string cluster, std::map<NodeId, std::uint16_t> ports,
             std::map<NodeId, QHostAddress> hosts,
             Recorder& recorder, std::function<std::int64_t()> clockUs)
      : m_toOwner(toOwner), m_cluster(std::move(cluster)), m_ports(std::move(ports)), m_hosts(std::move(hosts)), m_recorder(recorder),
        m_clockUs(std::move(clockUs)),
        m_random(static_cast<std::uint64_t>(QDateTime::currentMSecsSinceEpoch())),
        m_nextClientId(static_cast<std::uint64_t>(QDateTime::currentMSecsSinceEpoch()) << 12) {}

  ~LoadWorker() override {
    for (auto& c : m_clients) delete c.channel;
  }

  void start(const LoadOptions& o) {
    m_options = o;
    m_issuing = true;
    // Fresh client ids each start: the cluster's sessions remember old ones.
    std::size_t background = 0;
    for (auto& c : m_clients)
      if (!c.manual) ++background;
    while (background < static_cast<std::size_t>(std::max(0, o.clients))) {
      addClient(false);
      ++background;
    }
    int seen = 0;
    for (std::size_t i = 0; i < m_clients.size(); ++i) {
      Client& c = m_clients[i];
      if (c.manual) continue;
      c.active = seen++ < o.clients;
      if (c.active && !c.busy) scheduleNext(i, m_random.range(0, 50));
    }
  }

  void setRate(double r) { m_options.rate = r; }

  void requestStop() {
    m_issuing = false;
    for (auto& c : m_clients)
      if (!c.manual) c.active = false;
  }

  // Gives up on everything in flight (recorded as timeouts: they may still happen).
  void abandon() {
    requestStop();
    for (std::size_t i = 0; i < m_clients.size(); ++i)
      if (m_clients[i].busy) finish(i, OpResult::kTimeout);
  }

  // Destruction: stop every timer and channel; nothing is recorded any more.
  void abandonQuietly() {
    m_issuing = false;
    for (auto& c : m_clients) {
      c.timer->stop();
      c.channel->abort();
      c.busy = false;
      c.onDone = nullptr;
    }
  }

  std::uint64_t inFlight() const {
    std::uint64_t n = 0;
    for (const auto& c : m_clients) n += c.busy ? 1 : 0;
    return n;
  }

  void submit(const std::string& key, std::optional<std::string> value,
              std::function<void(const Operation&)> done, int deadlineMs) {
    std::size_t i = addClient(true);
    Client& c = m_clients[i];
    c.onDone = std::move(done);
    begin(i, key, std::move(value), deadlineMs);
  }

  void setOnOperation(std::function<void(const Operation&)> f) { m_onOperation = std::move(f); }

 private:
  struct Client {
    std::uint64_t id = 0;
    std::uint64_t seq = 0;
    bool manual = false;
    bool active = false;
    bool busy = false;
    Operation op;
    NodeId target = 1;
    int attempt = 0;
    bool retryScheduled = false;  // the timer is a retry at a chosen node, not a timeout
    std::int64_t deadlineUs = 0;
    std::int64_t lastStartUs = 0;
    net::ClientChannel* channel = nullptr;
    QTimer* timer = nullptr;
    std::function<void(const Operation&)> onDone;
  };

  std::size_t addClient(bool manual) {
    // Reuse an idle manual client rather than growing without bound.
    if (manual)
      for (std::size_t i = 0; i < m_clients.size(); ++i)
        if (m_clients[i].manual && !m_clients[i].busy) return i;
    Client c;
    c.id = ++m_nextClientId;
    c.manual = manual;
    c.target = m_ports.empty() ? 1 : m_ports.begin()->first;
    net::ClientChannelOptions co;
    co.clusterName = m_cluster;
    co.clientId = c.id;
    c.channel = new net::ClientChannel(co, this);
    c.timer = new QTimer(this);
    c.timer->setSingleShot(true);
    std::size_t i = m_clients.size();
    m_clients.push_back(std::move(c));
    connect(m_clients[i].channel, &net::ClientChannel::response, this,
            [this, i](const std::string& payload) { onResponse(i, payload); });
    connect(m_clients[i].channel, &net::ClientChannel::disconnected, this, [this, i](const QString&) {
      // The node went away (killed) or refused: try another one soon.
      Client& cl = m_clients[i];
      if (cl.busy && cl.channel->state() == net::ClientChannel::State::kDisconnected)
        retrySoon(i, nextTarget(cl.target), 20);
    });
    connect(m_clients[i].timer, &QTimer::timeout, this, [this, i] { onTimer(i); });
    return i;
  }

  void scheduleNext(std::size_t i, std::int64_t delayMs) {
    Client& c = m_clients[i];
    c.timer->start(static_cast<int>(std::max<std::int64_t>(0, delayMs)));
  }

  void onTimer(std::size_t i) {
    Client& c = m_clients[i];
    if (!c.busy) {
      if (c.active && m_issuing) startBackgroundOp(i);
      return;
    }
    // A retry is due, or an attempt timed out.
    if (m_clockUs() > c.deadlineUs) {
      finish(i, OpResult::kTimeout);
      return;
    }
    if (!c.retryScheduled) {
      // No answer (a paused or partitioned node): try the next node, and stop sending new
      // operations to this one first.
      if (m_leaderHint == c.target) m_leaderHint = kNoNode;
      c.target = nextTarget(c.target);
    }
    c.retryScheduled = false;
    send(i);
  }

  void startBackgroundOp(std::size_t i) {
    std::string key = "k" + std::to_string(m_random.uniform(static_cast<std::uint64_t>(std::max(1, m_options.keys))));
    bool read = m_random.chance(m_options.readRatio);
    std::optional<std::string> value;
    if (!read) {
      std::string v = "c" + std::to_string(m_clients[i].id % 100000) + "-" + std::to_string(m_clients[i].seq + 1);
      if (static_cast<int>(v.size()) < m_options.valueBytes) v.append(static_cast<std::size_t>(m_options.valueBytes) - v.size(), '.');
      value = std::move(v);
    }
    begin(i, key, std::move(value), m_options.deadlineMs);
  }

  void begin(std::size_t i, const std::string& key, std::optional<std::string> value, int deadlineMs) {
    Client& c = m_clients[i];
    c.busy = true;
    c.seq++;
    c.attempt = 0;
    c.op = Operation{};
    c.op.client = c.id;
    c.op.seq = c.seq;
    c.op.kind = value ? OpKind::kWrite : OpKind::kRead;
    c.op.key = key;
    c.op.value = value.value_or("");
    c.op.invokeUs = m_clockUs();
    c.lastStartUs = c.op.invokeUs;
    c.deadlineUs = c.op.invokeUs + static_cast<std::int64_t>(deadlineMs) * 1000;
    if (m_leaderHint != kNoNode) c.target = m_leaderHint;
    send(i);
  }

  void send(std::size_t i) {
    Client& c = m_clients[i];
    c.attempt++;
    c.op.attempts = c.attempt;
    auto port = m_ports.find(c.target);
    if (port == m_ports.end()) {
      c.target = m_ports.begin()->first;
      port = m_ports.begin();
    }
    auto h = m_hosts.find(c.target);
    const QHostAddress host = h == m_hosts.end() ? QHostAddress(QHostAddress::LocalHost) : h->second;
    const bool elsewhere = c.channel->port() != port->second || c.channel->host() != host;
    if (!c.channel->isReady() || elsewhere) {
      if (c.channel->state() == net::ClientChannel::State::kDisconnected || elsewhere)
        c.channel->connectToNode(host, port->second);
    }
    kv::ClientRequest rq;
    rq.client = c.id;
    rq.seq = c.seq;
    rq.op = c.op.kind == OpKind::kWrite ? kv::ClientOp::kWrite : kv::ClientOp::kRead;
    rq.key = c.op.key;
    rq.value = c.op.value;
    c.channel->send(kv::encodeClientRequest(rq));  // queued until connected; a failure times out
    c.timer->start(m_options.attemptTimeoutMs);
  }

  void retrySoon(std::size_t i, NodeId target, int delayMs) {
    Client& c = m_clients[i];
    c.target = target;
    c.retryScheduled = true;
    c.timer->start(delayMs);
  }

  NodeId nextTarget(NodeId after) const {
    auto it = m_ports.upper_bound(after);
    return it == m_ports.end() ? m_ports.begin()->first : it->first;
  }

  void onResponse(std::size_t i, const std::string& payload) {
    Client& c = m_clients[i];
    auto r = kv::decodeClientResponse(payload);
    if (!r.isOk() || !c.busy || r->client != c.id || r->seq != c.seq) return;  // stale
    switch (r->status) {
      case kv::ClientStatus::kOk:
        m_leaderHint = c.target;
        c.op.index = r->index;
        if (c.op.kind == OpKind::kRead) {
          c.op.found = r->found;
          c.op.value = r->value;
        }
        finish(i, OpResult::kOk);
        return;
      case kv::ClientStatus::kBadRequest:
        finish(i, OpResult::kFail);
        return;
      case kv::ClientStatus::kNotLeader:
      case kv::ClientStatus::kUnavailable: {
        if (m_clockUs() > c.deadlineUs) {
          finish(i, OpResult::kTimeout);
          return;
        }
        bool hinted = r->leaderHint != kNoNode && m_ports.count(r->leaderHint);
        if (hinted) m_leaderHint = r->leaderHint;
        retrySoon(i, hinted ? r->leaderHint : nextTarget(c.target),
                  r->status == kv::ClientStatus::kNotLeader && hinted ? 0 : 50);
        return;
      }
    }
  }

  void finish(std::size_t i, OpResult result) {
    Client& c = m_clients[i];
    c.timer->stop();
    c.retryScheduled = false;
    c.busy = false;
    c.op.result = result;
    c.op.completeUs = m_clockUs();
    m_recorder.recordOperation(c.op);
    if (m_onOperation) m_onOperation(c.op);
    if (c.onDone) {
      auto done = std::move(c.onDone);
      c.onDone = nullptr;
      Operation op = c.op;
      m_toOwner.post([done, op] { done(op); });
    }
    if (!c.manual && c.active && m_issuing) {
      // Pace: each client issues every clients/rate seconds.
      std::int64_t delayMs = 0;
      if (m_options.rate > 0) {
        double intervalUs = 1e6 * m_options.clients / m_options.rate;
        std::int64_t due = c.lastStartUs + static_cast<std::int64_t>(intervalUs);
        delayMs = std::max<std::int64_t>(0, (due - m_clockUs()) / 1000);
      }
      // Unpaced (or already due): the next operation goes out now, not after a zero-length
      // timer, which costs the client thread a timer registration and another pass of its
      // event loop per operation.
      if (delayMs == 0) startBackgroundOp(i);
      else scheduleNext(i, delayMs);
    }
  }

  node::Mailbox& m_toOwner;
  std::string m_cluster;
  std::map<NodeId, std::uint16_t> m_ports;
  std::map<NodeId, QHostAddress> m_hosts;
  Recorder& m_recorder;
  std::function<std::int64_t()> m_clockUs;
  Random m_random;
  std::uint64_t m_nextClientId;
  std::vector<Client> m_clients;
  LoadOptions m_options;
  bool m_issuing = false;
  NodeId m_leaderHint = kNoNode;
  std::function<void(const Operation&)> m_onOperation;
};

// ---------------------------------------------------------------------------------------

LoadGenerator::LoadGenerator(std::string clusterName, std::map<NodeId, std::uint16_t> ports,
                             Recorder& recorder, std::function<std::int64_t()> clockUs, QObject* parent,
                             std::map<NodeId, std::string> hosts)
    : QObject(parent), m_clusterName(std::move(clusterName)), m_ports(std::move(ports)), m_recorder(recorder),
      m_clockUs(std::move(clockUs)) {
  m_thread.setObjectName("clients");
  QObject::connect(&m_thread, &QThread::started, [] { applyClusterThreadNice(); });  // runs in the new thread
  std::map<NodeId, QHostAddress> addresses;
  for (const auto& [id, host] : hosts) addresses[id] = QHostAddress(QString::fromStdString(host));
  m_worker = new LoadWorker(m_toOwner, m_clusterName, m_ports, std::move(addresses), m_recorder, m_clockUs);
  m_toWorker = new node::Mailbox();
  m_worker->moveToThread(&m_thread);
  m_toWorker->moveToThread(&m_thread);
  m_thread.start();
}

LoadGenerator::~LoadGenerator() {
  LoadWorker* w = m_worker;
  // The worker's sockets and timers belong to the client thread: end them there.
  m_toWorker->call([w] {
    w->abandonQuietly();
    delete w;
  });
  m_toWorker->close();
  m_toOwner.close();
  m_thread.quit();
  m_thread.wait();
  delete m_toWorker;  // its thread has ended and it owns nothing
}

void LoadGenerator::start(const LoadOptions& o) {
  m_options = o;
  m_running.store(true);
  m_toWorker->post([w = m_worker, o] { w->start(o); });
}

void LoadGenerator::requestStop() {
  m_running.store(false);
  m_toWorker->post([w = m_worker] { w->requestStop(); });
}

void LoadGenerator::stop(int drainMs) {
  requestStop();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(drainMs);
  while (inFlight() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  m_toWorker->call([w = m_worker] { w->abandon(); });
}

LoadOptions LoadGenerator::options() const { return m_options; }

void LoadGenerator::setRate(double r) {
  m_options.rate = r;
  m_toWorker->post([w = m_worker, r] { w->setRate(r); });
}

void LoadGenerator::submit(const std::string& key, std::optional<std::string> value,
                           std::function<void(const Operation&)> done, int deadlineMs) {
  m_toWorker->post([w = m_worker, key, value, done, deadlineMs] {
    w->submit(key, value, done, deadlineMs);
  });
}

void LoadGenerator::setOnOperation(std::function<void(const Operation&)> f) {
  m_toWorker->call([w = m_worker, f] { w->setOnOperation(f); });
}

std::uint64_t LoadGenerator::inFlight() const {
  std::uint64_t n = 0;
  m_toWorker->call([w = m_worker, &n] { n = w->inFlight(); });
  return n;
}

}  // namespace qlab::cluster
