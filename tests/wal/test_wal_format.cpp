// The record and segment-header format of docs/wal-format.md, byte by byte.
#include "wal_test_util.h"

#include "core/common/coding.h"
#include "core/common/crc32c.h"

using namespace qlab;
using namespace qlab::wal;
using namespace qlab::wal::test;

namespace {

std::string encode(const Entry& e) {
  std::string s;
  encodeRecord(e, s);
  return s;
}

// Re-seals a record after a test edited its header, so only the edited field is wrong.
void fixCrc(std::string& rec) {
  const std::uint32_t len = coding::decodeFixed32(rec.data() + format::kLengthOffset);
  const std::uint32_t crc = crc32c::value(rec.data() + 4, format::kRecordHeaderBytes - 4 + len);
  coding::encodeFixed32(rec.data(), crc32c::mask(crc));
}

}  // namespace

class WalFormatTest : public QObject {
  Q_OBJECT
 private slots:
  void recordRoundTripsEveryField_data() {
    QTest::addColumn<int>("payloadBytes");
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("flags");
    QTest::addColumn<qint64>("timestamp");
    QTest::addColumn<quint64>("index");
    QTest::addColumn<quint64>("generation");
    QTest::newRow("empty data") << 0 << 1 << 0 << qint64(0) << quint64(1) << quint64(0);
    QTest::newRow("1 byte noop") << 1 << 2 << 255 << qint64(-1) << quint64(2) << quint64(1);
    QTest::newRow("7 bytes config") << 7 << 3 << 1 << qint64(1700000000000) << quint64(99) << quint64(7);
    QTest::newRow("8 bytes") << 8 << 1 << 0x80 << qint64(INT64_MIN) << quint64(UINT64_MAX) << quint64(UINT64_MAX);
    QTest::newRow("9 bytes") << 9 << 1 << 0 << qint64(INT64_MAX) << quint64(1u << 31) << quint64(3);
    QTest::newRow("4000 bytes") << 4000 << 1 << 2 << qint64(5) << quint64(123456789) << quint64(42);
  }
  void recordRoundTripsEveryField() {
    QFETCH(int, payloadBytes);
    QFETCH(int, type);
    QFETCH(int, flags);
    QFETCH(qint64, timestamp);
    QFETCH(quint64, index);
    QFETCH(quint64, generation);
    Entry e;
    e.index = index;
    e.generation = generation;
    e.type = static_cast<EntryType>(type);
    e.flags = static_cast<std::uint8_t>(flags);
    e.timestampMs = timestamp;
    e.payload = payloadFor(index, static_cast<std::size_t>(payloadBytes));
    const std::string rec = encode(e);
    QCOMPARE(rec.size(), format::recordBytes(e.payload.size()));
    DecodedRecord d = decodeRecord(rec);
    QCOMPARE(d.outcome, DecodeOutcome::kOk);
    QVERIFY(d.entry == e);
    QCOMPARE(d.bytes, rec.size());
    QCOMPARE(d.storedCrc, d.computedCrc);
  }

  void encodedSizeIsHeaderPlusPayloadPaddedToEight() {
    for (std::size_t n = 0; n < 40; ++n) {
      const std::string rec = encode(entryFor(1, 1, n));
      QCOMPARE(rec.size() % 8, std::size_t{0});
      QVERIFY(rec.size() >= 40 + n && rec.size() < 48 + n);
    }
  }

  void fieldsSitAtTheDocumentedOffsetsInLittleEndian() {
    Entry e = entryFor(0x0102030405060708ull, 0x1112131415161718ull, 5);
    e.type = EntryType::kConfig;
    e.flags = 0xab;
    e.timestampMs = 0x2122232425262728ll;
    const std::string rec = encode(e);
    QCOMPARE(coding::decodeFixed32(rec.data() + 4), 5u);
    QCOMPARE(coding::decodeFixed64(rec.data() + 8), e.index);
    QCOMPARE(coding::decodeFixed64(rec.data() + 16), e.generation);
    QCOMPARE(coding::decodeFixed64(rec.data() + 24), static_cast<std::uint64_t>(e.timestampMs));
    QCOMPARE(static_cast<unsigned char>(rec[32]), static_cast<unsigned char>(3));
    QCOMPARE(static_cast<unsigned char>(rec[33]), static_cast<unsigned char>(0xab));
    for (int i = 34; i < 40; ++i) QCOMPARE(rec[static_cast<std::size_t>(i)], '\0');
    QCOMPARE(rec.substr(40, 5), e.payload);
    for (std::size_t i = 45; i < rec.size(); ++i) QCOMPARE(rec[i], '\0');  // padding
    const std::uint32_t crc = crc32c::value(rec.data() + 4, 36 + 5);
    QCOMPARE(coding::decodeFixed32(rec.data()), crc32c::mask(crc));
  }

