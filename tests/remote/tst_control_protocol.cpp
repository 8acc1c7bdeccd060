// The control protocol codec (core/remote/control_protocol.h), pure: every body round trips,
// and the decoders refuse what they must (truncation at every length, trailing bytes where a
// body has a fixed end, unknown kinds, reply codes out of range, counts past the input).
#include <QtTest>

#include <functional>
#include <limits>

#include "core/common/coding.h"
#include "core/remote/control_protocol.h"

using namespace qlab;
using namespace qlab::remote;

namespace {

using Accepts = std::function<bool(std::string_view)>;

// The first proper prefix of `encoded` the decoder accepts, or -1 when it refuses them all.
long firstAcceptedPrefix(const std::string& encoded, const Accepts& accepts) {
  for (std::size_t n = 0; n < encoded.size(); ++n)
    if (accepts(std::string_view(encoded).substr(0, n))) return static_cast<long>(n);
  return -1;
}

// A decoder as an Accepts: it decodes into scratch outputs and says whether it accepted.
template <typename Out>
Accepts into(bool (*decode)(std::string_view, Out*)) {
  return [decode](std::string_view b) {
    Out out{};
    return decode(b, &out);
  };
}
template <typename A, typename B>
Accepts into(bool (*decode)(std::string_view, A*, B*)) {
  return [decode](std::string_view b) {
    A a{};
    B c{};
    return decode(b, &a, &c);
  };
}
const Accepts requestDecoder = into(&decodeRequest);
const Accepts replyDecoder = into(&decodeReply);
const Accepts entriesDecoder = into(&decodeEntries);
const Accepts fullEntriesDecoder = into(&decodeFullEntries);
const Accepts extentDecoder = into(&decodeExtent);
const Accepts appliedDecoder = into(&decodeApplied);
const Accepts stateReplacedDecoder = into(&decodeStateReplaced);

node::EntryView entryView(Index i, std::string key) {
  node::EntryView e;
  e.index = i;
  e.generation = 3;
  e.type = EntryType::kData;
  e.timestampMs = 1'700'000'000'000 + static_cast<std::int64_t>(i);
  e.client = 42;
  e.seq = i * 2;
  e.key = std::move(key);
  e.value = "v" + std::to_string(i);
  e.payloadBytes = 17;
  e.duplicate = i % 2 == 0;
  return e;
}

Entry fullEntry(Index i, EntryType type, std::string payload) {
  Entry e;
  e.index = i;
  e.generation = 7;
  e.type = type;
  e.flags = static_cast<std::uint8_t>(i);
  e.timestampMs = -5 + static_cast<std::int64_t>(i);
  e.payload = std::move(payload);
  return e;
}

const std::vector<Status>& everyStatus() {
  static const std::vector<Status> all = {
      Status::ok(),           Status::invalidArgument("a"), Status::notFound("b"), Status::corruption("c"),
      Status::ioError("d"),   Status::noSpace("e"),         Status::failed("f"),   Status::timeout("g"),
      Status::aborted("h"),   Status::unavailable("i")};
  return all;
}

}  // namespace

class ControlProtocolTest : public QObject {
  Q_OBJECT

 private slots:
  void helloRoundTripsAndRefusesMalformedInput() {
    const ControlHello h{"quorumlab-test", "0123456789abcdef-token"};
    auto back = decodeControlHello(encodeControlHello(h));
    QVERIFY2(back.isOk(), back.status().toString().c_str());
    QCOMPARE(back->cluster, h.cluster);
    QCOMPARE(back->token, h.token);

    QVERIFY(!decodeControlHello("").isOk());
    QVERIFY(!decodeControlHello("not json").isOk());
    QVERIFY(!decodeControlHello(R"(["cluster","token"])").isOk());
    QVERIFY(!decodeControlHello(R"({"cluster":"c"})").isOk());
    QVERIFY(!decodeControlHello(R"({"cluster":"c","token":7})").isOk());
    // The longest token is accepted, one byte more is refused.
    QVERIFY(decodeControlHello(encodeControlHello({"c", std::string(kMaxTokenBytes, 't')})).isOk());
    auto tooLong = decodeControlHello(encodeControlHello({"c", std::string(kMaxTokenBytes + 1, 't')}));
    QVERIFY(!tooLong.isOk());
    QCOMPARE(tooLong.status().code(), Status::Code::kInvalidArgument);
    QVERIFY2(tooLong.status().message().find("token") != std::string::npos, tooLong.status().message().c_str());
    QCOMPARE(firstAcceptedPrefix(encodeControlHello(h), [](std::string_view b) {
               return decodeControlHello(b).isOk();
             }),
             -1L);
  }

