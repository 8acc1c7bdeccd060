// `quorumlab node`: one node as a process of its own (docs/cli-tools.md "quorumlab node").
// Parses the command line or the cluster file, loads the cluster token, and runs a
// NodeProcess (core/remote) until SIGTERM or SIGINT (a clean stop that flushes first). A
// SIGKILL is a process crash, which is the point.
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include <QHostAddress>

#include <QCoreApplication>
#include <QTimer>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "app/args.h"
#include "app/commands.h"
#include "core/remote/flush_policy_text.h"
#include "core/remote/node_launch.h"
#include "core/remote/node_process.h"

namespace qlab::app {

namespace {

volatile std::sig_atomic_t g_stop = 0;
void onSignal(int) { g_stop = 1; }

constexpr const char* kNodeUsage = R"(usage: quorumlab node --id N --data DIR --listen HOST:PORT [--peers 1=HOST:PORT,2=...]
                      [--control HOST:PORT] [--name CLUSTER] [--flush always|group|delayed[:MS]|manual]
                      [--write-quorum majority|N] [--token-file FILE] [--segment-bytes B]
                      [--snapshot-every N] [--retain N] [--election-ms MS] [--tick-ms MS]
                      [--heartbeat-ticks N] [--publish-ms MS] [--seed S]
       quorumlab node --config CLUSTER.json --id N

Runs one node as its own process. The cluster token comes from --token-file (a file only you
can read) or QUORUMLAB_TOKEN, never from the command line. Observers (quorumlab gui --attach)
connect to the control port (default: the listen port + 100).
)";

}  // namespace

int cmdNode(const Argv& args) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::fputs(kNodeUsage, stdout);
      return 0;
    }
  }
  // `--parent-pid PID` (given by a GUI that starts its nodes): stop when that process is gone,
  // so a GUI that is killed does not leave its nodes running.
  Argv rest;
  pid_t parent = 0;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--parent-pid" && i + 1 < args.size()) {
      parent = static_cast<pid_t>(std::atoll(args[++i].c_str()));
      continue;
    }
    rest.push_back(args[i]);
  }
  if (parent > 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) return 0;  // it died before we could ask to be told
  }
  auto launch = remote::parseNodeLaunch(rest);
  if (!launch.isOk()) return usageError("node", launch.status().message());
  auto token = remote::loadToken(launch->tokenFile);
  if (!token.isOk()) return inputError("node", token.status().message());

  int argc = 1;
  char name[] = "quorumlab-node";
  char* argv[] = {name, nullptr};
  QCoreApplication app(argc, argv);
  const NodeId id = launch->spec.engine.id;
  auto logger = std::make_shared<spdlog::logger>("node-" + std::to_string(id),
                                                 std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_level(spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  launch->spec.logger = logger;

  remote::NodeProcessOptions o;
  o.spec = launch->spec;
  o.spec.writeThrough = true;  // a process crash keeps what reached the page cache
  o.controlHost = launch->control.host == "localhost" ? "127.0.0.1" : launch->control.host;
  // A cluster file may name a node by host name; the control port then binds where the node
  // listens.
  if (QHostAddress(QString::fromStdString(o.controlHost)).isNull()) o.controlHost = launch->spec.host;
  o.controlPort = launch->control.port;
  o.token = *token;
  // A clean stop also while the node recovers (which can take a while on a long log).
  std::signal(SIGTERM, onSignal);
  std::signal(SIGINT, onSignal);
  remote::NodeProcess process(std::move(o));
  if (Status s = process.start(); !s.isOk()) {
    logger->error("cannot start: {}", s.message());
    return inputError("node", s.message());
  }
  if (!process.nodeStarted().isOk())
    logger->error("the node did not start: {} (this process stays up so observers see why; "
                  "fix the data and restart it, or stop it with SIGTERM)",
                  process.nodeStarted().message());
  logger->info("node {} of cluster '{}' serving on {}:{} (control {}), data {}, flush {}", id,
               launch->spec.clusterName, launch->spec.host, launch->spec.port, launch->control.text(),
               launch->spec.engine.dataDir, remote::flushPolicyText(launch->spec.engine.flush));

  QTimer poll;
  QObject::connect(&poll, &QTimer::timeout, &app, [&] {
    if (g_stop) app.quit();
  });
  poll.start(50);
  QObject::connect(&process, &remote::NodeProcess::exitRequested, &app, &QCoreApplication::quit);
  app.exec();
  logger->info("stopping (clean: buffered entries are flushed first)");
  process.stop();
  return 0;
}

}  // namespace qlab::app
