#include "edn_reader.h"

namespace qlab::testing {

const Edn* Edn::get(const char* name) const {
  for (const auto& [k, v] : entries)
    if (k.isKeyword(name)) return &v;
  return nullptr;
}

namespace {

class Reader {
 public:
  explicit Reader(const QString& s) : m_s(s) {}

  std::optional<Edn> value() {
    skipSpace();
    if (m_i >= m_s.size()) return fail("unexpected end");
    const QChar c = m_s[m_i];
    if (c == '{') return collection('}', Edn::Kind::kMap);
    if (c == '[') return collection(']', Edn::Kind::kVector);
    if (c == '(') return collection(')', Edn::Kind::kList);
    if (c == '"') return string();
    if (c == ':') {
      ++m_i;
      Edn e;
      e.kind = Edn::Kind::kKeyword;
      e.text = token();
      if (e.text.isEmpty()) return fail("empty keyword");
      return e;
    }
    if (c.isDigit() || ((c == '-' || c == '+') && m_i + 1 < m_s.size() && m_s[m_i + 1].isDigit())) return number();
    const QString t = token();
    if (t.isEmpty()) return fail(QStringLiteral("unexpected '%1'").arg(c));
    Edn e;
    if (t == "nil") return e;
    if (t == "true" || t == "false") {
      e.kind = Edn::Kind::kBool;
      e.boolean = t == "true";
      return e;
    }
    e.kind = Edn::Kind::kSymbol;
    e.text = t;
    return e;
  }
  bool atEnd() {
    skipSpace();
    return m_i >= m_s.size();
  }
  QString error() const { return m_error; }

 private:
  std::optional<Edn> fail(const QString& what) {
    if (m_error.isEmpty()) m_error = QStringLiteral("%1 at column %2").arg(what).arg(m_i + 1);
    return std::nullopt;
  }
  void skipSpace() {
    while (m_i < m_s.size() && (m_s[m_i].isSpace() || m_s[m_i] == ',')) ++m_i;
  }
  static bool delimiter(QChar c) {
    return c.isSpace() || c == ',' || c == '{' || c == '}' || c == '[' || c == ']' || c == '(' || c == ')' || c == '"';
  }
  QString token() {
    const qsizetype from = m_i;
    while (m_i < m_s.size() && !delimiter(m_s[m_i])) ++m_i;
    return m_s.mid(from, m_i - from);
  }
  std::optional<Edn> number() {
    const QString t = token();
    bool ok = false;
    Edn e;
    e.kind = Edn::Kind::kInt;
    e.integer = t.toLongLong(&ok);
    if (!ok) return fail("bad integer '" + t + "'");
    return e;
  }
  std::optional<Edn> string() {
    ++m_i;  // opening quote
    Edn e;
    e.kind = Edn::Kind::kString;
    while (m_i < m_s.size() && m_s[m_i] != '"') {
      QChar c = m_s[m_i++];
      if (c != '\\') {
        e.text += c;
        continue;
      }
      if (m_i >= m_s.size()) break;
      const QChar x = m_s[m_i++];
      if (x == 'n') e.text += '\n';
      else if (x == 't') e.text += '\t';
      else if (x == 'r') e.text += '\r';
      else if (x == '"' || x == '\\') e.text += x;
      else if (x == 'u' && m_i + 4 <= m_s.size()) {
        bool ok = false;
        e.text += QChar(m_s.mid(m_i, 4).toUShort(&ok, 16));
        if (!ok) return fail("bad \\u escape");
        m_i += 4;
      } else {
        return fail(QStringLiteral("bad escape \\%1").arg(x));
      }
    }
    if (m_i >= m_s.size()) return fail("unterminated string");
    ++m_i;  // closing quote
    return e;
  }
  std::optional<Edn> collection(QChar close, Edn::Kind kind) {
    ++m_i;
    Edn e;
    e.kind = kind;
    for (;;) {
      skipSpace();
      if (m_i >= m_s.size()) return fail(QStringLiteral("missing '%1'").arg(close));
      if (m_s[m_i] == close) {
        ++m_i;
        return e;
      }
      auto v = value();
      if (!v) return std::nullopt;
      if (kind != Edn::Kind::kMap) {
        e.items.push_back(std::move(*v));
        continue;
      }
      auto w = value();
      if (!w) return fail("a map key without a value");
      e.entries.emplace_back(std::move(*v), std::move(*w));
    }
  }

  const QString& m_s;
  qsizetype m_i = 0;
  QString m_error;
};

}  // namespace

std::optional<Edn> readEdn(const QString& text, QString* error) {
  Reader r(text);
  auto v = r.value();
  if (v && !r.atEnd()) {
    *error = "more after the value";
    return std::nullopt;
  }
  if (!v) *error = r.error();
  return v;
}

}  // namespace qlab::testing
