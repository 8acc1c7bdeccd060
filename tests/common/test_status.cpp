// Status and Result: operating errors as values.
#include <QtTest>

#include "core/common/status.h"

using namespace qlab;

namespace {
Status failsWith(Status s) {
  QLAB_RETURN_IF_ERROR(s);
  return Status::invalidArgument("not reached");
}
}  // namespace

class StatusTest : public QObject {
  Q_OBJECT
 private slots:
  void defaultStatusIsOk() {
    Status s;
    QVERIFY(s.isOk());
    QVERIFY(static_cast<bool>(s));
    QCOMPARE(s.toString(), std::string("ok"));
  }

  void everyCodeHasANameAndKeepsItsMessage() {
    const Status all[] = {Status::invalidArgument("a"), Status::notFound("b"), Status::corruption("c"),
                          Status::ioError("d"),         Status::noSpace("e"),  Status::failed("f"),
                          Status::timeout("g"),         Status::aborted("h"),  Status::unavailable("i")};
    for (const Status& s : all) {
      QVERIFY(!s.isOk());
      QVERIFY(std::string(Status::codeName(s.code())) != "unknown");
      QCOMPARE(s.toString(), std::string(Status::codeName(s.code())) + ": " + s.message());
    }
    QCOMPARE(Status::corruption("x").toString(), std::string("corruption: x"));
  }

  void withContextPrefixesTheMessageAndKeepsTheCode() {
    Status s = Status::noSpace("disk full").withContext("flushing node-2");
    QCOMPARE(s.code(), Status::Code::kNoSpace);
    QCOMPARE(s.message(), std::string("flushing node-2: disk full"));
    QVERIFY(Status::ok().withContext("x").isOk());
  }

  void returnIfErrorPropagatesTheFirstError() {
    QCOMPARE(failsWith(Status::timeout("t")).code(), Status::Code::kTimeout);
    QCOMPARE(failsWith(Status::ok()).code(), Status::Code::kInvalidArgument);
  }

  void resultHoldsAValueOrAnError() {
    Result<int> v(5);
    QVERIFY(v.isOk());
    QCOMPARE(*v, 5);
    QVERIFY(v.status().isOk());
    Result<int> e(Status::notFound("gone"));
    QVERIFY(!e.isOk());
    QCOMPARE(e.status().code(), Status::Code::kNotFound);
    Result<std::string> s(std::string("abc"));
    QCOMPARE(s->size(), std::size_t{3});
    QCOMPARE(std::move(s).value(), std::string("abc"));
  }
};

QTEST_APPLESS_MAIN(StatusTest)
#include "test_status.moc"
