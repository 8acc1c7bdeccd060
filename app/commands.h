#pragma once
// The subcommands of `quorumlab` (docs/cli-tools.md). Each takes the arguments after its name and
// returns the process exit code: 0 ok, 1 usage or bad input, 2 corruption (verify),
// 3 invariant violated (run) or history not linearizable (check).
#include <string>
#include <vector>

namespace qlab::app {

using Argv = std::vector<std::string>;

int cmdGui(int argc, char** argv, const Argv& args);  // needs the real argc/argv for QApplication
int cmdRun(const Argv& args);
int cmdDump(const Argv& args);
int cmdVerify(const Argv& args);
int cmdBench(const Argv& args);
int cmdCheck(const Argv& args);
int cmdExport(const Argv& args);
int cmdNode(const Argv& args);  // one node as its own process (core/remote)

}  // namespace qlab::app
