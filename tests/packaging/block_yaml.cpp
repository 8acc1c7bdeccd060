#include "block_yaml.h"

namespace qlab::test {

const YamlNode* YamlNode::get(const QString& key) const {
  if (kind != Kind::Map) return nullptr;
  const qsizetype i = keys.indexOf(key);
  return i < 0 ? nullptr : &items[static_cast<size_t>(i)];
}

const YamlNode* YamlNode::at(const QString& path) const {
  const YamlNode* n = this;
  for (const QString& key : path.split(QLatin1Char('/'), Qt::SkipEmptyParts)) {
    n = n->get(key);
    if (!n) return nullptr;
  }
  return n;
}

QString YamlNode::text(const QString& path) const {
  const YamlNode* n = at(path);
  return n && n->isScalar() ? n->scalar : QString();
}

namespace {

int indentOf(const QString& line) {
  int i = 0;
  while (i < line.size() && line[i] == QLatin1Char(' ')) ++i;
  return i;
}

bool isDocumentMarker(const QString& line) {
  return line == QLatin1String("---") || line.startsWith(QLatin1String("--- #"));
}

class Parser {
 public:
  explicit Parser(const QString& text) : m_lines(text.split(QLatin1Char('\n'))) {
    for (QString& l : m_lines)
      if (l.endsWith(QLatin1Char('\r'))) l.chop(1);
  }

  bool parse(std::vector<YamlNode>* docs, QString* error) {
    while (m_error.isEmpty()) {
      if (m_pos < m_lines.size() && isDocumentMarker(m_lines[m_pos])) {
        ++m_pos;
        continue;
      }
      int indent = 0;
      if (!nextContent(&indent)) {
        if (m_pos >= m_lines.size()) break;
        continue;  // a document marker: the loop above steps over it
      }
      if (indent != 0) {
        fail(m_pos, QStringLiteral("a document must start in column 1"));
        break;
      }
      YamlNode doc = parseBlock(0);
      if (!m_error.isEmpty()) break;
      if (nextContent(&indent)) {
        fail(m_pos, QStringLiteral("unexpected content at indentation %1").arg(indent));
        break;
      }
      docs->push_back(std::move(doc));
    }
    if (!m_error.isEmpty()) {
      *error = m_error;
      return false;
    }
    return true;
  }

 private:
  QStringList m_lines;
  qsizetype m_pos = 0;
  QString m_error;

  YamlNode fail(qsizetype index, const QString& what) {
    if (m_error.isEmpty())
      m_error = QStringLiteral("line %1: %2 (in: %3)")
                    .arg(index + 1)
                    .arg(what, index < m_lines.size() ? m_lines[index].trimmed() : QString());
    return {};
  }

  // Steps over blank and comment lines to the next line with content. False at the end of
  // the text, at a `---` document marker, or on an error.
  bool nextContent(int* indent) {
    while (m_pos < m_lines.size() && m_error.isEmpty()) {
      const QString& l = m_lines[m_pos];
      const QString t = l.trimmed();
      if (t.isEmpty() || t.startsWith(QLatin1Char('#'))) {
        ++m_pos;
        continue;
      }
      if (isDocumentMarker(l)) return false;
      const int i = indentOf(l);
      if (l.size() > i && l[i] == QLatin1Char('\t')) {
        fail(m_pos, QStringLiteral("a tab in the indentation"));
        return false;
      }
      if (i == 0 && (t.startsWith(QLatin1Char('%')) || t == QLatin1String("..."))) {
        fail(m_pos, QStringLiteral("directives and '...' are outside the subset"));
        return false;
      }
      *indent = i;
      return true;
    }
    return false;
  }

  static bool isSeqItem(const QString& content) {
    return content == QLatin1String("-") || content.startsWith(QLatin1String("- "));
  }

  YamlNode parseBlock(int indent) {
    const QString content = m_lines[m_pos].mid(indent);
    return isSeqItem(content) ? parseSeq(indent) : parseMap(indent);
  }

  // Where `s` has the colon of a "key: value" entry, outside quotes and before a comment;
  // -1 when it is not a mapping entry. A quoted key is returned unquoted in *key.
  qsizetype mapColon(const QString& s, qsizetype line, QString* key) {
    if (s.startsWith(QLatin1Char('"')) || s.startsWith(QLatin1Char('\''))) {
      qsizetype end = 0;
      const QString k = quoted(s, line, &end);
      if (!m_error.isEmpty()) return -1;
      qsizetype i = end;
      while (i < s.size() && s[i] == QLatin1Char(' ')) ++i;
      if (i < s.size() && s[i] == QLatin1Char(':') && (i + 1 == s.size() || s[i + 1] == QLatin1Char(' '))) {
        *key = k;
        return i;
      }
      return -1;
    }
    for (qsizetype i = 0; i < s.size(); ++i) {
      if (s[i] == QLatin1Char('#') && i > 0 && s[i - 1] == QLatin1Char(' ')) return -1;
      if (s[i] == QLatin1Char(':') && (i + 1 == s.size() || s[i + 1] == QLatin1Char(' '))) {
        *key = s.left(i).trimmed();
        return i;
      }
    }
    return -1;
  }

