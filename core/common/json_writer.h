#pragma once
// JsonWriter: a small streaming JSON writer for the formats Quorum Lab writes (exports,
// `--json` outputs, events.jsonl). Strings are escaped per RFC 8259; bytes that are not
// valid UTF-8 are written as \u00XX escapes of their byte values so output always parses.
//   JsonWriter w; w.beginObject(); w.key("index").value(7); w.endObject(); w.take();
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qlab {

class JsonWriter {
 public:
  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(unsigned v) { return value(static_cast<std::uint64_t>(v)); }
  JsonWriter& value(double v);
  JsonWriter& value(bool v);
  JsonWriter& null();
  // Inserts already-encoded JSON as one value.
  JsonWriter& raw(std::string_view json);

  const std::string& str() const { return m_out; }
  std::string take() { return std::move(m_out); }
  static std::string escape(std::string_view s);

 private:
  void separator();
  std::string m_out;
  std::vector<bool> m_first;  // per open container: no element written yet
  bool m_afterKey = false;
};

}  // namespace qlab
