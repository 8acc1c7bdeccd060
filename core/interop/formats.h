#pragma once
// The interop formats: the one place that lists them. Each has a name (for
// `--export-format` and the GUI), the file it writes into an export directory, one line that
// says what it is for, and a writer from plain values (InteropRun). A new format is one more
// row in formats.cpp and its writer (writers.h).
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/status.h"
#include "core/interop/interop_run.h"

namespace qlab::interop {

using FormatWriter = Status (*)(const InteropRun& run, std::ostream& out);

struct InteropFormat {
  std::string_view name;         // "shiviz"
  std::string_view fileName;     // "shiviz.log", written in the export directory
  std::string_view explanation;  // one line for the GUI and --help
  FormatWriter write;
};

std::span<const InteropFormat> interopFormats();
const InteropFormat* findInteropFormat(std::string_view name);
// "shiviz, jepsen, ..." for messages.
std::string interopFormatNames();
// "shiviz,perfetto" or "all" -> names in registry order, each once; an unknown or empty name
// is an error that lists the valid ones.
Result<std::vector<std::string>> parseFormatList(std::string_view list);

// Writes each named format into `dir` (which must exist). `written` gets the paths.
Status writeInteropFormats(const InteropRun& run, const std::string& dir, const std::vector<std::string>& names,
                           std::vector<std::string>* written = nullptr);
// The same from an export directory's cluster.json, events.jsonl and history.jsonl: what
// `run --export-format` and File > Export call once the standard export is written.
Status writeInteropFormats(const std::string& exportDir, const std::vector<std::string>& names,
                           std::vector<std::string>* written = nullptr);

}  // namespace qlab::interop
