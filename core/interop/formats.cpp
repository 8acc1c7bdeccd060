#include "core/interop/formats.h"

#include <algorithm>
#include <array>
#include <fstream>

#include "core/interop/writers.h"

namespace qlab::interop {

namespace {

constexpr std::array kFormats{
    InteropFormat{"shiviz", "shiviz.log",
                  "ShiViz space-time diagram: every node event with a vector clock derived from the messages",
                  &writeShiviz},
    InteropFormat{"jepsen", "jepsen-history.edn",
                  "Jepsen history (EDN) for Knossos, Elle or elle-cli: client ops plus nemesis faults",
                  &writeJepsenEdn},
    InteropFormat{"jepsen-json", "jepsen-history.jsonl",
                  "the same Jepsen history as JSON lines, for tools that do not read EDN", &writeJepsenJson},
    InteropFormat{"porcupine", "porcupine.json",
                  "Porcupine operations (ClientId, Input, Call, Output, Return) for its linearizability checker",
                  &writePorcupine},
    InteropFormat{"perfetto", "perfetto-trace.json",
                  "Perfetto / Chrome trace: a track per node, flushes, client requests, message arrows, faults",
                  &writePerfetto},
};

}  // namespace

std::span<const InteropFormat> interopFormats() { return kFormats; }

const InteropFormat* findInteropFormat(std::string_view name) {
  for (const auto& f : kFormats)
    if (f.name == name) return &f;
  return nullptr;
}

std::string interopFormatNames() {
  std::string s;
  for (const auto& f : kFormats) s += (s.empty() ? "" : ", ") + std::string(f.name);
  return s;
}

Result<std::vector<std::string>> parseFormatList(std::string_view list) {
  std::vector<bool> chosen(kFormats.size(), false);
  std::size_t from = 0;
  while (from <= list.size()) {
    std::size_t comma = list.find(',', from);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view name = list.substr(from, comma - from);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name == "all") {
      std::fill(chosen.begin(), chosen.end(), true);
    } else {
      const InteropFormat* f = findInteropFormat(name);
      if (!f)
        return Status::invalidArgument((name.empty() ? std::string("an empty format name")
                                                     : "unknown format '" + std::string(name) + "'") +
                                       "; valid formats: " + interopFormatNames() + ", or all");
      chosen[static_cast<std::size_t>(f - kFormats.data())] = true;
    }
    from = comma + 1;
  }
  std::vector<std::string> names;
  for (std::size_t i = 0; i < kFormats.size(); ++i)
    if (chosen[i]) names.emplace_back(kFormats[i].name);
  return names;
}

Status writeInteropFormats(const InteropRun& run, const std::string& dir, const std::vector<std::string>& names,
                           std::vector<std::string>* written) {
  for (const std::string& name : names) {
    const InteropFormat* f = findInteropFormat(name);
    if (!f) return Status::invalidArgument("unknown format '" + name + "'; valid formats: " + interopFormatNames());
    const std::string path = dir + "/" + std::string(f->fileName);
    std::ofstream out(path, std::ios::out | std::ios::trunc | std::ios::binary);
    if (!out) return Status::ioError("cannot write " + path + "; check the export directory is writable");
    QLAB_RETURN_IF_ERROR(f->write(run, out).withContext("writing " + path));
    out.close();
    if (!out) return Status::ioError("cannot write " + path + "; is the disk full?");
    if (written) written->push_back(path);
  }
  return Status::ok();
}

Status writeInteropFormats(const std::string& exportDir, const std::vector<std::string>& names,
                           std::vector<std::string>* written) {
  if (names.empty()) return Status::ok();
  auto run = readExportDir(exportDir);
  if (!run.isOk()) return run.status();
  return writeInteropFormats(*run, exportDir, names, written);
}

}  // namespace qlab::interop
