// JsonWriter: everything it writes parses, whatever bytes a key or value holds.
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include "core/common/json_writer.h"
#include "core/common/random.h"

using namespace qlab;

class JsonWriterTest : public QObject {
  Q_OBJECT
 private slots:
  void objectsArraysAndScalarsNestCorrectly() {
    JsonWriter w;
    w.beginObject();
    w.key("a").value(1).key("b").beginArray().value("x").value(true).null().value(2.5).endArray();
    w.key("c").beginObject().key("d").value(std::uint64_t(18446744073709551615ull)).endObject();
    w.endObject();
    QCOMPARE(QString::fromStdString(w.str()),
             QString("{\"a\":1,\"b\":[\"x\",true,null,2.5],\"c\":{\"d\":18446744073709551615}}"));
  }

  void controlCharactersAndQuotesAreEscaped() {
    QCOMPARE(QString::fromStdString(JsonWriter::escape(std::string("a\"b\\c\n\x01", 7))),
             QString("\"a\\\"b\\\\c\\n\\u0001\""));
  }

  void validUtf8PassesThrough() {
    QCOMPARE(JsonWriter::escape("héllo ✓"), std::string("\"héllo ✓\""));
  }

  void arbitraryBytesAlwaysParse() {
    Random rng(3);
    for (int i = 0; i < 2000; ++i) {
      std::string junk(rng.uniform(40), '\0');
      for (auto& c : junk) c = static_cast<char>(rng.next());
      JsonWriter w;
      w.beginObject().key(junk).value(junk).endObject();
      QJsonParseError err;
      QJsonDocument::fromJson(QByteArray::fromStdString(w.str()), &err);
      QVERIFY2(err.error == QJsonParseError::NoError, w.str().c_str());
    }
  }

  void nonFiniteNumbersBecomeNull() {
    JsonWriter w;
    w.beginArray().value(1.0 / 0.0).endArray();
    QCOMPARE(w.str(), std::string("[null]"));
  }
};

QTEST_APPLESS_MAIN(JsonWriterTest)
#include "test_json_writer.moc"
