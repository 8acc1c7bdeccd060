// Little-endian fixed-width coding and the bounds-checked Reader.
#include <QtTest>

#include "core/common/coding.h"

using namespace qlab;
using namespace qlab::coding;

class CodingTest : public QObject {
  Q_OBJECT
 private slots:
  void fixedWidthValuesAreLittleEndian() {
    std::string s;
    putFixed16(s, 0x0102);
    putFixed32(s, 0x03040506u);
    putFixed64(s, 0x0708090a0b0c0d0eull);
    const std::string want("\x02\x01\x06\x05\x04\x03\x0e\x0d\x0c\x0b\x0a\x09\x08\x07", 14);
    QCOMPARE(s, want);
    QCOMPARE(decodeFixed16(s.data()), std::uint16_t{0x0102});
    QCOMPARE(decodeFixed32(s.data() + 2), 0x03040506u);
    QCOMPARE(decodeFixed64(s.data() + 6), 0x0708090a0b0c0d0eull);
  }

  void extremesRoundTrip() {
    for (std::uint64_t v : {0ull, 1ull, 0xffull, 0x8000000000000000ull, ~0ull}) {
      std::string s;
      putFixed64(s, v);
      QCOMPARE(decodeFixed64(s.data()), v);
    }
  }

  void readerReadsWhatWasPut() {
    std::string s;
    putFixed8(s, 9);
    putFixed16(s, 300);
    putFixed32(s, 70000);
    putFixed64(s, static_cast<std::uint64_t>(-5));
    putBytes(s, "hello");
    Reader r(s);
    QCOMPARE(r.u8(), std::uint8_t{9});
    QCOMPARE(r.u16(), std::uint16_t{300});
    QCOMPARE(r.u32(), 70000u);
    QCOMPARE(r.i64(), std::int64_t{-5});
    QCOMPARE(r.bytes(), std::string_view("hello"));
    QVERIFY(r.ok());
    QVERIFY(r.atEnd());
  }

  void readerPastTheEndFailsAndReturnsZeros() {
    std::string s;
    putFixed16(s, 7);
    Reader r(s);
    QCOMPARE(r.u32(), 0u);
    QVERIFY(!r.ok());
    QCOMPARE(r.u8(), std::uint8_t{0});  // stays failed
    QVERIFY(!r.ok());
  }

  void bytesLongerThanTheInputOrTheLimitFail() {
    std::string s;
    putFixed32(s, 100);  // claims 100 bytes, has none
    Reader r(s);
    QVERIFY(r.bytes().empty());
    QVERIFY(!r.ok());

    std::string t;
    putBytes(t, "abcdef");
    Reader r2(t);
    QVERIFY(r2.bytes(3).empty());
    QVERIFY(!r2.ok());
  }
};

QTEST_APPLESS_MAIN(CodingTest)
#include "test_coding.moc"