  void welcomeRoundTripsAndRefusesABadNodeId() {
    auto back = decodeControlWelcome(encodeControlWelcome({9, 4'194'304}));
    QVERIFY(back.isOk());
    QCOMPARE(back->node, NodeId{9});
    QCOMPARE(back->pid, std::int64_t{4'194'304});
    QVERIFY(!decodeControlWelcome(encodeControlWelcome({kNoNode, 1})).isOk());
    QVERIFY(!decodeControlWelcome(R"({"node":10,"pid":1})").isOk());
    QVERIFY(!decodeControlWelcome(R"({"pid":1})").isOk());
    QVERIFY(!decodeControlWelcome("{").isOk());
  }

  void controlPayloadSplitsBackForEveryKind() {
    for (std::uint8_t k = 1; k <= kMaxControlKind; ++k) {
      const std::string body = "body-" + std::to_string(k) + std::string(1, '\0');
      auto m = splitControl(controlPayload(static_cast<ControlKind>(k), body));
      QVERIFY(m.isOk());
      QCOMPARE(static_cast<int>(m->kind), static_cast<int>(k));
      QCOMPARE(std::string(m->body), body);
    }
    auto empty = splitControl(controlPayload(ControlKind::kView, ""));
    QVERIFY(empty.isOk());
    QVERIFY(empty->body.empty());
  }

  void splitControlRefusesAnEmptyFrameAndUnknownKinds() {
    QVERIFY(!splitControl("").isOk());
    for (int k : {0, kMaxControlKind + 1, 0x7f, 0xff}) {
      auto m = splitControl(std::string(1, static_cast<char>(k)) + "x");
      QVERIFY2(!m.isOk(), std::to_string(k).c_str());
      QCOMPARE(m.status().code(), Status::Code::kInvalidArgument);
      QVERIFY2(m.status().message().find(std::to_string(k)) != std::string::npos, m.status().message().c_str());
    }
  }

  void requestRoundTripsAndHasAFixedEnd() {
    const std::uint64_t id = std::numeric_limits<std::uint64_t>::max();
    const std::string json = R"({"op":"read","from":1,"to":9})";
    const std::string enc = encodeRequest(id, json);
    std::uint64_t gotId = 0;
    std::string gotJson;
    QVERIFY(decodeRequest(enc, &gotId, &gotJson));
    QCOMPARE(gotId, id);
    QCOMPARE(gotJson, json);
    QCOMPARE(firstAcceptedPrefix(enc, requestDecoder), -1L);
    QVERIFY(!requestDecoder(enc + "x"));
    // A JSON length larger than what follows.
    std::string lying;
    coding::putFixed64(lying, 1);
    coding::putFixed32(lying, 1000);
    lying += "{}";
    QVERIFY(!requestDecoder(lying));
  }

  void replyRoundTripsEveryStatusCode() {
    std::uint64_t id = 1;
    for (const Status& st : everyStatus()) {
      Reply r;
      r.id = id++ << 40;
      r.status = st;
      r.body = std::string("body\0with zero", 14) + Status::codeName(st.code());
      const std::string enc = encodeReply(r);
      Reply back;
      QVERIFY2(decodeReply(enc, &back), Status::codeName(st.code()));
      QCOMPARE(back.id, r.id);
      QCOMPARE(back.status.code(), st.code());
      QCOMPARE(back.status.message(), st.message());
      QCOMPARE(back.body, r.body);
      QCOMPARE(firstAcceptedPrefix(enc, replyDecoder), -1L);
    }
  }

  void replyRefusesAStatusCodeOutOfRange() {
    Reply r;
    r.id = 5;
    r.status = Status::unavailable("down");
    std::string enc = encodeReply(r);
    QVERIFY(replyDecoder(enc));
    for (int code : {static_cast<int>(Status::Code::kUnavailable) + 1, 0x80, 0xff}) {
      enc[8] = static_cast<char>(code);  // after the u64 id
      QVERIFY2(!replyDecoder(enc), std::to_string(code).c_str());
    }
  }

  void entriesRoundTripAndRefuseCountsPastTheInput() {
    const std::vector<node::EntryView> entries = {entryView(1, "k1"), entryView(2, ""), entryView(3, "key three")};
    const std::string enc = encodeEntries(entries);
    std::vector<node::EntryView> back;
    QVERIFY(decodeEntries(enc, &back));
    QVERIFY(back == entries);
    QVERIFY(decodeEntries(encodeEntries({}), &back));
    QVERIFY(back.empty());
    QCOMPARE(firstAcceptedPrefix(enc, entriesDecoder), -1L);
    QCOMPARE(firstAcceptedPrefix(encodeEntries({}), entriesDecoder), -1L);

    // One entry's bytes, a count of two; a count far beyond the bytes left.
    std::string two = encodeEntries({entries[0]});
    coding::encodeFixed32(two.data(), 2);
    QVERIFY(!entriesDecoder(two));
    std::string huge;
    coding::putFixed32(huge, 0xffffffffu);
    huge += std::string(64, '\0');
    QVERIFY(!entriesDecoder(huge));
  }

