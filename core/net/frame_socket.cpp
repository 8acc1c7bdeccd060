#include "core/net/frame_socket.h"

#include <array>
#include <cerrno>
#include <cstring>

#include <QtGlobal>
#if defined(Q_OS_UNIX)
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#endif

#include <QMetaObject>
#include <QPointer>
#include <QSocketNotifier>
#include <QTcpSocket>
#include <QTimer>

// Connected sockets. QTcpSocket connects (and QTcpServer accepts); once a socket is
// connected, FrameSocket takes over a duplicate of its descriptor and closes Qt's, so the
// connection lives on in the duplicate and Qt no longer watches it. From then on a read
// notifier reads the descriptor straight into a stack buffer, one read() per wake-up while
// the kernel has less than the buffer, and writes go out with one sendmsg/send each.
// QAbstractSocket's own read path asks the kernel how much is waiting (ioctl FIONREAD) before
// every read into its buffer: on a node answering thousands of clients that was one system
// call in three. What the kernel does not take queues in m_out (bounded by
// maxWriteBufferBytes) behind a write notifier that is on only while bytes wait.

namespace qlab::net {

namespace {

// Qt buffers at most this much unread input per socket; the rest waits in the kernel, where
// TCP flow control slows the sender down.
constexpr qint64 kSocketReadBufferBytes = 256 * 1024;
// How long closeAfterFlush() waits for the other side before aborting.
constexpr int kCloseFlushTimeoutMs = 1000;
// One read() takes at most this much; a full buffer means more may wait, so read again.
constexpr std::size_t kReadChunkBytes = 64 * 1024;
// The write buffer drops what went out once that part is this large and over half of it.
constexpr std::size_t kCompactWriteBufferBytes = 64 * 1024;

QString errnoText(int e) { return QString::fromLocal8Bit(std::strerror(e)); }

// The kernel's buffer is full (or empty, for a read): try again when the notifier says so.
bool wouldBlock(int e) {
#if EAGAIN != EWOULDBLOCK
  if (e == EWOULDBLOCK) return true;
#endif
  return e == EAGAIN;
}

}  // namespace

const char* closeCauseName(CloseCause c) {
  switch (c) {
    case CloseCause::kPeerClosed: return "closed";
    case CloseCause::kDecodeError: return "decode error";
    case CloseCause::kProtocolError: return "protocol error";
    case CloseCause::kHandshakeTimeout: return "handshake timeout";
    case CloseCause::kRefused: return "refused";
  }
  return "unknown";
}

FrameSocket::FrameSocket(QTcpSocket* socket, std::uint32_t maxPayloadBytes,
                         std::size_t maxWriteBufferBytes, QObject* parent)
    : QObject(parent),
      m_socket(socket),
      m_decoder(maxPayloadBytes),
      m_maxWriteBufferBytes(maxWriteBufferBytes) {
  m_socket->setParent(this);
  m_socket->setReadBufferSize(kSocketReadBufferBytes);
  connect(m_socket, &QTcpSocket::readyRead, this, &FrameSocket::onReadyRead);
  connect(m_socket, &QTcpSocket::connected, this, &FrameSocket::onConnected);
  connect(m_socket, &QTcpSocket::disconnected, this, [this] {
    // Bytes that arrived just before the close (a refuse frame) are still delivered.
    QPointer<FrameSocket> self(this);
    onReadyRead();
    if (!self || m_closed) return;
    fail(CloseCause::kPeerClosed,
         m_decoder.atFrameBoundary()
             ? QStringLiteral("closed by peer")
             : QStringLiteral("closed by peer in the middle of a frame (%1 bytes buffered)")
                   .arg(m_decoder.bufferedBytes()));
  });
  connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
    if (e == QAbstractSocket::RemoteHostClosedError) return;  // disconnected() follows
    fail(CloseCause::kPeerClosed, m_socket->errorString());
  });
  if (m_socket->state() == QAbstractSocket::ConnectedState) {
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    updatePeerName();
    adoptConnectedSocket();  // an accepted socket: nothing of Qt's is running on it yet
  }
}

FrameSocket::~FrameSocket() { abort(); }

void FrameSocket::updatePeerName() {
  m_peerName =
      m_socket->peerAddress().toString() + QLatin1Char(':') + QString::number(m_socket->peerPort());
}

bool FrameSocket::isConnected() const {
  if (m_closed) return false;
  return m_fd >= 0 || (m_socket != nullptr && m_socket->state() == QAbstractSocket::ConnectedState);
}

