// FrameSocket on its own, over real loopback TCP on the test thread: once connected it reads
// and writes its descriptor directly (no QTcpSocket buffer, no FIONREAD per read), and the
// direct path keeps every promise of the old one: frames whole and in order both ways,
// bursts and large frames across many reads, a bounded write buffer that drains when the
// peer reads again, the close causes, and no descriptor left open after an abort.
#include <QDir>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include <memory>
#include <string>
#include <vector>

#include "core/net/frame.h"
#include "core/net/frame_socket.h"

using namespace qlab;
using namespace qlab::net;

namespace {

constexpr int kWaitMs = 10000;  // bound for every wait; the machine is shared and noisy

struct End {
  std::unique_ptr<FrameSocket> socket;
  std::vector<Frame> frames;
  int closedCount = 0;
  CloseCause cause = CloseCause::kRefused;
  QString reason;

  void attach(FrameSocket* s) {
    socket.reset(s);
    QObject::connect(s, &FrameSocket::frameReceived, [this](const Frame& f) { frames.push_back(f); });
    QObject::connect(s, &FrameSocket::closed, [this](CloseCause c, const QString& r) {
      ++closedCount;
      cause = c;
      reason = r;
    });
  }
  std::vector<std::string> payloads() const {
    std::vector<std::string> out;
    for (const auto& f : frames) out.push_back(f.payload);
    return out;
  }
};

// A connected pair: `client` connected out through QTcpSocket, `server` accepted.
struct Pair {
  QTcpServer listener;
  End client;
  End server;
  bool connected = false;

  explicit Pair(std::size_t maxWriteBufferBytes = 8u << 20) {
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    auto* out = new QTcpSocket();
    client.attach(new FrameSocket(out, kMaxFramePayloadBytes, maxWriteBufferBytes));
    QObject::connect(client.socket.get(), &FrameSocket::connected, [this] { connected = true; });
    out->connectToHost(QHostAddress::LocalHost, listener.serverPort());
    QTRY_VERIFY_WITH_TIMEOUT(listener.hasPendingConnections(), kWaitMs);
    server.attach(new FrameSocket(listener.nextPendingConnection(), kMaxFramePayloadBytes,
                                  maxWriteBufferBytes));
    QTRY_VERIFY_WITH_TIMEOUT(connected, kWaitMs);
  }
};

int openDescriptors() {
  return static_cast<int>(QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::NoDotAndDotDot | QDir::System).size());
}

void drainDeferredDeletes() {
  for (int i = 0; i < 5; ++i) {
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QCoreApplication::processEvents();
  }
}

}  // namespace

class FrameSocketTest : public QObject {
  Q_OBJECT

