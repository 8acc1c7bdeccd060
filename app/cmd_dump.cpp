// quorumlab dump DIR [--format jsonl|csv] [--from INDEX] [--to INDEX]: prints the entries of
// one node's log in index order, streaming: each record is printed as the read-only verifier
// passes it (core/wal/log_verifier.h), so memory stays at one read block however long the
// log. Segments wholly outside [--from, --to] are not read.
//
// One entry: index, generation, type (data|noop|config), client, seq, key, value,
// timestamp_ms. Data payloads are decoded as kv commands; a payload that is not one (or
// noop/config bytes that mean nothing) comes as payload_hex; a config entry gets its
// write_quorum. A key or value that is not valid UTF-8 is printed as text all the same (JSON:
// bad bytes as \u00XX escapes, core/common/json_writer.h; CSV: as U+FFFD) and the entry
// gets payload_hex too, so nothing is lost.
//
// Exit codes: 0 (a torn tail at the end of the last segment is noted on stderr: recovery cuts
// it); 2 when the scan meets corruption (everything before it was printed); 1 usage or bad
// input.
#include <cstdio>
#include <limits>
#include <string>

#include "app/args.h"
#include "app/commands.h"
#include <QByteArray>
#include <QString>
#include <QStringDecoder>

#include "app/wal_dir.h"
#include "core/common/cluster_config.h"
#include "core/common/entry.h"
#include "core/common/json_writer.h"
#include "core/kv/command.h"
#include "core/wal/log_verifier.h"

namespace qlab::app {
namespace {

bool isValidUtf8(std::string_view s) {
  QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
  const QString decoded = utf8.decode(QByteArrayView(s.data(), static_cast<qsizetype>(s.size())));
  return !utf8.hasError();
}

std::string hexOf(std::string_view bytes) {
  return QByteArray::fromRawData(bytes.data(), static_cast<qsizetype>(bytes.size())).toHex().toStdString();
}

// An entry's fields as dump prints them; absent fields stay empty.
struct DumpRow {
  Index index = 0;
  Generation generation = 0;
  const char* type = "";
  bool hasCommand = false;
  kv::Command command;
  bool hasQuorum = false;
  std::uint32_t writeQuorum = 0;
  std::int64_t timestampMs = 0;
  std::string_view payloadHexOf;  // the payload, when it must be printed as hex
  bool needsHex = false;
};

DumpRow rowFor(const wal::RecordView& r) {
  DumpRow row;
  row.index = r.index;
  row.generation = r.generation;
  row.type = entryTypeName(r.type);
  row.timestampMs = r.timestampMs;
  row.payloadHexOf = r.payload;
  if (r.type == EntryType::kData) {
    Result<kv::Command> c = kv::decodeCommand(r.payload);
    if (c.isOk()) {
      row.hasCommand = true;
      row.command = std::move(c).value();
      row.needsHex = !isValidUtf8(row.command.key) || !isValidUtf8(row.command.value);
    } else {
      row.needsHex = true;
    }
  } else if (r.type == EntryType::kConfig) {
    Result<ClusterConfig> c = decodeClusterConfig(r.payload);
    row.hasQuorum = c.isOk();
    if (c.isOk()) row.writeQuorum = c->writeQuorum;
    row.needsHex = !c.isOk();
  } else {
    row.needsHex = !r.payload.empty();
  }
  return row;
}

void appendJsonl(const DumpRow& row, std::string& out) {
  JsonWriter w;
  w.beginObject().key("index").value(row.index).key("generation").value(row.generation).key("type").value(row.type);
  if (row.hasCommand) {
    w.key("client").value(row.command.client).key("seq").value(row.command.seq);
    w.key("key").value(row.command.key).key("value").value(row.command.value);
  }
  w.key("timestamp_ms").value(row.timestampMs);
  if (row.hasQuorum) w.key("write_quorum").value(row.writeQuorum);
  if (row.needsHex) w.key("payload_hex").value(hexOf(row.payloadHexOf));
  w.endObject();
  out.append(w.str());
  out.push_back('\n');
}

constexpr const char* kCsvHeader =
    "index,generation,type,client,seq,key,value,timestamp_ms,write_quorum,payload_hex\n";

// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
void appendCsvField(std::string& out, std::string_view text) {
  const std::string valid =
      isValidUtf8(text) ? std::string(text) : QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size())).toStdString();
  if (valid.find_first_of(",\"\r\n") == std::string::npos) {
    out.append(valid);
    return;
  }
  out.push_back('"');
  for (char c : valid) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void appendCsv(const DumpRow& row, std::string& out) {
  out.append(std::to_string(row.index)).push_back(',');
  out.append(std::to_string(row.generation)).push_back(',');
  out.append(row.type).push_back(',');
  if (row.hasCommand) {
    out.append(std::to_string(row.command.client)).push_back(',');
    out.append(std::to_string(row.command.seq)).push_back(',');
    appendCsvField(out, row.command.key);
    out.push_back(',');
    appendCsvField(out, row.command.value);
    out.push_back(',');
  } else {
    out.append(",,,,");
  }
  out.append(std::to_string(row.timestampMs)).push_back(',');
  if (row.hasQuorum) out.append(std::to_string(row.writeQuorum));
  out.push_back(',');
  if (row.needsHex) out.append(hexOf(row.payloadHexOf));
  out.push_back('\n');
}

void writeStdout(std::string& out) {
  std::fwrite(out.data(), 1, out.size(), stdout);
  out.clear();
}

}  // namespace

