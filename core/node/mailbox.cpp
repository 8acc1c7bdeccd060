#include "core/node/mailbox.h"

#include <QMetaObject>
#include <QThread>

#include "core/common/assert.h"

namespace qlab::node {

Mailbox::Mailbox(QObject* parent) : QObject(parent) {}

Mailbox::~Mailbox() { close(); }

void Mailbox::post(std::function<void()> f) {
  bool wake = false;
  {
    std::lock_guard lk(m_mu);
    if (m_closed) return;
    m_queue.push_back(std::move(f));
    wake = !m_wakePending;
    m_wakePending = true;
  }
  if (wake) QMetaObject::invokeMethod(this, &Mailbox::drain, Qt::QueuedConnection);
}

bool Mailbox::call(std::function<void()> f) {
  QLAB_ASSERT_MSG(QThread::currentThread() != thread(), "Mailbox::call from its own thread");
  std::mutex doneMu;
  std::condition_variable doneCv;
  bool done = false;
  bool ran = false;
  post([&] {
    f();
    std::lock_guard lk(doneMu);
    done = true;
    ran = true;
    doneCv.notify_all();
  });
  std::unique_lock lk(doneMu);
  // A closed mailbox never runs it: stop waiting then.
  while (!done) {
    doneCv.wait_for(lk, std::chrono::milliseconds(50));
    std::lock_guard q(m_mu);
    if (m_closed && !done) return false;
  }
  return ran;
}

void Mailbox::close() {
  std::lock_guard lk(m_mu);
  m_closed = true;
  m_queue.clear();
}

void Mailbox::drain() {
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard lk(m_mu);
    batch.swap(m_queue);
    m_wakePending = false;
  }
  for (auto& f : batch) f();
}

}  // namespace qlab::node
