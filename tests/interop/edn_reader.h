#pragma once
// A small EDN reader for the tests, written from the EDN rules and sharing nothing with the
// writer: maps, vectors, lists, keywords, symbols (nil, true, false), strings with escapes,
// integers. Commas are white space. Enough to read a Jepsen history line back.
#include <QString>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace qlab::testing {

struct Edn {
  enum class Kind { kNil, kBool, kInt, kString, kKeyword, kSymbol, kVector, kList, kMap } kind = Kind::kNil;
  bool boolean = false;
  long long integer = 0;
  QString text;  // string contents, keyword or symbol name (without ':')
  std::vector<Edn> items;                      // vector, list
  std::vector<std::pair<Edn, Edn>> entries;    // map, in order

  bool isKeyword(const char* name) const { return kind == Kind::kKeyword && text == QLatin1String(name); }
  // The value of keyword key `name` in a map, or nullptr.
  const Edn* get(const char* name) const;
};

// Parses exactly one value (surrounding white space allowed); on error returns nullopt and
// sets `error` to what and where.
std::optional<Edn> readEdn(const QString& text, QString* error);

}  // namespace qlab::testing