int cmdDump(const Argv& argv) {
  Args args("dump", argv, {"format", "from", "to"}, {});
  const std::string format = args.string("format", "jsonl");
  constexpr long long kMaxIndex = std::numeric_limits<long long>::max();
  const long long from = args.integer("from", 1, 1, kMaxIndex);
  const long long to = args.integer("to", kMaxIndex, 1, kMaxIndex);
  if (args.ok() && format != "jsonl" && format != "csv") {
    args.fail("--format must be jsonl or csv, not '" + format + "'");
  }
  if (args.ok() && from > to) {
    args.fail("--from " + std::to_string(from) + " is after --to " + std::to_string(to));
  }
  if (args.ok() && args.positionals().size() != 1) {
    args.fail("expected exactly one DIR (a node's data directory or its wal/ folder)");
  }
  if (!args.ok()) return usageError("dump", args.error());
  const WalDir dir = resolveWalDir(args.positionals()[0]);
  if (!dir.ok()) return inputError("dump", dir.error);

  const bool csv = format == "csv";
  std::string out;
  if (csv) out.append(kCsvHeader);
  std::uint64_t printed = 0;
  Index lastPrinted = 0;
  wal::VerifyOptions opt;
  opt.fromIndex = static_cast<Index>(from);
  opt.toIndex = static_cast<Index>(to);
  opt.stopAtCorruption = true;
  Result<wal::LogCheck> check = wal::verifyLog(wal::posixFileSystem(), dir.path, opt, [&](const wal::RecordView& r) {
    const DumpRow row = rowFor(r);
    if (csv) {
      appendCsv(row, out);
    } else {
      appendJsonl(row, out);
    }
    if (out.size() >= (64u << 10)) writeStdout(out);
    ++printed;
    lastPrinted = r.index;
    return true;
  });
  writeStdout(out);
  std::fflush(stdout);
  if (!check.isOk()) {
    inputError("dump", check.status().message());
    return check.status().code() == Status::Code::kCorruption ? 2 : 1;
  }
  if (check->corrupt) {
    const std::string upTo = printed > 0 ? "entries up to index " + std::to_string(lastPrinted) + " were printed"
                                         : "no entry was printed";
    std::fprintf(stderr, "quorumlab dump: corruption in %s: %s; %s (quorumlab verify %s reports every segment)\n",
                 dir.path.c_str(), check->corruption.c_str(), upTo.c_str(), args.positionals()[0].c_str());
    return 2;
  }
  for (const wal::SegmentCheck& s : check->segments) {
    if (s.status == wal::SegmentStatus::kTornTail) {
      std::fprintf(stderr, "quorumlab dump: note: %s ends in a torn tail at byte %llu (%s); everything before it was printed\n",
                   s.fileName.c_str(), static_cast<unsigned long long>(s.problemOffset), s.reason.c_str());
    }
  }
  return 0;
}

}  // namespace qlab::app
