// Hello, hello_ack and refuse payloads: round trips, and bounded, exact decoding (every
// prefix of a valid payload, trailing bytes and oversize fields are rejected).
#include <QtTest>

#include <string>

#include "core/common/coding.h"
#include "core/net/handshake.h"

using namespace qlab;
using namespace qlab::net;

class HandshakeTest : public QObject {
  Q_OBJECT

 private slots:
  void helloRoundTrips() {
    for (const Hello& h :
         {Hello{kProtocolVersion, 3, 0, "quorumlab"}, Hello{kProtocolVersion, 0, 42, "c"},
          Hello{7, 9, 0, std::string(kMaxClusterNameBytes, 'n')}}) {
      auto back = decodeHello(encodeHello(h));
      QVERIFY2(back.isOk(), back.status().toString().c_str());
      QVERIFY(*back == h);
    }
  }

  void helloLayoutMatchesTheDocument() {
    const std::string b = encodeHello({kProtocolVersion, 2, 0, "qlab"});
    QCOMPARE(b.size(), std::size_t{2 + 4 + 8 + 4 + 4});
    QCOMPARE(coding::decodeFixed16(b.data()), kProtocolVersion);
    QCOMPARE(coding::decodeFixed32(b.data() + 2), std::uint32_t{2});
    QCOMPARE(coding::decodeFixed64(b.data() + 6), std::uint64_t{0});
    QCOMPARE(coding::decodeFixed32(b.data() + 14), std::uint32_t{4});
    QCOMPARE(b.substr(18), std::string("qlab"));
  }

  void everyPrefixOfAHelloIsRejected() {
    const std::string b = encodeHello({kProtocolVersion, 2, 0, "quorumlab"});
    for (std::size_t n = 0; n < b.size(); ++n) {
      QVERIFY2(!decodeHello(b.substr(0, n)).isOk(), qPrintable(QString::number(n)));
    }
  }

  void helloWithTrailingBytesIsRejected() {
    auto r = decodeHello(encodeHello({kProtocolVersion, 2, 0, "quorumlab"}) + "x");
    QVERIFY(!r.isOk());
    QVERIFY(r.status().message().find("trailing") != std::string::npos);
  }

  void clusterNameLengthIsBounded() {
    std::string b;
    coding::putFixed16(b, kProtocolVersion);
    coding::putFixed32(b, 1);
    coding::putFixed64(b, 0);
    std::string empty = b;
    coding::putFixed32(empty, 0);
    QVERIFY(!decodeHello(empty).isOk());
    std::string huge = b;
    coding::putFixed32(huge, 900000000);  // claims far more than is there: no allocation
    auto r = decodeHello(huge);
    QVERIFY(!r.isOk());
    QVERIFY2(r.status().message().find("900000000") != std::string::npos,
             r.status().message().c_str());
    std::string tooLong = b;
    coding::putBytes(tooLong, std::string(kMaxClusterNameBytes + 1, 'n'));
    QVERIFY(!decodeHello(tooLong).isOk());
  }

  void helloAckRoundTripsAndIsExact() {
    const HelloAck a{kProtocolVersion, 3, 12345};
    const std::string b = encodeHelloAck(a);
    QCOMPARE(b.size(), std::size_t{14});
    QVERIFY(*decodeHelloAck(b) == a);
    QVERIFY(!decodeHelloAck(b.substr(0, 13)).isOk());
    QVERIFY(!decodeHelloAck(b + "z").isOk());
  }

  void refuseRoundTripsAndIsBounded() {
    const Refuse r{RefuseCode::kWrongCluster, "cluster name 'x' does not match 'y'"};
    QVERIFY(*decodeRefuse(encodeRefuse(r)) == r);
    // A long reason is cut by the encoder, never sent whole.
    const Refuse longReason{RefuseCode::kProtocolError, std::string(2000, 'r')};
    auto back = decodeRefuse(encodeRefuse(longReason));
    QVERIFY(back.isOk());
    QCOMPARE(back->reason.size(), kMaxRefuseReasonBytes);
    std::string unknownCode;
    coding::putFixed16(unknownCode, 99);
    coding::putBytes(unknownCode, "x");
    QVERIFY(!decodeRefuse(unknownCode).isOk());
    std::string oversize;
    coding::putFixed16(oversize, 1);
    coding::putBytes(oversize, std::string(kMaxRefuseReasonBytes + 1, 'r'));
    QVERIFY(!decodeRefuse(oversize).isOk());
  }
};

QTEST_GUILESS_MAIN(HandshakeTest)
#include "tst_handshake.moc"