  YamlNode startNode(YamlNode::Kind kind) const {
    YamlNode n;
    n.kind = kind;
    n.line = static_cast<int>(m_pos + 1);
    return n;
  }

  // Moves to the next line of the block at `indent`: false at the end of the block, or on an
  // error (a line indented deeper is one, described by `deeper`).
  bool nextInBlock(int indent, const QString& deeper) {
    int i = 0;
    if (!m_error.isEmpty() || !nextContent(&i) || i < indent) return false;
    if (i > indent) {
      fail(m_pos, deeper);
      return false;
    }
    return true;
  }

  YamlNode parseMap(int indent) {
    YamlNode map = startNode(YamlNode::Kind::Map);
    while (nextInBlock(indent, QStringLiteral("unexpected indentation (a multi-line plain scalar?)"))) {
      const QString content = m_lines[m_pos].mid(indent);
      if (isSeqItem(content)) {
        // A sequence at its key's indentation is taken by that key (parseValue); here it
        // would follow a key that already has a value.
        return fail(m_pos, QStringLiteral("a sequence item where a mapping key was expected"));
      }
      QString key;
      const qsizetype colon = mapColon(content, m_pos, &key);
      if (!m_error.isEmpty()) return {};
      if (colon < 0) return fail(m_pos, QStringLiteral("expected 'key: value'"));
      if (key.isEmpty() || QStringLiteral("[]{}&*!|>%@`?-").contains(key[0]))
        return fail(m_pos, QStringLiteral("a key outside the subset"));
      if (map.keys.contains(key)) return fail(m_pos, QStringLiteral("duplicate key '%1'").arg(key));
      const qsizetype line = m_pos;
      ++m_pos;
      YamlNode value = parseValue(content.mid(colon + 1).trimmed(), line, indent, true);
      if (!m_error.isEmpty()) return {};
      map.keys << key;
      map.items.push_back(std::move(value));
    }
    if (!m_error.isEmpty()) return {};
    return map;
  }

  YamlNode parseSeq(int indent) {
    YamlNode seq = startNode(YamlNode::Kind::Seq);
    while (nextInBlock(indent, QStringLiteral("unexpected indentation in a sequence"))) {
      const QString content = m_lines[m_pos].mid(indent);
      if (!isSeqItem(content)) break;  // the next key of the mapping that holds this sequence
      int gap = 1;
      while (gap < content.size() && content[gap] == QLatin1Char(' ')) ++gap;
      const QString rest = content.mid(gap).trimmed();
      QString key;
      if (!rest.isEmpty() && (isSeqItem(rest) || mapColon(rest, m_pos, &key) >= 0)) {
        // "- key: value" or "- - item": the item is a block that starts in this line's
        // column after the dash. Blank the dash out and read it as such a block.
        m_lines[m_pos][indent] = QLatin1Char(' ');
        seq.items.push_back(parseBlock(indent + gap));
        continue;
      }
      if (!m_error.isEmpty()) return {};
      const qsizetype line = m_pos;
      ++m_pos;
      seq.items.push_back(parseValue(rest, line, indent, false));
    }
    if (!m_error.isEmpty()) return {};
    return seq;
  }

  // The value after "key:" or "- " on line `line`; `parent` is the indentation of that key
  // or dash. `sameIndentSeq`: a key's value may be a sequence at the key's own indentation.
  YamlNode parseValue(QString rest, qsizetype line, int parent, bool sameIndentSeq) {
    if (rest.startsWith(QLatin1Char('#'))) rest.clear();
    if (rest.isEmpty()) {
      int i = 0;
      if (nextContent(&i)) {
        if (i > parent) return parseBlock(i);
        if (sameIndentSeq && i == parent && isSeqItem(m_lines[m_pos].mid(i))) return parseSeq(i);
      }
      if (!m_error.isEmpty()) return {};
      YamlNode null;
      null.line = static_cast<int>(line + 1);
      return null;
    }
    if (rest.startsWith(QLatin1Char('|'))) return blockScalar(rest, line, parent);
    return scalar(rest, line);
  }

