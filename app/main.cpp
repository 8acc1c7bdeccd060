// quorumlab: one binary, several subcommands (docs/cli-tools.md). Without a subcommand, or with
// options only, it starts the GUI.
#include <cstdio>
#include <cstring>
#include <string>

#include "app/commands.h"

namespace {

const char* kUsage = R"(quorumlab - teach log replication by running it for real

usage:
  quorumlab [gui] [--nodes N] [--data DIR] [--scenario FILE] [--lesson NAME]
  quorumlab gui --open RUN.qlabrun
  quorumlab run --scenario FILE [--nodes N] [--data DIR] [--export DIR] [--record RUN.qlabrun]
                [--seed S] [--json] [--export-format shiviz,jepsen,jepsen-json,porcupine,perfetto|all]
                [--processes]
  quorumlab export --run RUN.qlabrun [--at MS] --dir DIR [--export-format LIST] [--json]
  quorumlab dump DIR [--format jsonl|csv] [--from INDEX] [--to INDEX]
  quorumlab verify DIR [--json]
  quorumlab bench wal [--policy always|group|delayed] [--record-bytes B] [--writers K]
                      [--seconds S] [--dir D] [--paired-raw] [--json]
  quorumlab bench recovery [--bytes N] [--dir D] [--json]
  quorumlab bench cluster [--nodes N] [--policy P] [--clients C] [--seconds S] [--json]
  quorumlab bench memory [--entries N] [--record-bytes B] [--dir D] [--json]
  quorumlab bench group-limit [--writers K] [--record-bytes B] [--seconds S] [--dir D] [--json]
  quorumlab check HISTORY [--json]
  quorumlab node --id N --data DIR --listen HOST:PORT --peers 1=HOST:PORT,... [--control HOST:PORT]
  quorumlab node --config CLUSTER.json --id N
  quorumlab gui --processes | --attach CLUSTER.json
  quorumlab --help | --version

commands:
  gui      open the explorer window on a live cluster (the default)
  run      run a scenario headless; --export writes cluster.json, node logs, history,
           events, summary and segment copies (and, with --export-format, files for
           ShiViz, Jepsen/Elle, Porcupine and Perfetto); --record keeps a recording
  export   export what a recording showed at one moment (--at) into DIR
  node     run one node as its own process (see quorumlab node --help)
  dump     print the entries of one node's log (DIR is its data directory or its wal/)
  verify   check every segment and record of one node's log; never modifies files
  bench    measure the write-ahead log, recovery, a whole cluster or a node's memory
  check    judge a client history (history.jsonl, ours or another system's) for
           linearizability

exit codes: 0 ok, 1 usage or bad input, 2 corruption found (verify), 3 invariant violated (run)
            or not linearizable (check)
)";

}  // namespace

int main(int argc, char** argv) {
  qlab::app::Argv args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!args.empty() && (args[0] == "--version" || args[0] == "-v")) {
    std::printf("quorumlab %s\n", QLAB_VERSION);
    return 0;
  }
  std::string cmd = args.empty() || args[0].rfind("--", 0) == 0 ? "gui" : args[0];
  qlab::app::Argv rest = args;
  if (!args.empty() && args[0] == cmd) rest.erase(rest.begin());
  if (cmd == "gui") return qlab::app::cmdGui(argc, argv, rest);
  if (cmd == "run") return qlab::app::cmdRun(rest);
  if (cmd == "dump") return qlab::app::cmdDump(rest);
  if (cmd == "verify") return qlab::app::cmdVerify(rest);
  if (cmd == "bench") return qlab::app::cmdBench(rest);
  if (cmd == "check") return qlab::app::cmdCheck(rest);
  if (cmd == "export") return qlab::app::cmdExport(rest);
  if (cmd == "node") return qlab::app::cmdNode(rest);
  std::fprintf(stderr, "quorumlab: unknown command '%s' (see quorumlab --help)\n", cmd.c_str());
  return 1;
}
