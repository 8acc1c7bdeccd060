#include "ui/view/record_view.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QLabel>
#include <QTextEdit>
#include <QVBoxLayout>

#include "core/kv/command.h"
#include "core/wal/format.h"
#include "ui/view/theme.h"
#include "ui/wal/record_reader.h"

namespace qlab::ui {

namespace {
// Header field ranges (docs/wal-format.md), each with its colour and a name for the legend.
struct Field {
  std::size_t from, to;
  const char* name;
  QColor color;
};

std::vector<Field> fieldsOf(std::size_t payloadBytes) {
  namespace f = wal::format;
  return {
      {f::kCrcOffset, f::kLengthOffset, "checksum", QColor(0xd6, 0x45, 0x3d)},
      {f::kLengthOffset, f::kIndexOffset, "length", QColor(0xe0, 0x8a, 0x1c)},
      {f::kIndexOffset, f::kGenerationOffset, "index", QColor(0x2e, 0x9e, 0x5b)},
      {f::kGenerationOffset, f::kTimestampOffset, "generation", QColor(0x3b, 0x7d, 0xc4)},
      {f::kTimestampOffset, f::kTypeOffset, "timestamp", QColor(0x1f, 0x9e, 0xa8)},
      {f::kTypeOffset, f::kFlagsOffset, "type", QColor(0xa4, 0x63, 0xd6)},
      {f::kFlagsOffset, f::kFlagsOffset + 1, "flags", QColor(0xc0, 0x5a, 0xa8)},
      {f::kFlagsOffset + 1, f::kRecordHeaderBytes, "reserved", QColor(0x8a, 0x8f, 0x98)},
      {f::kRecordHeaderBytes, f::kRecordHeaderBytes + payloadBytes, "payload", QColor()},
      {f::kRecordHeaderBytes + payloadBytes, SIZE_MAX, "padding", QColor(0x8a, 0x8f, 0x98)},
  };
}

QString hexHtml(const std::string& bytes, std::uint64_t baseOffset, std::size_t payloadBytes, const QColor& text) {
  const auto fields = fieldsOf(payloadBytes);
  auto colorAt = [&](std::size_t i) {
    for (const auto& f : fields)
      if (i >= f.from && i < f.to) return f.color.isValid() ? f.color : text;
    return text;
  };
  QString html = QStringLiteral("<pre style=\"margin:0\">");
  for (std::size_t line = 0; line < bytes.size(); line += 16) {
    html += QStringLiteral("<span style=\"color:gray\">%1</span>  ").arg(baseOffset + line, 8, 16, QLatin1Char('0'));
    QString ascii;
    for (std::size_t i = line; i < line + 16; ++i) {
      if (i < bytes.size()) {
        const auto b = static_cast<unsigned char>(bytes[i]);
        html += QStringLiteral("<span style=\"color:%1\">%2</span> ")
                    .arg(colorAt(i).name()).arg(b, 2, 16, QLatin1Char('0'));
        ascii += b >= 32 && b < 127 ? QString(QChar(b)).toHtmlEscaped() : QStringLiteral(".");
      } else {
        html += QStringLiteral("   ");
      }
      if (i == line + 7) html += QLatin1Char(' ');
    }
    html += QStringLiteral(" ") + ascii + QLatin1Char('\n');
  }
  html += QStringLiteral("</pre><p>");
  for (const auto& f : fields)
    if (f.color.isValid())
      html += QStringLiteral("<span style=\"color:%1\">■ %2</span>&nbsp;&nbsp;").arg(f.color.name(), QLatin1String(f.name));
  return html + QStringLiteral("</p>");
}
}  // namespace

RecordView::RecordView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  m_title = new QLabel(this);
  m_title->setWordWrap(true);
  m_fields = new QLabel(this);
  m_fields->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_fields->setWordWrap(true);
  m_checksum = new QLabel(this);
  m_checksum->setWordWrap(true);
  m_hex = new QTextEdit(this);
  m_hex->setReadOnly(true);
  m_hex->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  m_hex->setLineWrapMode(QTextEdit::NoWrap);
  layout->addWidget(m_title);
  layout->addWidget(m_fields);
  layout->addWidget(m_checksum);
  layout->addWidget(m_hex, 1);
  clear();
}