  // A `|` literal block: its lines as they are, less the indentation of the first one.
  YamlNode blockScalar(const QString& header, qsizetype line, int parent) {
    QString h = header;
    const qsizetype hash = h.indexOf(QStringLiteral(" #"));
    if (hash >= 0) h = h.left(hash);
    h = h.trimmed();
    if (h != QLatin1String("|") && h != QLatin1String("|-") && h != QLatin1String("|+"))
      return fail(line, QStringLiteral("only '|', '|-' and '|+' block scalars are in the subset"));
    QStringList body;
    int blockIndent = -1;
    while (m_pos < m_lines.size()) {
      const QString& l = m_lines[m_pos];
      if (l.trimmed().isEmpty()) {
        body << QString();
        ++m_pos;
        continue;
      }
      const int i = indentOf(l);
      if (l.size() > i && l[i] == QLatin1Char('\t') && i <= parent)
        return fail(m_pos, QStringLiteral("a tab in the indentation"));
      if (blockIndent < 0) {
        if (i <= parent) break;
        blockIndent = i;
      }
      if (i < blockIndent) break;
      body << l.mid(blockIndent);
      ++m_pos;
    }
    // Trailing blank lines belong to the chomping, not to the text; give back what follows.
    int trailing = 0;
    while (!body.isEmpty() && body.last().isEmpty()) {
      body.removeLast();
      ++trailing;
    }
    YamlNode n;
    n.kind = YamlNode::Kind::Scalar;
    n.line = static_cast<int>(line + 1);
    n.scalar = body.join(QLatin1Char('\n'));
    if (!body.isEmpty() && h != QLatin1String("|-")) n.scalar += QLatin1Char('\n');
    if (h == QLatin1String("|+")) n.scalar += QString(trailing, QLatin1Char('\n'));
    return n;
  }

  // A quoted scalar at the start of `s`; *end is the index just past the closing quote.
  QString quoted(const QString& s, qsizetype line, qsizetype* end) {
    const QChar q = s[0];
    QString out;
    for (qsizetype i = 1; i < s.size(); ++i) {
      const QChar c = s[i];
      if (q == QLatin1Char('\'') && c == QLatin1Char('\'')) {
        if (i + 1 < s.size() && s[i + 1] == QLatin1Char('\'')) {
          out += c;
          ++i;
          continue;
        }
        *end = i + 1;
        return out;
      }
      if (q == QLatin1Char('"') && c == QLatin1Char('"')) {
        *end = i + 1;
        return out;
      }
      if (q == QLatin1Char('"') && c == QLatin1Char('\\')) {
        if (i + 1 >= s.size()) break;
        const QChar e = s[++i];
        if (e == QLatin1Char('n')) out += QLatin1Char('\n');
        else if (e == QLatin1Char('t')) out += QLatin1Char('\t');
        else if (e == QLatin1Char('"') || e == QLatin1Char('\\') || e == QLatin1Char('/')) out += e;
        else {
          fail(line, QStringLiteral("escape \\%1 is outside the subset").arg(e));
          return {};
        }
        continue;
      }
      out += c;
    }
    fail(line, QStringLiteral("a quoted scalar must end on its line"));
    return {};
  }

  YamlNode scalar(const QString& s, qsizetype line) {
    YamlNode n;
    n.kind = YamlNode::Kind::Scalar;
    n.line = static_cast<int>(line + 1);
    if (s.startsWith(QLatin1Char('"')) || s.startsWith(QLatin1Char('\''))) {
      qsizetype end = 0;
      n.scalar = quoted(s, line, &end);
      if (!m_error.isEmpty()) return {};
      const QString after = s.mid(end).trimmed();
      if (!after.isEmpty() && !after.startsWith(QLatin1Char('#')))
        return fail(line, QStringLiteral("text after a quoted scalar"));
      return n;
    }
    QString v = s;
    const qsizetype hash = v.indexOf(QStringLiteral(" #"));
    if (hash >= 0) v = v.left(hash);
    v = v.trimmed();
    if (QStringLiteral("[]{}&*!>%@`,").contains(v[0]))
      return fail(line, QStringLiteral("flow collections, anchors, aliases, tags and folded scalars are outside the subset"));
    if (v.startsWith(QLatin1String("? ")) || v.startsWith(QLatin1String("- ")) || v == QLatin1String("-"))
      return fail(line, QStringLiteral("a value that YAML would not read as a plain scalar"));
    if (v.contains(QLatin1String(": ")) || v.endsWith(QLatin1Char(':')))
      return fail(line, QStringLiteral("': ' inside a plain scalar (quote it)"));
    n.scalar = v;
    return n;
  }
};

}  // namespace

bool parseYaml(const QString& text, std::vector<YamlNode>* documents, QString* error) {
  documents->clear();
  return Parser(text).parse(documents, error);
}

}  // namespace qlab::test
