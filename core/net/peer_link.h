#pragma once
// The sending half of one link: this node's outgoing connection to one peer. Connects, says
// hello, reconnects with exponential backoff, applies the link fault (cut, drop, delay with
// order kept) and bounds every queue. Internal to Transport, which owns one per peer.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include <QHostAddress>
#include <QObject>

#include "core/common/random.h"
#include "core/common/types.h"
#include "core/net/frame_socket.h"
#include "core/net/link_fault.h"
#include "core/net/transport_stats.h"

class QTimer;
namespace spdlog {
class logger;
}

namespace qlab::net {

class PeerLink : public QObject {
  Q_OBJECT

 public:
  struct Config {
    std::string clusterName;
    NodeId self = kNoNode;
    NodeId peer = kNoNode;
    QString host;  // an address or a name (resolved at each connect)
    std::uint16_t port = 0;  // 0 = not known yet: stay idle, drop messages
    int reconnectInitialMs = 20;
    int reconnectMaxMs = 1000;
    int handshakeTimeoutMs = 2000;
    std::size_t maxQueuedBytes = 0;
    std::shared_ptr<spdlog::logger> logger;
  };

  // `faultRandom` is shared by all links of a transport and must outlive this link.
  PeerLink(Config config, Random* faultRandom, QObject* parent = nullptr);
  ~PeerLink() override;

  void start();
  void setPort(std::uint16_t port);
  void send(std::string payload);
  // Hands what send() buffered on the connection to the kernel now (FrameSocket::flushNow).
  void flushNow();
  void setFault(const LinkFault& fault);
  const LinkFault& fault() const { return m_fault; }
  // Power loss: drop the connection (the peer sees a reset), timers and queues. Final.
  void abort();

  bool isUp() const { return m_state == State::kReady; }
  PeerLinkStats stats() const;

 signals:
  void upChanged(qlab::NodeId peer, bool up);

 private:
  enum class State { kIdle, kBackoff, kConnecting, kHandshaking, kReady, kDead };

  void connectNow();
  void onConnected();
  void onFrame(const Frame& frame);
  void onClosed(CloseCause cause, const QString& reason);
  void failConnection(const QString& reason);
  void dropConnection();
  void transmit(std::string payload);
  void flushPending();
  void releaseDelayed();
  void armDelayTimer();
  QString describe() const;

  struct Delayed {
    std::int64_t releaseUs;  // steady clock
    std::string payload;
  };

  Config m_config;
  Random* m_random;
  State m_state = State::kIdle;
  FrameSocket* m_conn = nullptr;  // child; replaced on every reconnect
  QTimer* m_reconnectTimer;
  QTimer* m_handshakeTimer;
  QTimer* m_delayTimer;
  int m_backoffMs;
  int m_failuresInRow = 0;

  // Messages sent while the connection is being (re)established; dropped if it fails.
  std::deque<std::string> m_pending;
  std::size_t m_pendingBytes = 0;

  LinkFault m_fault;
  std::deque<Delayed> m_delayed;
  std::size_t m_delayedBytes = 0;

  PeerLinkStats m_stats;
};

}  // namespace qlab::net
