#include "core/net/peer_link.h"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include "core/common/clock.h"
#include "core/net/handshake.h"

namespace qlab::net {

namespace {
std::int64_t nowUs() { return SteadyClock::instance().nowUs(); }
}  // namespace

PeerLink::PeerLink(Config config, Random* faultRandom, QObject* parent)
    : QObject(parent),
      m_config(std::move(config)),
      m_random(faultRandom),
      m_reconnectTimer(new QTimer(this)),
      m_handshakeTimer(new QTimer(this)),
      m_delayTimer(new QTimer(this)),
      m_backoffMs(m_config.reconnectInitialMs) {
  m_reconnectTimer->setSingleShot(true);
  m_handshakeTimer->setSingleShot(true);
  m_delayTimer->setSingleShot(true);
  // A coarse timer may fire up to 5% early; delays are a promise of "at least".
  m_delayTimer->setTimerType(Qt::PreciseTimer);
  connect(m_reconnectTimer, &QTimer::timeout, this, &PeerLink::connectNow);
  connect(m_handshakeTimer, &QTimer::timeout, this, [this] {
    failConnection(QStringLiteral("no hello_ack within %1 ms").arg(m_config.handshakeTimeoutMs));
  });
  connect(m_delayTimer, &QTimer::timeout, this, &PeerLink::releaseDelayed);
  m_stats.peer = m_config.peer;
  m_stats.port = m_config.port;
}

PeerLink::~PeerLink() { abort(); }

QString PeerLink::describe() const {
  return QStringLiteral("node %1 (%2:%3)")
      .arg(m_config.peer)
      .arg(m_config.host)
      .arg(m_config.port);
}

void PeerLink::start() {
  if (m_state == State::kIdle && m_config.port != 0) connectNow();
}

void PeerLink::setPort(std::uint16_t port) {
  if (port == m_config.port || m_state == State::kDead) return;
  const bool wasUp = isUp();
  dropConnection();
  m_reconnectTimer->stop();
  m_config.port = port;
  m_stats.port = port;
  m_backoffMs = m_config.reconnectInitialMs;
  m_state = State::kIdle;
  if (wasUp) emit upChanged(m_config.peer, false);
  start();
}

void PeerLink::connectNow() {
  if (m_state == State::kDead || m_config.port == 0) return;
  dropConnection();
  auto* socket = new QTcpSocket();
  // The peer only ever answers hello_ack or refuse here: keep the handshake cap for good.
  m_conn = new FrameSocket(socket, kMaxHandshakePayloadBytes, m_config.maxQueuedBytes, this);
  connect(m_conn, &FrameSocket::connected, this, &PeerLink::onConnected);
  connect(m_conn, &FrameSocket::frameReceived, this, &PeerLink::onFrame);
  connect(m_conn, &FrameSocket::closed, this, &PeerLink::onClosed);
  m_state = State::kConnecting;
  m_handshakeTimer->start(m_config.handshakeTimeoutMs);
  // Last: a synchronous failure lands in onClosed() with the state already consistent.
  socket->connectToHost(m_config.host, m_config.port);
}

void PeerLink::onConnected() {
  m_state = State::kHandshaking;
  Hello hello;
  hello.nodeId = m_config.self;
  hello.clusterName = m_config.clusterName;
  m_conn->send(FrameType::kHello, encodeHello(hello));
}

void PeerLink::onFrame(const Frame& frame) {
  if (m_state != State::kHandshaking) {
    failConnection(QStringLiteral("unexpected %1 frame on the outgoing link")
                       .arg(QLatin1String(frameTypeName(frame.type))));
    return;
  }
  if (frame.type == FrameType::kRefuse) {
    auto refuse = decodeRefuse(frame.payload);
    const QString why =
        refuse ? QStringLiteral("%1: %2").arg(QLatin1String(refuseCodeName(refuse->code)),
                                              QString::fromStdString(refuse->reason))
               : QString::fromStdString(refuse.status().message());
    if (m_failuresInRow == 0) {
      m_config.logger->warn("net: {} refused our hello: {}", describe().toStdString(),
                            why.toStdString());
    }
    failConnection(QStringLiteral("refused: ") + why);
    return;
  }
  if (frame.type != FrameType::kHelloAck) {
    failConnection(
        QStringLiteral("expected hello_ack, got %1").arg(QLatin1String(frameTypeName(frame.type))));
    return;
  }
  auto ack = decodeHelloAck(frame.payload);
  if (!ack) {
    failConnection(QString::fromStdString(ack.status().message()));
    return;
  }
  if (ack->nodeId != m_config.peer || ack->protocolVersion != kProtocolVersion) {
    failConnection(
        QStringLiteral("the port answers as node %1 with protocol %2, expected node %3 with %4")
            .arg(ack->nodeId)
            .arg(ack->protocolVersion)
            .arg(m_config.peer)
            .arg(kProtocolVersion));
    return;
  }
  m_handshakeTimer->stop();
  m_state = State::kReady;
  m_backoffMs = m_config.reconnectInitialMs;
  ++m_stats.handshakes;
  m_config.logger->info(
      "net: link to {} up{}", describe().toStdString(),
      m_failuresInRow > 0 ? fmt::format(" after {} failed attempts", m_failuresInRow) : "");
  m_failuresInRow = 0;
  QPointer<PeerLink> self(this);
  flushPending();
  if (self && isUp()) emit upChanged(m_config.peer, true);
}

void PeerLink::onClosed(CloseCause, const QString& reason) { failConnection(reason); }

void PeerLink::failConnection(const QString& reason) {
  if (m_state == State::kDead) return;
  const bool wasUp = isUp();
  ++m_stats.connectFailures;
  dropConnection();
  m_stats.dropped.unreachable += m_pending.size();
  m_pending.clear();
  m_pendingBytes = 0;
  const std::string msg =
      fmt::format("net: link to {} {}: {}; retrying in {} ms", describe().toStdString(),
                  wasUp ? "down" : "failed", reason.toStdString(), m_backoffMs);
  // A peer that stays down would log every second; say it once, then quietly.
  if (m_failuresInRow++ == 0) {
    m_config.logger->info(msg);
  } else {
    m_config.logger->debug(msg);
  }
  m_state = State::kBackoff;
  m_reconnectTimer->start(m_backoffMs);
  m_backoffMs = std::min(m_backoffMs * 2, m_config.reconnectMaxMs);
  if (wasUp) emit upChanged(m_config.peer, false);
}

void PeerLink::dropConnection() {
  m_handshakeTimer->stop();
  if (m_conn == nullptr) return;
  disconnect(m_conn, nullptr, this, nullptr);
  m_conn->abort();
  // Possibly inside one of its own signals: delete when control is back in the event loop.
  m_conn->deleteLater();
  m_conn = nullptr;
}

void PeerLink::send(std::string payload) {
  if (m_state == State::kDead) {
    ++m_stats.dropped.unreachable;
    return;
  }
  if (payload.size() > kMaxFramePayloadBytes) {
    ++m_stats.dropped.oversize;
    m_config.logger->error("net: dropped a {}-byte message to {}: above the frame cap of {} bytes",
                           payload.size(), describe().toStdString(), kMaxFramePayloadBytes);
    return;
  }
  if (m_fault.cut) {
    ++m_stats.dropped.cut;
    return;
  }
  if (m_fault.dropProbability > 0.0 && m_random->chance(m_fault.dropProbability)) {
    ++m_stats.dropped.fault;
    return;
  }
  // Once anything is delayed, later messages queue behind it even if the delay was lifted:
  // a link may be slow, but it never reorders.
  if (m_fault.delayMs > 0 || !m_delayed.empty()) {
    if (m_delayedBytes + payload.size() > m_config.maxQueuedBytes) {
      ++m_stats.dropped.overload;
      return;
    }
    std::int64_t release = nowUs() + std::int64_t{m_fault.delayMs} * 1000;
    if (!m_delayed.empty()) release = std::max(release, m_delayed.back().releaseUs);
    m_delayedBytes += payload.size();
    m_delayed.push_back({release, std::move(payload)});
    if (m_delayed.size() == 1) armDelayTimer();
    return;
  }
  transmit(std::move(payload));
}

void PeerLink::flushNow() {
  if (m_state == State::kReady && m_conn) m_conn->flushNow();
}

void PeerLink::transmit(std::string payload) {
  switch (m_state) {
    case State::kReady:
      switch (m_conn->send(FrameType::kPeer, payload)) {
        case FrameSocket::SendResult::kSent:
          ++m_stats.framesSent;
          m_stats.bytesSent += kFrameHeaderBytes + payload.size();
          break;
        case FrameSocket::SendResult::kOverloaded: ++m_stats.dropped.overload; break;
        case FrameSocket::SendResult::kClosed: ++m_stats.dropped.unreachable; break;
      }
      return;
    case State::kConnecting:
    case State::kHandshaking:
      if (m_pendingBytes + payload.size() > m_config.maxQueuedBytes) {
        ++m_stats.dropped.overload;
        return;
      }
      m_pendingBytes += payload.size();
      m_pending.push_back(std::move(payload));
      return;
    case State::kIdle:
    case State::kBackoff:
    case State::kDead: ++m_stats.dropped.unreachable; return;
  }
}

void PeerLink::flushPending() {
  while (!m_pending.empty()) {
    std::string payload = std::move(m_pending.front());
    m_pending.pop_front();
    m_pendingBytes -= payload.size();
    transmit(std::move(payload));
  }
}

void PeerLink::releaseDelayed() {
  const std::int64_t now = nowUs();
  while (!m_delayed.empty() && m_delayed.front().releaseUs <= now) {
    std::string payload = std::move(m_delayed.front().payload);
    m_delayed.pop_front();
    m_delayedBytes -= payload.size();
    // A cut made while the message was on its way loses it, as a pulled cable would.
    if (m_fault.cut) {
      ++m_stats.dropped.cut;
    } else {
      transmit(std::move(payload));
    }
  }
  armDelayTimer();
}

void PeerLink::armDelayTimer() {
  if (m_delayed.empty()) {
    m_delayTimer->stop();
    return;
  }
  // Rounded up: a timer that fires early just re-arms, but rounding down would spin.
  const std::int64_t waitUs = std::max<std::int64_t>(0, m_delayed.front().releaseUs - nowUs());
  m_delayTimer->start(static_cast<int>(std::min<std::int64_t>((waitUs + 999) / 1000, 60'000)));
}

void PeerLink::setFault(const LinkFault& fault) { m_fault = fault.clamped(); }

void PeerLink::abort() {
  if (m_state == State::kDead) return;
  m_state = State::kDead;
  dropConnection();
  m_reconnectTimer->stop();
  m_delayTimer->stop();
  m_pending.clear();
  m_pendingBytes = 0;
  m_delayed.clear();
  m_delayedBytes = 0;
}

PeerLinkStats PeerLink::stats() const {
  PeerLinkStats s = m_stats;
  s.up = isUp();
  s.delayedMessages = m_delayed.size();
  s.delayedBytes = m_delayedBytes;
  return s;
}

}  // namespace qlab::net