  void maxSizedPayloadRoundTrips() {
    Entry e = entryFor(3, 1, 0);
    e.payload.assign(format::kMaxPayloadBytes, 'x');
    const std::string rec = encode(e);
    DecodedRecord d = decodeRecord(rec);
    QCOMPARE(d.outcome, DecodeOutcome::kOk);
    QCOMPARE(d.entry.payload.size(), std::size_t{format::kMaxPayloadBytes});
  }

  void lengthAboveTheMaximumIsABadHeaderWithoutReadingOrAllocating() {
    std::string rec = encode(entryFor(1, 1, 8));
    coding::encodeFixed32(rec.data() + 4, format::kMaxPayloadBytes + 1);
    QCOMPARE(decodeRecord(rec.substr(0, 40)).outcome, DecodeOutcome::kBadHeader);
    coding::encodeFixed32(rec.data() + 4, 0xffffffffu);
    QCOMPARE(decodeRecord(rec).outcome, DecodeOutcome::kBadHeader);
  }

  void aMaximalLengthWithShortInputIsTruncatedNotAnOverread() {
    std::string rec = encode(entryFor(1, 1, 8));
    coding::encodeFixed32(rec.data() + 4, format::kMaxPayloadBytes);
    QCOMPARE(decodeRecord(rec).outcome, DecodeOutcome::kTruncated);
  }

  void unknownTypeIsABadHeader() {
    for (int t : {0, 4, 255}) {
      std::string rec = encode(entryFor(1));
      rec[32] = static_cast<char>(t);
      fixCrc(rec);
      DecodedRecord d = decodeRecord(rec);
      QCOMPARE(d.outcome, DecodeOutcome::kBadHeader);
      QVERIFY(d.detail.find("type") != std::string::npos);
    }
  }

  void nonzeroReservedByteIsABadHeader() {
    for (std::size_t i = 34; i < 40; ++i) {
      std::string rec = encode(entryFor(1));
      rec[i] = 1;
      fixCrc(rec);
      QCOMPARE(decodeRecord(rec).outcome, DecodeOutcome::kBadHeader);
    }
  }

  void nonzeroPaddingIsABadHeader() {
    std::string rec = encode(entryFor(1, 1, 3));  // 5 padding bytes
    rec[rec.size() - 1] = 1;                       // not covered by the CRC
    DecodedRecord d = decodeRecord(rec);
    QCOMPARE(d.outcome, DecodeOutcome::kBadHeader);
    QVERIFY(d.detail.find("padding") != std::string::npos);
  }

  void indexZeroIsABadHeader() {
    std::string rec = encode(entryFor(1));
    coding::encodeFixed64(rec.data() + 8, 0);
    fixCrc(rec);
    QCOMPARE(decodeRecord(rec).outcome, DecodeOutcome::kBadHeader);
  }

