#pragma once
// A reader for the small part of YAML that the deployment manifests in packaging/ are written
// in, so that tests can check them without a YAML library: block mappings, block sequences
// (also "- key: value" items and sequences at their key's indentation), plain, 'single' and
// "double" quoted scalars, `|` literal block scalars, comments, and `---` between documents.
// Anything else (flow collections, anchors and aliases, tags, folded or multi-line plain
// scalars, tabs in indentation, duplicate keys) is an error naming the line, never a guess:
// if a manifest grows past this subset, the test says so instead of checking something else.
#include <QString>
#include <QStringList>
#include <vector>

namespace qlab::test {

struct YamlNode {
  enum class Kind { Null, Scalar, Map, Seq };
  Kind kind = Kind::Null;
  QString scalar;        // Scalar: the text, quotes and escapes resolved
  QStringList keys;      // Map: keys in file order
  std::vector<YamlNode> items;  // Map: values, parallel to keys; Seq: the items
  int line = 0;          // 1-based line it starts on

  bool isMap() const { return kind == Kind::Map; }
  bool isSeq() const { return kind == Kind::Seq; }
  bool isScalar() const { return kind == Kind::Scalar; }
  // Map lookup; nullptr when absent or when this is not a map.
  const YamlNode* get(const QString& key) const;
  // Follows a path of map keys ("spec/template/spec"); nullptr when any step is missing.
  // A key that itself holds a slash (a label such as app.kubernetes.io/name) needs get().
  const YamlNode* at(const QString& path) const;
  // The scalar text at a path, or an empty string.
  QString text(const QString& path) const;
};

// Parses every document of `text`. On error returns false and sets *error to
// "line N: what is wrong".
bool parseYaml(const QString& text, std::vector<YamlNode>* documents, QString* error);

}  // namespace qlab::test
