#pragma once
// The standard export (docs/export-format.md) of a recording as of one moment: what
// `quorumlab export --run FILE --at MS --dir DIR` writes. Every file has the same fields as a
// live export, computed from what the recording holds at that moment:
//   - cluster.json: the node pictures at the moment;
//   - node-<id>.jsonl: every entry each node held (its first to last index), from the
//     recorded entry metadata; `durable` = at or below its durable end then; values are the
//     recorded display values (cut to the length the explorer shows);
//   - history.jsonl: the operations completed by kPictureLagUs before then (node pictures lag
//     their nodes by up to a publish interval); events.jsonl: the events by then;
//   - summary.json: judged on those logs and that history by the same rule as a live export.
// There is no segments/ folder: a recording keeps no WAL bytes.
#include <functional>
#include <string>

#include "core/instruments/exporter.h"
#include "core/recording/run_reader.h"

namespace qlab::recording {

inline constexpr std::int64_t kPictureLagUs = 100'000;

Status exportRunAt(const RunReader& run, std::int64_t tUs, const std::string& dir,
                   const std::function<bool(const cluster::ExportProgress&)>& progress = {});

}  // namespace qlab::recording
