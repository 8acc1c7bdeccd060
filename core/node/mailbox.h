#pragma once
// Mailbox: runs closures on the thread a QObject lives in. Every cross-thread call in
// Quorum Lab goes through one. The closure itself travels through a std::mutex-guarded
// queue; the queued Qt call that follows only wakes the target thread and carries no data.
// That keeps the hand-off visible to ThreadSanitizer (Debian's Qt is not built with it, so
// data passed inside a queued Qt call looks like a race), and one mechanism is easier to
// reason about than many kinds of connection.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include <QObject>

namespace qlab::node {

class Mailbox final : public QObject {
 public:
  // Lives in the thread of `parent` (or the creating thread; moveToThread works too).
  explicit Mailbox(QObject* parent = nullptr);
  ~Mailbox() override;

  // Runs f on the mailbox's thread, later. Callable from any thread.
  void post(std::function<void()> f);
  // Runs f on the mailbox's thread and waits until it has run. Never call it from that
  // thread (it would wait for itself); returns false if the mailbox was closed first.
  bool call(std::function<void()> f);
  // Drops what is queued and refuses new work (posts become no-ops, calls return false).
  void close();

 private:
  void drain();
  std::mutex m_mu;
  std::deque<std::function<void()>> m_queue;
  bool m_wakePending = false;
  bool m_closed = false;
};

}  // namespace qlab::node
