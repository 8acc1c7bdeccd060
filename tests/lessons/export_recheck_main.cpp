// export_recheck DIR: recomputes an export's lost acknowledged writes from its files alone and
// compares them with its summary.json. Exit 0 agree, 1 disagree (each problem on a line).
#include <cstdio>

#include <QCoreApplication>

#include "export_recheck.h"

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: export_recheck EXPORT_DIR\n");
    return 2;
  }
  const qlab::testing::Recheck r = qlab::testing::recheckExport(QString::fromLocal8Bit(argv[1]));
  std::printf("reference node %d: %d acknowledged writes, %d lost, %d below its log, %d entries not yet durable\n",
              r.reference, r.ackedWrites, r.lost, r.unjudged, r.notDurableEntries);
  for (const auto& p : r.problems) std::printf("problem: %s\n", qPrintable(p));
  return r.problems.isEmpty() ? 0 : 1;
}