  void everyFlippedBitIsDetected() {
    const std::string rec = encode(entryFor(5, 2, 13));
    for (std::size_t byte = 0; byte < rec.size(); ++byte) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string bad = rec;
        bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
        QVERIFY2(decodeRecord(bad).outcome != DecodeOutcome::kOk,
                 qPrintable(QString("byte %1 bit %2").arg(byte).arg(bit)));
      }
    }
  }

  void everyPrefixIsTruncated() {
    const std::string rec = encode(entryFor(5, 2, 30));
    for (std::size_t n = 0; n < rec.size(); ++n) {
      QCOMPARE(decodeRecord(std::string_view(rec).substr(0, n)).outcome, DecodeOutcome::kTruncated);
    }
  }

  void zeroBytesAreNeverARecord() {
    const std::string zeros(4096, '\0');
    QCOMPARE(decodeRecord(zeros).outcome, DecodeOutcome::kBadHeader);
    QVERIFY(!plausibleRecordHeader(zeros));
  }

  void checksumMismatchReportsBothValues() {
    std::string rec = encode(entryFor(9, 1, 16));
    rec[45] = static_cast<char>(rec[45] ^ 0x10);
    DecodedRecord d = decodeRecord(rec);
    QCOMPARE(d.outcome, DecodeOutcome::kBadChecksum);
    QVERIFY(d.storedCrc != d.computedCrc);
  }

  void viewRecordPointsIntoTheInput() {
    const std::string rec = encode(entryFor(4, 1, 10));
    RecordView v = viewRecord(rec);
    QCOMPARE(v.outcome, DecodeOutcome::kOk);
    QCOMPARE(static_cast<const void*>(v.payload.data()), static_cast<const void*>(rec.data() + 40));
    QVERIFY(toEntry(v) == entryFor(4, 1, 10));
  }

  void segmentHeaderRoundTripsAndMatchesTheDocument() {
    const std::string h = encodeSegmentHeader(813);
    QCOMPARE(h.size(), format::kSegmentHeaderBytes);
    QCOMPARE(h.substr(0, 8), std::string("QLABWAL1"));
    QCOMPARE(coding::decodeFixed32(h.data() + 8), format::kVersion);
    QCOMPARE(coding::decodeFixed64(h.data() + 16), 813ull);
    QCOMPARE(coding::decodeFixed32(h.data() + 24), crc32c::mask(crc32c::value(h.data(), 24)));
    Result<Index> r = decodeSegmentHeader(h);
    QLAB_VERIFY_OK(r);
    QCOMPARE(*r, Index{813});
  }

  void badSegmentHeadersAreCorruption_data() {
    QTest::addColumn<int>("byte");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("magic") << 0 << "magic";
    QTest::newRow("version") << 8 << "version";
    QTest::newRow("reserved") << 12 << "reserved";
    QTest::newRow("first index") << 16 << "checksum";
    QTest::newRow("crc") << 24 << "checksum";
    QTest::newRow("reserved tail") << 28 << "reserved";
  }
  void badSegmentHeadersAreCorruption() {
    QFETCH(int, byte);
    QFETCH(QString, mentions);
    std::string h = encodeSegmentHeader(7);
    h[static_cast<std::size_t>(byte)] = static_cast<char>(h[static_cast<std::size_t>(byte)] ^ 0x01);
    if (byte == 8 || byte == 12 || byte == 28) {  // re-seal so the field itself is the problem
      coding::encodeFixed32(h.data() + 24, crc32c::mask(crc32c::value(h.data(), 24)));
    }
    Result<Index> r = decodeSegmentHeader(h);
    QVERIFY(!r.isOk());
    QCOMPARE(r.status().code(), Status::Code::kCorruption);
    QVERIFY2(r.status().message().find(mentions.toStdString()) != std::string::npos,
             r.status().message().c_str());
  }

  void shortSegmentHeaderIsCorruption() {
    const std::string h = encodeSegmentHeader(7);
    for (std::size_t n = 0; n < h.size(); ++n) QVERIFY(!decodeSegmentHeader(h.substr(0, n)).isOk());
  }

  void segmentNamesAreTwentyDigitsAndParseBack() {
    QCOMPARE(segmentFileName(1), std::string("00000000000000000001.wal"));
    QCOMPARE(segmentFileName(UINT64_MAX), std::string("18446744073709551615.wal"));
    for (Index i : {Index{1}, Index{813}, Index{UINT64_MAX}}) {
      Index back = 0;
      QVERIFY(parseSegmentFileName(segmentFileName(i), &back));
      QCOMPARE(back, i);
    }
  }

  void otherNamesAreNotSegments() {
    for (const char* n : {"", "1.wal", "0000000000000000001.wal", "000000000000000000001.wal",
                          "00000000000000000001.wax", "0000000000000000000a.wal",
                          "00000000000000000000.wal", "99999999999999999999.wal",
                          "00000000000000000001.wal.tmp", "meta"}) {
      QVERIFY2(!parseSegmentFileName(n, nullptr), n);
    }
  }
};

QTEST_APPLESS_MAIN(WalFormatTest)
#include "test_wal_format.moc"
