#pragma once
// Independent checkers for the interop files, written from each format's published rules
// and sharing no code with core/interop's writers. Each returns the problems it found (empty
// = the file obeys the rules) and fills a few counts so the test can tell that the file
// actually contains what the run did.
#include <QByteArray>
#include <QStringList>

namespace qlab::testing {

struct ShivizStats {
  int events = 0;
  int hosts = 0;
  int withForeignKeys = 0;  // events whose clock names another host: a receive linked to its send
};
// ShiViz: header (regex, empty delimiter), event/host/clock pairs matched by the file's own
// regex, each host's own counter 1, 2, 3..., keys only of hosts that log, clocks never
// decreasing on a host, every foreign entry naming a real event whose clock it covers, and
// the happened-before graph acyclic.
QStringList checkShiviz(const QByteArray& text, ShivizStats* stats);

struct HistoryStats {
  int ops = 0;           // lines
  int nemesis = 0;
  int partitions = 0;    // nemesis :f :partition
  int infos = 0;         // client completions with :type :info
  QStringList lines;     // each line normalised, to compare the EDN and JSON versions
};
// Jepsen history, EDN (one map per line) or JSON lines: keys and types, :index 0, 1, 2...,
// :time never decreasing, each process invoke -> one completion with the same :f and key,
// no process used after its :info, nemesis ops only :info.
QStringList checkJepsenEdn(const QByteArray& text, HistoryStats* stats);
QStringList checkJepsenJson(const QByteArray& text, HistoryStats* stats);

struct PorcupineStats {
  int ops = 0;
  int unknown = 0;
};
// Porcupine: an array of {ClientId, Input, Call, Output, Return}, ClientIds 0..n-1, Call <=
// Return, a client's operations one after another, unknown outcomes returning after
// everything else.
QStringList checkPorcupine(const QByteArray& text, PorcupineStats* stats);

struct TraceStats {
  int slices = 0;
  int flows = 0;           // pairs
  int instants = 0;
  QStringList processes;   // process_name values
};
// Chrome / Perfetto JSON trace: {"traceEvents": [...]}, slices ("X", "B"/"E") nested per
// (pid, tid), every flow "s" with exactly one "f" of the same cat and id, not earlier, each
// bound to a slice on its thread; instants with a scope; named processes and threads.
QStringList checkTrace(const QByteArray& text, TraceStats* stats);

}  // namespace qlab::testing