  void fullEntriesRoundTripEveryTypeAndRefuseAnUnknownOne() {
    const std::vector<Entry> entries = {fullEntry(10, EntryType::kData, std::string("a\0b", 3)),
                                        fullEntry(11, EntryType::kNoop, ""),
                                        fullEntry(12, EntryType::kConfig, std::string(3000, 'c'))};
    const std::string enc = encodeFullEntries(entries);
    std::vector<Entry> back;
    QVERIFY(decodeFullEntries(enc, &back));
    QVERIFY(back == entries);
    QCOMPARE(firstAcceptedPrefix(enc, fullEntriesDecoder), -1L);

    std::string badType = encodeFullEntries({entries[0]});
    badType[4 + 16] = 9;  // count, index, generation, then the type byte
    QVERIFY(!fullEntriesDecoder(badType));
    std::string huge;
    coding::putFixed32(huge, 1000);
    huge += std::string(100, '\0');
    QVERIFY(!fullEntriesDecoder(huge));
  }

  void extentRoundTripsPresentAndAbsent() {
    const node::LogExtent x{4, 99, 97};
    std::optional<node::LogExtent> back;
    const std::string present = encodeExtent(x);
    QVERIFY(decodeExtent(present, &back));
    QVERIFY(back.has_value());
    QCOMPARE(back->first, x.first);
    QCOMPARE(back->last, x.last);
    QCOMPARE(back->durableEnd, x.durableEnd);
    QCOMPARE(firstAcceptedPrefix(present, extentDecoder), -1L);

    const std::string absent = encodeExtent(std::nullopt);
    back = x;
    QVERIFY(decodeExtent(absent, &back));
    QVERIFY(!back.has_value());
    QCOMPARE(firstAcceptedPrefix(absent, extentDecoder), -1L);

    std::string flag2 = present;
    flag2[0] = 2;
    QVERIFY(!extentDecoder(flag2));
  }

  void appliedRoundTripsAndHasAFixedEnd() {
    for (bool dup : {false, true}) {
      const Entry e = fullEntry(77, EntryType::kData, "set k=v");
      const std::string enc = encodeApplied(e, dup);
      Entry back;
      bool gotDup = !dup;
      QVERIFY(decodeApplied(enc, &back, &gotDup));
      QVERIFY(back == e);
      QCOMPARE(gotDup, dup);
      QCOMPARE(firstAcceptedPrefix(enc, appliedDecoder), -1L);
      QVERIFY(!appliedDecoder(enc + std::string(1, '\0')));
    }
  }

  void stateReplacedRoundTripsAndHasAFixedEnd() {
    const replication::SnapshotMeta m{1234, 8, 1u << 20, 2};
    const std::string enc = encodeStateReplaced(m, 3);
    replication::SnapshotMeta back;
    NodeId from = kNoNode;
    QVERIFY(decodeStateReplaced(enc, &back, &from));
    QVERIFY(back == m);
    QCOMPARE(from, NodeId{3});
    QCOMPARE(firstAcceptedPrefix(enc, stateReplacedDecoder), -1L);
    QVERIFY(!stateReplacedDecoder(enc + "z"));
  }

  void tokensEqualComparesEveryByte() {
    QVERIFY(tokensEqual("correct-horse", "correct-horse"));
    QVERIFY(tokensEqual("", ""));
    QVERIFY(!tokensEqual("", "x"));
    QVERIFY(!tokensEqual("x", ""));
    QVERIFY(!tokensEqual("abcdefgh", "abcdefghi"));
    QVERIFY(!tokensEqual("abcdefghi", "abcdefgh"));
    // A longer one whose extra byte is the zero the shorter one is padded with.
    QVERIFY(!tokensEqual(std::string_view("abc\0", 4), "abc"));
    QVERIFY(!tokensEqual("Xbcdefgh", "abcdefgh"));
    QVERIFY(!tokensEqual("abcdefgX", "abcdefgh"));
    QVERIFY(!tokensEqual(std::string(256, 'a'), std::string(255, 'a') + "b"));
  }
};

QTEST_GUILESS_MAIN(ControlProtocolTest)
#include "tst_control_protocol.moc"