 private slots:
  void bothEndsGoDirectOnceConnectedAndFramesArriveInOrder() {
    Pair p;
    QVERIFY(p.client.socket->isDirect());
    QVERIFY(p.server.socket->isDirect());
    QVERIFY(p.client.socket->isConnected());
    std::vector<std::string> sent;
    // A burst of small frames lands in one read on the other side; a large one spans many.
    for (int i = 0; i < 500; ++i) {
      sent.push_back("m" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 97), 'x'));
      QCOMPARE(p.client.socket->send(FrameType::kPeer, sent.back()), FrameSocket::SendResult::kSent);
      QCOMPARE(p.server.socket->send(FrameType::kPeer, sent.back()), FrameSocket::SendResult::kSent);
    }
    sent.push_back(std::string(3u << 20, 'L'));
    QCOMPARE(p.client.socket->send(FrameType::kPeer, sent.back()), FrameSocket::SendResult::kSent);
    QTRY_COMPARE_WITH_TIMEOUT(p.server.frames.size(), sent.size(), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(p.client.frames.size(), sent.size() - 1, kWaitMs);
    QVERIFY(p.server.payloads() == sent);
    sent.pop_back();
    QVERIFY(p.client.payloads() == sent);
    QCOMPARE(p.server.socket->bytesReceived(), p.client.socket->bytesSent());
    QCOMPARE(p.client.socket->bytesReceived(), p.server.socket->bytesSent());
    QCOMPARE(p.client.closedCount + p.server.closedCount, 0);
  }

  void theWriteBufferIsBoundedAndDrainsWhenThePeerReadsAgain() {
    // Both ends on this thread: while the loop below runs nobody reads, so the kernel's
    // buffers fill, the rest queues (bounded), and sends beyond the bound are refused.
    Pair p(1u << 20);
    std::vector<std::string> sent;
    int overloaded = 0;
    for (int i = 0; i < 400; ++i) {
      std::string payload = std::to_string(i) + ":";
      payload.resize(64u << 10, static_cast<char>('a' + i % 26));
      switch (p.client.socket->send(FrameType::kPeer, payload)) {
        case FrameSocket::SendResult::kSent: sent.push_back(payload); break;
        case FrameSocket::SendResult::kOverloaded: ++overloaded; break;
        case FrameSocket::SendResult::kClosed: QFAIL("closed while the peer was only slow"); break;
      }
    }
    QVERIFY(overloaded > 0);
    QTRY_COMPARE_WITH_TIMEOUT(p.server.frames.size(), sent.size(), kWaitMs);
    QVERIFY(p.server.payloads() == sent);
    // Drained: sends go through again.
    QCOMPARE(p.client.socket->send(FrameType::kPeer, "after"), FrameSocket::SendResult::kSent);
    QTRY_COMPARE_WITH_TIMEOUT(p.server.frames.size(), sent.size() + 1, kWaitMs);
    QCOMPARE(p.server.frames.back().payload, std::string("after"));
  }

  void aPeerThatClosesIsReportedOnceWithWhere() {
    Pair p;
    QCOMPARE(p.client.socket->send(FrameType::kPeer, "bye"), FrameSocket::SendResult::kSent);
    QTRY_COMPARE_WITH_TIMEOUT(p.server.frames.size(), std::size_t{1}, kWaitMs);
    p.server.socket->abort();  // no signal for the side that aborts
    QTRY_COMPARE_WITH_TIMEOUT(p.client.closedCount, 1, kWaitMs);
    QCOMPARE(p.client.cause, CloseCause::kPeerClosed);
    QVERIFY(!p.client.socket->isOpen());
    QVERIFY(!p.client.socket->isConnected());
    QCOMPARE(p.client.socket->send(FrameType::kPeer, "late"), FrameSocket::SendResult::kClosed);
    QCOMPARE(p.server.closedCount, 0);
  }

  void aCloseInTheMiddleOfAFrameSaysSo() {
    QTcpServer listener;
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    QTcpSocket raw;
    raw.connectToHost(QHostAddress::LocalHost, listener.serverPort());
    QTRY_VERIFY_WITH_TIMEOUT(listener.hasPendingConnections(), kWaitMs);
    End server;
    server.attach(new FrameSocket(listener.nextPendingConnection(), kMaxFramePayloadBytes, 1u << 20));
    QVERIFY(server.socket->isDirect());
    std::string frame = encodeFrame(FrameType::kPeer, std::string(1000, 'p'));
    frame.resize(frame.size() / 2);
    raw.write(frame.data(), static_cast<qint64>(frame.size()));
    QVERIFY(raw.waitForBytesWritten(kWaitMs));
    raw.disconnectFromHost();
    QTRY_COMPARE_WITH_TIMEOUT(server.closedCount, 1, kWaitMs);
    QCOMPARE(server.cause, CloseCause::kPeerClosed);
    QVERIFY2(server.reason.contains(QStringLiteral("middle of a frame")), qPrintable(server.reason));
  }

  void bytesThatAreNotFramesCloseWithADecodeError() {
    QTcpServer listener;
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    QTcpSocket raw;
    raw.connectToHost(QHostAddress::LocalHost, listener.serverPort());
    QTRY_VERIFY_WITH_TIMEOUT(listener.hasPendingConnections(), kWaitMs);
    End server;
    server.attach(new FrameSocket(listener.nextPendingConnection(), kMaxFramePayloadBytes, 1u << 20));
    raw.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(server.closedCount, 1, kWaitMs);
    QCOMPARE(server.cause, CloseCause::kDecodeError);
    QTRY_VERIFY_WITH_TIMEOUT(raw.state() == QAbstractSocket::UnconnectedState, kWaitMs);
  }

  void closeAfterFlushDeliversWhatWasSentThenCloses() {
    Pair p;
    QCOMPARE(p.server.socket->send(FrameType::kPeer, "last words"), FrameSocket::SendResult::kSent);
    p.server.socket->closeAfterFlush();
    QCOMPARE(p.server.socket->send(FrameType::kPeer, "too late"), FrameSocket::SendResult::kClosed);
    QTRY_COMPARE_WITH_TIMEOUT(p.server.closedCount, 1, kWaitMs);
    QCOMPARE(p.server.cause, CloseCause::kRefused);
    QTRY_COMPARE_WITH_TIMEOUT(p.client.closedCount, 1, kWaitMs);
    QVERIFY(p.client.payloads() == std::vector<std::string>{"last words"});
  }

  void noDescriptorOutlivesItsConnection() {
    drainDeferredDeletes();
    const int before = openDescriptors();
    for (int i = 0; i < 20; ++i) {
      Pair p;
      QCOMPARE(p.client.socket->send(FrameType::kPeer, "x"), FrameSocket::SendResult::kSent);
      QTRY_COMPARE_WITH_TIMEOUT(p.server.frames.size(), std::size_t{1}, kWaitMs);
      if (i % 2 == 0) p.client.socket->abort();
    }
    drainDeferredDeletes();
    QCOMPARE(openDescriptors(), before);
  }
};

QTEST_GUILESS_MAIN(FrameSocketTest)
#include "tst_frame_socket.moc"
