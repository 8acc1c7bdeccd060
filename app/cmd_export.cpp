// quorumlab export --run FILE [--at MS] --dir DIR [--export-format F,...] [--json]: the
// standard export of a saved run (.qlabrun) as of MS milliseconds into it, plus any interop
// formats (docs/cli-tools.md, docs/interop.md). Exit 0 ok, 1 bad input (the file is named).
#include <QCoreApplication>

#include "app/args.h"
#include "app/commands.h"
#include "core/interop/formats.h"
#include "core/recording/run_export.h"

namespace qlab::app {

int cmdExport(const Argv& argv) {
  Args args("export", argv, {"run", "at", "dir", "export-format"}, {"json"});
  if (!args.ok()) return usageError("export", args.error());
  std::vector<std::string> formats;
  if (auto list = args.value("export-format")) {
    auto parsed = interop::parseFormatList(*list);
    if (!parsed.isOk()) return usageError("export", "--export-format: " + parsed.status().message());
    formats = std::move(parsed.value());
  }
  if (!args.positionals().empty()) return usageError("export", "unexpected argument '" + args.positionals()[0] + "'");
  const auto file = args.value("run");
  const auto dir = args.value("dir");
  if (!file || !dir) return usageError("export", "--run FILE and --dir DIR are required");
  auto run = recording::RunReader::open(*file);
  if (!run) return inputError("export", run.status().message());
  const std::int64_t lengthMs = ((*run)->endUs() - (*run)->startUs()) / 1000;
  const long long atMs = args.integer("at", lengthMs, 0, lengthMs);
  if (!args.ok())
    return inputError("export", args.error() + " (" + *file + " is " + std::to_string(lengthMs) + " ms long)");
  if (!(*run)->damage().empty()) std::fprintf(stderr, "quorumlab export: warning: %s\n", (*run)->damage().c_str());
  const bool json = args.has("json");
  const Status s = recording::exportRunAt(**run, (*run)->startUs() + atMs * 1000, *dir, [&](const cluster::ExportProgress& p) {
    if (!json) std::fprintf(stderr, "exporting %s (%d/%d)\n", p.what.c_str(), p.done + 1, p.total);
    return true;
  });
  if (!s.isOk()) return inputError("export", s.message());
  if (!formats.empty()) {
    std::vector<std::string> written;
    if (Status f = interop::writeInteropFormats(*dir, formats, &written); !f.isOk())
      return inputError("export", f.message());
    if (!json)
      for (const auto& w : written) std::fprintf(stderr, "wrote %s\n", w.c_str());
  }
  if (!json) std::printf("exported %s at %lld ms to %s\n", file->c_str(), atMs, dir->c_str());
  else std::printf("{\"run\":\"%s\",\"at_ms\":%lld,\"dir\":\"%s\"}\n", file->c_str(), atMs, dir->c_str());
  return 0;
}

}  // namespace qlab::app
