#pragma once
// A Transport living in its own QThread, as core/node will run it: created, started, used
// and destroyed on that thread. The test talks to it only through queued calls.
#include <QSemaphore>
#include <QThread>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/net/transport.h"

namespace qlab::net::test {

class NodeThread : public QThread {
 public:
  explicit NodeThread(TransportOptions options) : m_options(std::move(options)) {}
  ~NodeThread() override { stop(); }

  // Starts the thread and waits until the transport listens; false if start() failed.
  bool launch() {
    start();
    m_ready.acquire();
    return m_transport != nullptr;
  }
  void stop() {
    quit();
    wait();
  }
  std::uint16_t port() const { return m_port; }

  // Runs f(transport) on the node thread and waits for it.
  template <typename F>
  void call(F&& f) {
    QMetaObject::invokeMethod(
        m_transport, [this, &f] { f(*m_transport); }, Qt::BlockingQueuedConnection);
  }
  TransportStats stats() {
    TransportStats s;
    call([&](Transport& t) { s = t.stats(); });
    return s;
  }
  std::vector<std::pair<NodeId, std::string>> inbox() {
    std::lock_guard lock(m_mutex);
    return m_inbox;
  }

 protected:
  void run() override {
    Transport t(m_options);
    QObject::connect(&t, &Transport::peerMessage, [this](NodeId from, const std::string& p) {
      std::lock_guard lock(m_mutex);
      m_inbox.emplace_back(from, p);
    });
    QObject::connect(&t, &Transport::clientRequest,
                     [&t](quint64 conn, const std::string& p) { t.sendToClient(conn, "re:" + p); });
    if (t.start().isOk()) {
      m_port = t.port();
      m_transport = &t;
    }
    m_ready.release();
    if (m_transport == nullptr) return;
    exec();
    t.abortAll();
  }

 private:
  TransportOptions m_options;
  QSemaphore m_ready;
  Transport* m_transport = nullptr;
  std::uint16_t m_port = 0;
  std::mutex m_mutex;
  std::vector<std::pair<NodeId, std::string>> m_inbox;
};

}  // namespace qlab::net::test
