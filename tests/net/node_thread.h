#pragma once
// A Transport living in its own thread with its own Qt event loop, as core/node will run
// it: created, started, used and destroyed on that thread.
//
// The thread is a std::thread running a QEventLoop (Qt adopts it), and the test talks to it
// through a mutex-guarded mailbox that the node thread polls, not through queued Qt calls or
// QThread: Qt's own cross-thread handoff (QMutex/QSemaphore on raw futexes inside an
// uninstrumented libQt6Core) is invisible to ThreadSanitizer, which reports it as races in
// the TSan build. std::mutex and std::thread go through pthread, which TSan understands, so
// any report left is about our code.
#include <QEventLoop>
#include <QTimer>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/net/transport.h"

namespace qlab::net::test {

class NodeThread {
 public:
  explicit NodeThread(TransportOptions options) : m_options(std::move(options)) {}
  ~NodeThread() { stop(); }
  NodeThread(const NodeThread&) = delete;
  NodeThread& operator=(const NodeThread&) = delete;

  // Starts the thread and waits until the transport listens; false if start() failed.
  bool launch() {
    m_thread = std::thread([this] { run(); });
    std::unique_lock lock(m_mutex);
    m_cv.wait(lock, [this] { return m_launched; });
    return m_port != 0;
  }
  void stop() {
    {
      std::lock_guard lock(m_mutex);
      m_stopRequested = true;
    }
    if (m_thread.joinable()) m_thread.join();
  }
  std::uint16_t port() {
    std::lock_guard lock(m_mutex);
    return m_port;
  }

  // Runs f(transport) on the node thread and waits for it (bounded: false on timeout).
  bool call(std::function<void(Transport&)> f) {
    std::unique_lock lock(m_mutex);
    const std::uint64_t ticket = ++m_posted;
    m_commands.push_back(std::move(f));
    return m_cv.wait_for(lock, std::chrono::seconds(30), [&] { return m_done >= ticket; });
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

 private:
  void run() {
    {
      QEventLoop loop;
      Transport t(m_options);
      QObject::connect(&t, &Transport::peerMessage, [this](NodeId from, const std::string& p) {
        std::lock_guard lock(m_mutex);
        m_inbox.emplace_back(from, p);
      });
      QObject::connect(&t, &Transport::clientRequest, [&t](quint64 conn, const std::string& p) {
        t.sendToClient(conn, "re:" + p);
      });
      const bool ok = t.start().isOk();
      QTimer mailbox;
      QObject::connect(&mailbox, &QTimer::timeout, [&] { serveMailbox(t, loop); });
      mailbox.start(1);
      {
        std::lock_guard lock(m_mutex);
        m_port = ok ? t.port() : 0;
        m_launched = true;
      }
      m_cv.notify_all();
      if (ok) loop.exec();
      t.abortAll();
    }
    std::lock_guard lock(m_mutex);
    m_launched = true;
    m_cv.notify_all();
  }

  void serveMailbox(Transport& t, QEventLoop& loop) {
    std::unique_lock lock(m_mutex);
    if (m_stopRequested) {
      loop.exit();
      return;
    }
    while (!m_commands.empty()) {
      auto f = std::move(m_commands.front());
      m_commands.pop_front();
      lock.unlock();
      f(t);
      lock.lock();
      ++m_done;
      m_cv.notify_all();
    }
  }

  TransportOptions m_options;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_launched = false;
  bool m_stopRequested = false;
  std::thread m_thread;
  std::uint16_t m_port = 0;
  std::deque<std::function<void(Transport&)>> m_commands;
  std::uint64_t m_posted = 0;
  std::uint64_t m_done = 0;
  std::vector<std::pair<NodeId, std::string>> m_inbox;
};

}  // namespace qlab::net::test
