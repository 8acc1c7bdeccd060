#pragma once
// One TCP connection speaking frames: a QTcpSocket, a FrameDecoder and a bounded write
// buffer. Shared by the transport's outgoing peer links, its accepted connections and the
// client channel, so every socket in Quorum Lab reads, caps and reports errors the same way.
// Lives in its owner's thread; signals are delivered directly.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <QObject>
#include <QString>

#include "core/net/frame.h"

class QSocketNotifier;
class QTcpSocket;

namespace qlab::net {

// Why a connection ended, for counters and log levels.
enum class CloseCause {
  kPeerClosed,        // EOF, reset or refused by the other side / the OS
  kDecodeError,       // bytes that are not a valid frame
  kProtocolError,     // a valid frame that is not allowed here
  kHandshakeTimeout,  // no hello / hello_ack in time
  kRefused,           // the other side sent refuse (or we did)
};
const char* closeCauseName(CloseCause c);

class FrameSocket : public QObject {
  Q_OBJECT

 public:
  enum class SendResult { kSent, kOverloaded, kClosed };

  // Takes ownership of `socket` (which may be connecting or connected). Frames whose header
  // announces more than maxPayloadBytes close the connection; a send that would push the
  // socket's unsent bytes past maxWriteBufferBytes is refused (kOverloaded) instead of
  // queueing without bound behind a peer that does not read (a paused node).
  FrameSocket(QTcpSocket* socket, std::uint32_t maxPayloadBytes, std::size_t maxWriteBufferBytes,
              QObject* parent = nullptr);
  ~FrameSocket() override;
  FrameSocket(const FrameSocket&) = delete;
  FrameSocket& operator=(const FrameSocket&) = delete;

  // Writes the frame to the kernel at once when nothing is queued before it (the kernel's
  // socket buffer then holds what the peer has not read yet); the rest waits in a write
  // buffer, which the event loop drains and maxWriteBufferBytes bounds.
  SendResult send(FrameType type, std::string_view payload);
  // Hands what send() buffered to the kernel now, without waiting for the event loop (which
  // otherwise writes it when control returns to it). Never blocks.
  void flushNow();
  void setMaxPayloadBytes(std::uint32_t maxPayloadBytes) {
    m_decoder.setMaxPayloadBytes(maxPayloadBytes);
  }

  // Closes at once (the other side sees a reset). No signal follows.
  void abort();
  // Ends the connection because of `cause`: aborts it and emits closed() once.
  void fail(CloseCause cause, const QString& reason);
  // Lets queued bytes go out, then closes (used after sending refuse); closed() follows.
  void closeAfterFlush();

  bool isOpen() const { return !m_closed; }
  // True once the connected socket is read and written through its descriptor directly
  // (see "Connected sockets" in frame_socket.cpp); false while connecting.
  bool isDirect() const { return m_fd >= 0; }
  bool isConnected() const;
  // "127.0.0.1:54321", fixed at construction or on connect, for log lines.
  const QString& peerName() const { return m_peerName; }

  std::uint64_t framesReceived() const { return m_framesIn; }
  std::uint64_t bytesReceived() const { return m_bytesIn; }
  std::uint64_t framesSent() const { return m_framesOut; }
  std::uint64_t bytesSent() const { return m_bytesOut; }

 signals:
  void connected();
  // A complete, checksummed frame. A slot may call abort()/fail() or delete the owner with
  // deleteLater(); the read loop stops at once.
  void frameReceived(const qlab::net::Frame& frame);
  // The connection ended for `cause`; emitted at most once, never after abort().
  void closed(qlab::net::CloseCause cause, const QString& reason);

 private:
  void onReadyRead();
  void onConnected();
  void detachSocket();
  void updatePeerName();

  // Bytes of header + payload the kernel took without blocking (0 on EAGAIN or an error).
  // *broken: a hard error (not EAGAIN), errno says which.
  std::size_t sendDirect(int fd, const char* header, std::string_view payload, bool* broken);

  // The direct path (connected sockets, see frame_socket.cpp).
  void adoptConnectedSocket();
  void onReadable();
  void onWritable();
  bool feedBytes(std::string_view in);  // false once the socket closed or this object died
  void drainWriteBuffer();               // writes what m_out holds until empty or EAGAIN
  void updateWriteNotifier();
  void failLater(const QString& reason);  // fail(kPeerClosed) from the event loop
  void finishClosing();
  std::size_t queuedBytes() const;

  QTcpSocket* m_socket;  // owned; null once the descriptor is adopted
  int m_fd = -1;         // the adopted descriptor (a duplicate of the QTcpSocket's)
  QSocketNotifier* m_readNotifier = nullptr;
  QSocketNotifier* m_writeNotifier = nullptr;
  std::string m_out;           // bytes the kernel did not take yet (direct path)
  std::size_t m_outOffset = 0;  // how much of m_out went out already
  bool m_reading = false;       // inside onReadable (no re-entry from a nested event loop)
  bool m_readParked = false;    // the read notifier is off until the outer onReadable ends
  bool m_closing = false;       // closeAfterFlush() on the direct path
  bool m_brokenPipe = false;    // a send failed hard; fail() follows from the event loop
  FrameDecoder m_decoder;
  std::size_t m_maxWriteBufferBytes;
  QString m_peerName;
  bool m_closed = false;
  std::uint64_t m_framesIn = 0;
  std::uint64_t m_bytesIn = 0;
  std::uint64_t m_framesOut = 0;
  std::uint64_t m_bytesOut = 0;
};

}  // namespace qlab::net