void FrameSocket::onConnected() {
  // Replication messages are small and latency-bound: no Nagle delay.
  m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
  updatePeerName();
  // Take the descriptor over from the event loop, not inside QTcpSocket's own notification
  // (closing its descriptor there would pull its socket engine from under it); connected()
  // follows, so the first frame already goes the direct way.
  QMetaObject::invokeMethod(
      this,
      [this] {
        if (m_closed) return;
        adoptConnectedSocket();
        if (!m_closed) emit connected();
      },
      Qt::QueuedConnection);
}

void FrameSocket::adoptConnectedSocket() {
#if defined(Q_OS_UNIX)
  if (m_socket == nullptr || m_closed) return;
  const qintptr qtFd = m_socket->socketDescriptor();
  if (qtFd < 0) return;
  const int fd = ::fcntl(static_cast<int>(qtFd), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return;  // keep going through QTcpSocket
  // Qt set O_NONBLOCK on the open file, which the duplicate shares. Whatever Qt read
  // already (nothing in practice: it reads only when its notifier fires, and every readyRead
  // empties its buffer) is decoded before anything newer.
  const QByteArray early = m_socket->bytesAvailable() > 0 ? m_socket->readAll() : QByteArray();
  detachSocket();
  m_socket->abort();  // closes Qt's descriptor only; the connection lives on in fd
  m_socket->deleteLater();
  m_socket = nullptr;
  m_fd = fd;
  m_readNotifier = new QSocketNotifier(static_cast<qintptr>(m_fd), QSocketNotifier::Read, this);
  connect(m_readNotifier, &QSocketNotifier::activated, this, &FrameSocket::onReadable);
  if (!early.isEmpty()) {
    const std::string bytes(early.constData(), static_cast<std::size_t>(early.size()));
    QMetaObject::invokeMethod(this, [this, bytes] { feedBytes(bytes); }, Qt::QueuedConnection);
  }
#endif
}

std::size_t FrameSocket::queuedBytes() const {
  if (m_fd >= 0) return m_out.size() - m_outOffset;
  return m_socket != nullptr ? static_cast<std::size_t>(m_socket->bytesToWrite()) : 0;
}

// Decodes `in`, emitting each frame. False when the socket closed meanwhile or a slot
// deleted this object: the caller must stop touching it.
bool FrameSocket::feedBytes(std::string_view in) {
  QPointer<FrameSocket> self(this);
  while (!in.empty()) {
    if (m_closed || m_closing) return !m_closed;  // closing: the rest is ignored
    in.remove_prefix(m_decoder.feed(in));
    if (m_decoder.hasFrame()) {
      const Frame frame = m_decoder.takeFrame();
      ++m_framesIn;
      m_bytesIn += frame.wireBytes();
      emit frameReceived(frame);
      if (!self || m_closed) return false;
    } else if (m_decoder.failed()) {
      fail(CloseCause::kDecodeError, QString::fromStdString(m_decoder.error()));
      return false;
    }
  }
  return !m_closed;
}

void FrameSocket::onReadable() {
#if defined(Q_OS_UNIX)
  if (m_closed || m_fd < 0) return;
  if (m_reading) {
    // A slot spun a nested event loop: the outer call reads on when it returns. Until
    // then the level-triggered notifier would fire on every pass of the nested loop.
    m_readParked = true;
    m_readNotifier->setEnabled(false);
    return;
  }
  QPointer<FrameSocket> self(this);
  m_reading = true;
  // A stack buffer, not a member: a slot that spins a nested event loop must not let
  // another read overwrite bytes still being decoded here (m_reading keeps this from
  // running nested anyway: the notifier fires again once the outer call returns).
  std::array<char, kReadChunkBytes> buf;
  for (;;) {
    const ssize_t n = ::read(m_fd, buf.data(), buf.size());
    if (n > 0) {
      if (!feedBytes(std::string_view(buf.data(), static_cast<std::size_t>(n)))) break;
      if (static_cast<std::size_t>(n) < buf.size()) break;  // drained for now
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && wouldBlock(errno)) break;
    const int e = errno;
    m_reading = false;
    m_readParked = false;
    if (m_closing) {
      fail(CloseCause::kRefused, QStringLiteral("closed after refusing"));
    } else if (n == 0) {
      fail(CloseCause::kPeerClosed,
           m_decoder.atFrameBoundary()
               ? QStringLiteral("closed by peer")
               : QStringLiteral("closed by peer in the middle of a frame (%1 bytes buffered)")
                     .arg(m_decoder.bufferedBytes()));
    } else {
      fail(CloseCause::kPeerClosed, errnoText(e));
    }
    return;
  }
  if (!self) return;
  m_reading = false;
  if (m_readParked && !m_closed) {
    m_readParked = false;
    m_readNotifier->setEnabled(true);
  }
#endif
}

void FrameSocket::onWritable() { drainWriteBuffer(); }

void FrameSocket::drainWriteBuffer() {
#if defined(Q_OS_UNIX)
  if (m_closed || m_fd < 0 || m_brokenPipe) return;
  while (m_outOffset < m_out.size()) {
    const ssize_t n = ::send(m_fd, m_out.data() + m_outOffset, m_out.size() - m_outOffset,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      m_outOffset += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && wouldBlock(errno)) break;
    failLater(n < 0 ? errnoText(errno) : QStringLiteral("the kernel took no bytes"));
    return;
  }
  if (m_outOffset == m_out.size()) {
    m_out.clear();
    m_outOffset = 0;
  } else if (m_outOffset >= kCompactWriteBufferBytes && m_outOffset * 2 >= m_out.size()) {
    m_out.erase(0, m_outOffset);
    m_outOffset = 0;
  }
  updateWriteNotifier();
  if (m_closing && queuedBytes() == 0) finishClosing();
#endif
}

void FrameSocket::updateWriteNotifier() {
  const bool want = !m_closed && m_fd >= 0 && queuedBytes() > 0;
  if (m_writeNotifier == nullptr) {
    if (!want) return;
    m_writeNotifier = new QSocketNotifier(static_cast<qintptr>(m_fd), QSocketNotifier::Write, this);
    connect(m_writeNotifier, &QSocketNotifier::activated, this, &FrameSocket::onWritable);
    return;  // enabled on creation
  }
  if (m_writeNotifier->isEnabled() != want) m_writeNotifier->setEnabled(want);
}

// A send failed for good (reset, broken pipe). send() is called from deep inside callers
// that do not expect the connection to vanish under them, so closed() comes from the event
// loop, as it did when QTcpSocket reported such errors.
void FrameSocket::failLater(const QString& reason) {
  if (m_brokenPipe || m_closed) return;
  m_brokenPipe = true;
  QMetaObject::invokeMethod(
      this, [this, reason] { fail(CloseCause::kPeerClosed, reason); }, Qt::QueuedConnection);
}

void FrameSocket::finishClosing() {
  fail(CloseCause::kRefused, QStringLiteral("closed after refusing"));
}

void FrameSocket::onReadyRead() {
  if (m_socket == nullptr) return;
  // A stack buffer, not a member: a slot that spins a nested event loop must not let
  // another read overwrite bytes still being decoded here.
  std::array<char, 32 * 1024> buf;
  while (!m_closed) {
    const qint64 n = m_socket->read(buf.data(), static_cast<qint64>(buf.size()));
    if (n <= 0) return;  // no more data; a read error arrives as errorOccurred
    if (!feedBytes(std::string_view(buf.data(), static_cast<std::size_t>(n)))) return;
  }
}

FrameSocket::SendResult FrameSocket::send(FrameType type, std::string_view payload) {
  if (m_closed || m_closing || m_brokenPipe || !isConnected()) return SendResult::kClosed;
  const std::size_t wire = kFrameHeaderBytes + payload.size();
  if (queuedBytes() + wire > m_maxWriteBufferBytes) return SendResult::kOverloaded;
  char header[kFrameHeaderBytes];
  encodeFrameHeader(header, type, payload);
  if (m_fd >= 0) {
    std::size_t done = 0;
    if (queuedBytes() == 0) {
      bool broken = false;
      done = sendDirect(m_fd, header, payload, &broken);
      if (broken) {
        failLater(errnoText(errno));
        return SendResult::kClosed;
      }
    }
    if (done < wire) {
      if (done < kFrameHeaderBytes) m_out.append(header + done, kFrameHeaderBytes - done);
      const std::size_t from = done > kFrameHeaderBytes ? done - kFrameHeaderBytes : 0;
      m_out.append(payload.data() + from, payload.size() - from);
      updateWriteNotifier();
    }
    ++m_framesOut;
    m_bytesOut += wire;
    return SendResult::kSent;
  }
  // Straight to the kernel when nothing waits in Qt's buffer (one sendmsg for header and
  // payload); only what the kernel does not take goes through QTcpSocket's buffer. Qt's own
  // path would arm a write notifier per burst, and with the glib event loop every arm and
  // disarm is an eventfd write plus an extra poll round: on the leader that was two wake-ups
  // per client answer, more system calls than the answers themselves.
  std::size_t done = 0;
  if (m_socket->bytesToWrite() == 0) {
    // Errors here are met again by Qt's write path, which reports them as usual.
    bool broken = false;
    done = sendDirect(static_cast<int>(m_socket->socketDescriptor()), header, payload, &broken);
  }
  if (done < kFrameHeaderBytes) {
    const auto rest = static_cast<qint64>(kFrameHeaderBytes - done);
    if (m_socket->write(header + done, rest) != rest) {
      fail(CloseCause::kPeerClosed, m_socket->errorString());
      return SendResult::kClosed;
    }
    done = kFrameHeaderBytes;
  }
  if (done < wire) {
    const std::size_t from = done - kFrameHeaderBytes;
    const auto rest = static_cast<qint64>(payload.size() - from);
    if (m_socket->write(payload.data() + from, rest) != rest) {
      fail(CloseCause::kPeerClosed, m_socket->errorString());
      return SendResult::kClosed;
    }
  }
  ++m_framesOut;
  m_bytesOut += wire;
  return SendResult::kSent;
}

std::size_t FrameSocket::sendDirect(int fd, const char* header, std::string_view payload,
                                    bool* broken) {
  *broken = false;
#if defined(Q_OS_UNIX)
  if (fd < 0) return 0;
  iovec iov[2];
  iov[0].iov_base = const_cast<char*>(header);
  iov[0].iov_len = kFrameHeaderBytes;
  iov[1].iov_base = const_cast<char*>(payload.data());
  iov[1].iov_len = payload.size();
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = payload.empty() ? 1 : 2;
  for (int attempt = 0; attempt < 4; ++attempt) {
    const ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) break;
  }
  // EAGAIN: the kernel's buffer is full (the rest queues); any other error breaks the
  // connection (errno says why).
  *broken = !wouldBlock(errno);
#else
  (void)fd;
  (void)header;
  (void)payload;
#endif
  return 0;
}

