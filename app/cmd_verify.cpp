// quorumlab verify DIR [--json]: checks every segment and record of one node's log without
// modifying anything (core/wal/log_verifier.h) and says what recovery would do.
//
// Exit codes: 0 when recovery would open the log as it is, including a torn tail at the end
// of the last segment or a half-created last segment (a crash mid-write: recovery cuts or
// removes it, nothing acknowledged as durable is lost); 2 when recovery would refuse it
// (corruption: a damaged sealed segment, damage followed by valid records, a gap, an
// overlap); 1 for usage and bad input (DIR missing or not a WAL directory, unreadable file).
#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "app/args.h"
#include "app/commands.h"
#include "app/wal_dir.h"
#include "core/common/json_writer.h"
#include "core/wal/log_verifier.h"

namespace qlab::app {
namespace {

using wal::LogCheck;
using wal::SegmentCheck;
using wal::SegmentStatus;

std::string verdict(const LogCheck& c) {
  if (c.corrupt) return "CORRUPT: " + c.corruption + "; recovery would refuse to open this log";
  if (c.tornTail) {
    return "clean, with a torn tail at the end of the last segment (a crash mid-write; "
           "recovery cuts it, this is not corruption)";
  }
  return "clean";
}

std::string statusText(const SegmentCheck& s) {
  switch (s.status) {
    case SegmentStatus::kOk: return "ok";
    case SegmentStatus::kTornTail: return "torn tail at byte " + std::to_string(s.problemOffset) + ": " + s.reason;
    case SegmentStatus::kCorrupt: return "CORRUPT at byte " + std::to_string(s.problemOffset) + ": " + s.reason;
    case SegmentStatus::kHalfCreated: return "half-created: " + s.reason;
    default: return std::string(wal::segmentStatusName(s.status)) + ": " + s.reason;
  }
}

void printTable(const LogCheck& c) {
  std::printf("log: %s\n", c.dir.c_str());
  std::vector<std::array<std::string, 5>> rows = {{"file", "first_index", "last_index", "records", "bytes"}};
  for (const SegmentCheck& s : c.segments) {
    rows.push_back({s.fileName, std::to_string(s.firstIndex),
                    s.lastIndex < s.firstIndex ? "-" : std::to_string(s.lastIndex), std::to_string(s.records),
                    std::to_string(s.bytes)});
  }
  std::array<int, 5> width{};
  for (const auto& r : rows) {
    for (std::size_t k = 0; k < r.size(); ++k) width[k] = std::max(width[k], static_cast<int>(r[k].size()));
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    std::printf("%-*s  %*s  %*s  %*s  %*s  %s\n", width[0], r[0].c_str(), width[1], r[1].c_str(), width[2],
                r[2].c_str(), width[3], r[3].c_str(), width[4], r[4].c_str(),
                i == 0 ? "status" : statusText(c.segments[i - 1]).c_str());
  }
  std::printf("%zu segment(s), %llu record(s)", c.segments.size(),
              static_cast<unsigned long long>(c.records));
  if (c.records > 0) {
    std::printf(" (indexes %llu..%llu)", static_cast<unsigned long long>(c.firstIndex),
                static_cast<unsigned long long>(c.lastIndex));
  }
  std::printf(", %llu bytes\n", static_cast<unsigned long long>(c.bytes));
  for (const std::string& n : c.notes) std::printf("note: %s\n", n.c_str());
  std::printf("result: %s\n", verdict(c).c_str());
}

void printJson(const LogCheck& c) {
  JsonWriter w;
  w.beginObject().key("dir").value(c.dir).key("ok").value(!c.corrupt).key("corrupt").value(c.corrupt);
  w.key("torn_tail").value(c.tornTail);
  w.key("segments").beginArray();
  for (const SegmentCheck& s : c.segments) {
    w.beginObject().key("file").value(s.fileName).key("first_index").value(s.firstIndex);
    w.key("last_index").value(s.lastIndex).key("records").value(s.records).key("bytes").value(s.bytes);
    w.key("valid_bytes").value(s.validBytes).key("status").value(wal::segmentStatusName(s.status));
    if (s.status != SegmentStatus::kOk) w.key("offset").value(s.problemOffset).key("reason").value(s.reason);
    w.endObject();
  }
  w.endArray();
  w.key("records").value(c.records).key("bytes").value(c.bytes);
  w.key("first_index").value(c.firstIndex).key("last_index").value(c.lastIndex);
  w.key("corruption");
  if (c.corrupt) {
    for (const SegmentCheck& s : c.segments) {
      if (s.status != SegmentStatus::kCorrupt) continue;
      w.beginObject().key("file").value(s.fileName).key("offset").value(s.problemOffset);
      w.key("reason").value(s.reason).key("message").value(c.corruption).endObject();
      break;
    }
  } else {
    w.null();
  }
  w.key("notes").beginArray();
  for (const std::string& n : c.notes) w.value(n);
  w.endArray().endObject();
  std::printf("%s\n", w.str().c_str());
}

}  // namespace

int cmdVerify(const Argv& argv) {
  Args args("verify", argv, {}, {"json"});
  if (!args.ok()) return usageError("verify", args.error());
  if (args.positionals().size() != 1) {
    return usageError("verify", "expected exactly one DIR (a node's data directory or its wal/ folder)");
  }
  const WalDir dir = resolveWalDir(args.positionals()[0]);
  if (!dir.ok()) return inputError("verify", dir.error);
  Result<LogCheck> check = wal::verifyLog(wal::posixFileSystem(), dir.path);
  if (!check.isOk()) {
    // A file that changed under the scan (a live log truncated) reads as cut short.
    inputError("verify", check.status().message());
    return check.status().code() == Status::Code::kCorruption ? 2 : 1;
  }
  if (args.has("json")) {
    printJson(*check);
  } else {
    printTable(*check);
  }
  if (check->corrupt) {
    std::fflush(stdout);
    std::fprintf(stderr, "quorumlab verify: corruption in %s: %s\n", dir.path.c_str(),
                 check->corruption.c_str());
    return 2;
  }
  return 0;
}

}  // namespace qlab::app