void RecordView::clear() {
  m_index = 0;
  m_title->setText(tr("<i>Select an entry (here or in the log lanes) to see its record on disk.</i>"));
  m_fields->clear();
  m_checksum->clear();
  m_hex->clear();
}

QString RecordView::verdict() const { return m_checksum->text(); }
QString RecordView::hexText() const { return m_hex->toPlainText(); }
QString RecordView::fieldsText() const { return m_fields->text(); }

void RecordView::showRecord(const node::NodeView& v, const std::string& nodeDir, Index index) {
  clear();
  m_index = index;
  m_title->setText(tr("<b>Node %1, index %2</b>").arg(v.id).arg(index));
  const node::SegmentView* seg = nullptr;
  for (const auto& s : v.segments)
    if (s.firstIndex <= index && index <= s.lastIndex) seg = &s;
  if (!seg) {
    m_checksum->setText(tr("Index %1 is not in any segment of node %2 any more (deleted below the LWM, "
                           "or cut).").arg(index).arg(v.id));
    return;
  }
  const std::string path = nodeDir + "/wal/" + seg->file;
  auto r = readRecordBytes(path, index);
  if (!r) {
    if (index > v.durableEnd)
      m_checksum->setText(tr("Index %1 is buffered in memory, not yet written to %2: a kill now loses it. "
                             "Press Flush now and select it again to see its bytes.")
                              .arg(index).arg(QString::fromStdString(seg->file)));
    else
      m_checksum->setText(tr("Could not read it: %1").arg(QString::fromStdString(r.status().message())));
    return;
  }
  showBytes(r.value(), v);
}

void RecordView::showBytes(const RecordBytes& r, const node::NodeView& v) {
  const Theme t = Theme::forPalette(palette());
  const wal::DecodedRecord& d = r.decoded;
  m_title->setText(tr("<b>Node %1, index %2</b> in %3 at byte %4 (%5 bytes)")
                       .arg(v.id).arg(d.entry.index ? d.entry.index : m_index)
                       .arg(QString::fromStdString(r.file.substr(r.file.rfind('/') + 1)))
                       .arg(r.offset).arg(r.bytes.size()));
  if (d.outcome == wal::DecodeOutcome::kOk) {
    const Entry& e = d.entry;
    QString fields = tr("generation <b>%1</b> · type <b>%2</b> · flags %3 · written %4 · payload %5 bytes")
                         .arg(e.generation).arg(QString::fromLatin1(entryTypeName(e.type))).arg(e.flags)
                         .arg(QDateTime::fromMSecsSinceEpoch(e.timestampMs).toString(QStringLiteral("HH:mm:ss.zzz")))
                         .arg(e.payload.size());
    if (e.type == EntryType::kData) {
      if (auto c = kv::decodeCommand(e.payload); c.isOk())
        fields += tr("<br>client %1, request %2: <b>%3</b> = %4")
                      .arg(c->client).arg(c->seq)
                      .arg(QString::fromStdString(c->key).toHtmlEscaped(), QString::fromStdString(c->value).toHtmlEscaped());
    }
    m_fields->setText(fields);
  }
  const bool ok = d.outcome == wal::DecodeOutcome::kOk;
  const bool crcOk = d.storedCrc == d.computedCrc;
  QString verdict = tr("CRC32C (masked): stored 0x%1, computed 0x%2: ")
                        .arg(d.storedCrc, 8, 16, QLatin1Char('0')).arg(d.computedCrc, 8, 16, QLatin1Char('0'));
  if (ok && crcOk) verdict += tr("<span style=\"color:%1\"><b>verified ✓</b></span>").arg(t.leader.name());
  else if (!crcOk) verdict += tr("<span style=\"color:%1\"><b>MISMATCH</b></span> (%2)").arg(t.violation.name(), QString::fromStdString(d.detail));
  else verdict += tr("<span style=\"color:%1\"><b>%2</b></span>").arg(t.warning.name(), QString::fromStdString(d.detail));
  m_checksum->setText(verdict);
  const std::size_t payload = ok ? d.entry.payload.size() : 0;
  m_hex->setHtml(hexHtml(r.bytes, r.offset, payload, palette().color(QPalette::Text)));
}

}  // namespace qlab::ui
