// CRC32C against the RFC 3720 (iSCSI) appendix B.4 vectors, on the hardware path and on the
// portable table path, plus the masking rule the WAL stores CRCs with.
#include <QtTest>

#include <string>

#include "core/common/crc32c.h"
#include "core/common/random.h"

using namespace qlab;

namespace {

std::uint32_t portable(const std::string& s) { return crc32c::extendPortable(0, s.data(), s.size()); }
std::uint32_t dispatched(const std::string& s) { return crc32c::value(s); }

// The 48-byte iSCSI SCSI Read (10) command PDU of RFC 3720 B.4.
std::string iscsiReadCommand() {
  const unsigned char b[48] = {0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                               0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
                               0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
                               0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  return std::string(reinterpret_cast<const char*>(b), sizeof b);
}

}  // namespace

class Crc32cTest : public QObject {
  Q_OBJECT
 private slots:
  void rfc3720Vectors_data() {
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<quint32>("expected");
    std::string ascending, descending;
    for (int i = 0; i < 32; ++i) {
      ascending.push_back(static_cast<char>(i));
      descending.push_back(static_cast<char>(31 - i));
    }
    QTest::newRow("32 zero bytes") << QByteArray(32, '\0') << quint32(0x8a9136aa);
    QTest::newRow("32 0xff bytes") << QByteArray(32, '\xff') << quint32(0x62a8ab43);
    QTest::newRow("32 ascending bytes") << QByteArray::fromStdString(ascending) << quint32(0x46dd794e);
    QTest::newRow("32 descending bytes") << QByteArray::fromStdString(descending) << quint32(0x113fdb5c);
    QTest::newRow("iSCSI read command") << QByteArray::fromStdString(iscsiReadCommand()) << quint32(0xd9963a56);
    QTest::newRow("123456789") << QByteArray("123456789") << quint32(0xe3069283);
    QTest::newRow("empty") << QByteArray() << quint32(0);
  }
  void rfc3720Vectors() {
    QFETCH(QByteArray, input);
    QFETCH(quint32, expected);
    const std::string s = input.toStdString();
    QCOMPARE(portable(s), expected);
    QCOMPARE(dispatched(s), expected);
  }

  void hardwareAndPortablePathsAgreeOnRandomDataAtEveryAlignment() {
    qInfo("hardware accelerated: %s", crc32c::hardwareAccelerated() ? "yes" : "no");
    Random rng(42);
    std::string buf(4096 + 16, '\0');
    for (char& c : buf) c = static_cast<char>(rng.next());
    for (std::size_t start = 0; start < 16; ++start) {
      for (std::size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 65u, 1000u, 4096u}) {
        QCOMPARE(crc32c::value(buf.data() + start, len),
                 crc32c::extendPortable(0, buf.data() + start, len));
      }
    }
  }

  void extendingInPiecesEqualsOneCall() {
    const std::string s = "The quick brown fox jumps over the lazy dog, several times over.";
    const std::uint32_t whole = crc32c::value(s);
    for (std::size_t cut = 0; cut <= s.size(); ++cut) {
      const std::uint32_t a = crc32c::value(s.data(), cut);
      QCOMPARE(crc32c::extend(a, s.data() + cut, s.size() - cut), whole);
      QCOMPARE(crc32c::extendPortable(crc32c::extendPortable(0, s.data(), cut), s.data() + cut,
                                      s.size() - cut),
               whole);
    }
  }

  void maskIsReversibleAndChangesTheValue() {
    Random rng(7);
    for (int i = 0; i < 1000; ++i) {
      const auto crc = static_cast<std::uint32_t>(rng.next());
      QCOMPARE(crc32c::unmask(crc32c::mask(crc)), crc);
      QVERIFY(crc32c::mask(crc) != crc);
    }
  }
};

QTEST_APPLESS_MAIN(Crc32cTest)
#include "test_crc32c.moc"
