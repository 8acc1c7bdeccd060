#include "core/common/json_writer.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>

namespace qlab {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid.
std::size_t utf8Length(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  if (n == 2 && c < 0xc2) return 0;                          // overlong
  if (n == 3 && c == 0xe0 && b(i + 1) < 0xa0) return 0;      // overlong
  if (n == 3 && c == 0xed && b(i + 1) >= 0xa0) return 0;     // surrogates
  if (n == 4 && (c > 0xf4 || (c == 0xf0 && b(i + 1) < 0x90) || (c == 0xf4 && b(i + 1) >= 0x90))) return 0;
  return n;
}

}  // namespace

std::string JsonWriter::escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      default: break;
    }
    std::size_t n = utf8Length(s, i);
    if (c < 0x20 || n == 0) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  out.push_back('"');
  return out;
}

void JsonWriter::separator() {
  if (m_afterKey) {
    m_afterKey = false;
    return;
  }
  if (!m_first.empty()) {
    if (!m_first.back()) m_out.push_back(',');
    m_first.back() = false;
  }
}

JsonWriter& JsonWriter::beginObject() {
  separator();
  m_out.push_back('{');
  m_first.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::endObject() {
  m_out.push_back('}');
  m_first.pop_back();
  return *this;
}
JsonWriter& JsonWriter::beginArray() {
  separator();
  m_out.push_back('[');
  m_first.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::endArray() {
  m_out.push_back(']');
  m_first.pop_back();
  return *this;
}
JsonWriter& JsonWriter::key(std::string_view k) {
  separator();
  m_out += escape(k);
  m_out.push_back(':');
  m_afterKey = true;
  return *this;
}
JsonWriter& JsonWriter::value(std::string_view s) {
  separator();
  m_out += escape(s);
  return *this;
}
JsonWriter& JsonWriter::value(std::int64_t v) {
  separator();
  m_out += std::to_string(v);
  return *this;
}
JsonWriter& JsonWriter::value(std::uint64_t v) {
  separator();
  m_out += std::to_string(v);
  return *this;
}
JsonWriter& JsonWriter::value(double v) {
  separator();
  if (!std::isfinite(v)) {
    m_out += "null";
    return *this;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  m_out += buf;
  return *this;
}
JsonWriter& JsonWriter::value(bool v) {
  separator();
  m_out += v ? "true" : "false";
  return *this;
}
JsonWriter& JsonWriter::null() {
  separator();
  m_out += "null";
  return *this;
}
JsonWriter& JsonWriter::raw(std::string_view json) {
  separator();
  m_out += json;
  return *this;
}

}  // namespace qlab
