#pragma once
// An independent reader of an export directory (docs/export-format.md): it recomputes the
// run's lost acknowledged writes from cluster.json, node-<id>.jsonl and history.jsonl alone,
// by the rule the format doc states, and compares them with summary.json. It shares no code
// with the exporter or the summary (only Qt's JSON parser), so the two can disagree.
#include <QString>
#include <QStringList>

namespace qlab::testing {

struct Recheck {
  QStringList problems;      // empty: the export agrees with itself
  int reference = 0;         // the node judged
  int lost = 0;              // lost acknowledged writes recomputed
  int unjudged = 0;
  int ackedWrites = 0;       // ok writes in history.jsonl
  int notDurableEntries = 0; // entries listed with "durable": false, over all nodes
};

Recheck recheckExport(const QString& dir);

}  // namespace qlab::testing