void FrameSocket::flushNow() {
  if (m_closed) return;
  if (m_fd >= 0) {
    drainWriteBuffer();
  } else if (m_socket != nullptr && m_socket->state() == QAbstractSocket::ConnectedState) {
    m_socket->flush();
  }
}

void FrameSocket::detachSocket() {
  if (m_socket != nullptr) disconnect(m_socket, nullptr, this, nullptr);
}

void FrameSocket::abort() {
  if (m_closed) return;
  m_closed = true;
  if (m_fd >= 0) {
    // Off before the descriptor closes (a notifier must never watch a closed or reused
    // number); deleted later, as this may run inside one of their signals.
    for (QSocketNotifier* n : {m_readNotifier, m_writeNotifier}) {
      if (n == nullptr) continue;
      n->setEnabled(false);
      disconnect(n, nullptr, this, nullptr);
      n->deleteLater();
    }
    m_readNotifier = nullptr;
    m_writeNotifier = nullptr;
#if defined(Q_OS_UNIX)
    ::close(m_fd);
#endif
    m_fd = -1;
    m_out.clear();
    m_outOffset = 0;
    return;
  }
  detachSocket();
  if (m_socket != nullptr) m_socket->abort();
}

void FrameSocket::fail(CloseCause cause, const QString& reason) {
  if (m_closed) return;
  abort();
  emit closed(cause, reason);
}

void FrameSocket::closeAfterFlush() {
  if (m_closed || m_closing) return;
  if (m_fd >= 0) {
    // Ignore anything more the other side says; close once the queue is out (at once when
    // it is empty, as QTcpSocket did) or after the timeout.
    m_closing = true;
    QTimer::singleShot(kCloseFlushTimeoutMs, this, [this] {
      fail(CloseCause::kRefused, QStringLiteral("closed after refusing"));
    });
    if (m_brokenPipe || queuedBytes() == 0) finishClosing();
    else drainWriteBuffer();
    return;
  }
  if (m_socket == nullptr) return;
  // Ignore anything more the other side says; report the close when it is done.
  disconnect(m_socket, &QTcpSocket::readyRead, this, nullptr);
  QTimer::singleShot(kCloseFlushTimeoutMs, this, [this] {
    fail(CloseCause::kRefused, QStringLiteral("closed after refusing"));
  });
  disconnect(m_socket, &QTcpSocket::disconnected, this, nullptr);
  connect(m_socket, &QTcpSocket::disconnected, this,
          [this] { fail(CloseCause::kRefused, QStringLiteral("closed after refusing")); });
  m_socket->disconnectFromHost();
}

}  // namespace qlab::net
