#include "core/net/frame_socket.h"

#include <array>
#include <cerrno>

#include <QtGlobal>
#if defined(Q_OS_UNIX)
#include <sys/socket.h>
#include <sys/uio.h>
#endif

#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

namespace qlab::net {

namespace {

// Qt buffers at most this much unread input per socket; the rest waits in the kernel, where
// TCP flow control slows the sender down.
constexpr qint64 kSocketReadBufferBytes = 256 * 1024;
// How long closeAfterFlush() waits for the other side before aborting.
constexpr int kCloseFlushTimeoutMs = 1000;

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
  }
}

FrameSocket::~FrameSocket() { abort(); }

void FrameSocket::updatePeerName() {
  m_peerName =
      m_socket->peerAddress().toString() + QLatin1Char(':') + QString::number(m_socket->peerPort());
}

bool FrameSocket::isConnected() const {
  return !m_closed && m_socket->state() == QAbstractSocket::ConnectedState;
}

void FrameSocket::onConnected() {
  // Replication messages are small and latency-bound: no Nagle delay.
  m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
  updatePeerName();
  emit connected();
}

void FrameSocket::onReadyRead() {
  QPointer<FrameSocket> self(this);
  // A stack buffer, not a member: a slot that spins a nested event loop must not let
  // another read overwrite bytes still being decoded here.
  std::array<char, 32 * 1024> buf;
  while (!m_closed) {
    const qint64 n = m_socket->read(buf.data(), static_cast<qint64>(buf.size()));
    if (n <= 0) return;  // no more data; a read error arrives as errorOccurred
    std::string_view in(buf.data(), static_cast<std::size_t>(n));
    while (!in.empty()) {
      in.remove_prefix(m_decoder.feed(in));
      if (m_decoder.hasFrame()) {
        const Frame frame = m_decoder.takeFrame();
        ++m_framesIn;
        m_bytesIn += frame.wireBytes();
        emit frameReceived(frame);
        if (!self || m_closed) return;
      } else if (m_decoder.failed()) {
        fail(CloseCause::kDecodeError, QString::fromStdString(m_decoder.error()));
        return;
      }
    }
  }
}

FrameSocket::SendResult FrameSocket::send(FrameType type, std::string_view payload) {
  if (m_closed || m_socket->state() != QAbstractSocket::ConnectedState) return SendResult::kClosed;
  const std::size_t wire = kFrameHeaderBytes + payload.size();
  if (static_cast<std::size_t>(m_socket->bytesToWrite()) + wire > m_maxWriteBufferBytes) {
    return SendResult::kOverloaded;
  }
  char header[kFrameHeaderBytes];
  encodeFrameHeader(header, type, payload);
  // Straight to the kernel when nothing waits in Qt's buffer (one sendmsg for header and
  // payload); only what the kernel does not take goes through QTcpSocket's buffer. Qt's own
  // path would arm a write notifier per burst, and with the glib event loop every arm and
  // disarm is an eventfd write plus an extra poll round: on the leader that was two wake-ups
  // per client answer, more system calls than the answers themselves.
  std::size_t done = 0;
  if (m_socket->bytesToWrite() == 0) done = sendDirect(header, payload);
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

std::size_t FrameSocket::sendDirect(const char* header, std::string_view payload) {
#if defined(Q_OS_UNIX)
  const qintptr fd = m_socket->socketDescriptor();
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
    const ssize_t n = ::sendmsg(static_cast<int>(fd), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) break;
  }
  // EAGAIN: the kernel's buffer is full; any other error: Qt's write path meets it again
  // and reports it as usual (errorOccurred, then closed()).
#else
  (void)header;
  (void)payload;
#endif
  return 0;
}

void FrameSocket::flushNow() {
  if (!m_closed && m_socket->state() == QAbstractSocket::ConnectedState) m_socket->flush();
}

void FrameSocket::detachSocket() { disconnect(m_socket, nullptr, this, nullptr); }

void FrameSocket::abort() {
  if (m_closed) return;
  m_closed = true;
  detachSocket();
  m_socket->abort();
}

void FrameSocket::fail(CloseCause cause, const QString& reason) {
  if (m_closed) return;
  abort();
  emit closed(cause, reason);
}

void FrameSocket::closeAfterFlush() {
  if (m_closed) return;
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
