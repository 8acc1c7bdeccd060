// ProcessNode over real child processes of the quorumlab binary (QLAB_BINARY): a one-node
// cluster started as a child, crashed with a real SIGKILL, restarted as a new process that
// recovers its data, stopped with SIGSTOP and continued; and an attach to a running node with
// the wrong token, which is refused. Every wait is bounded.
#include <QtTest>

#include <csignal>
#include <cerrno>
#include <fstream>
#include <memory>

#include "core/remote/process_node.h"
#include "tests/net/net_test_util.h"

using namespace qlab;
using namespace qlab::remote;

namespace {

constexpr int kWaitMs = 10000;
const std::string kToken = "process-node-token-0123456789";

// The state letter of /proc/<pid>/stat ('R', 'S', 'T' stopped...), or '?' when it is gone.
char procState(std::int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  const auto paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ? '?' : stat[paren + 2];
}

bool processExists(std::int64_t pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH; }

std::string fileText(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll().toStdString() : std::string();
}

}  // namespace

class ProcessNodeTest : public QObject {
  Q_OBJECT

  std::unique_ptr<QTemporaryDir> m_dir;

  ProcessNodeOptions options(const std::string& token, bool spawn, std::uint16_t listen, std::uint16_t control) {
    auto launch = parseNodeLaunch({"--id", "1", "--data", m_dir->filePath("node-1").toStdString(), "--listen",
                                   "127.0.0.1:" + std::to_string(listen), "--control",
                                   "127.0.0.1:" + std::to_string(control), "--name", "process-test", "--flush",
                                   "always"});
    if (!launch.isOk()) qFatal("%s", launch.status().toString().c_str());
    ProcessNodeOptions o;
    o.launch = *launch;
    o.token = token;
    o.spawn = spawn;
    o.binary = QLAB_BINARY;
    o.logFile = m_dir->filePath("node-1.log").toStdString();
    o.startTimeoutMs = kWaitMs;
    o.requestTimeoutMs = 3000;
    return o;
  }
  std::string childLog() const { return fileText(m_dir->filePath("node-1.log")); }

 private slots:
  void init() {
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
  }
  void cleanup() { m_dir.reset(); }

  void aChildCrashesRestartsAndStops() {
    std::int64_t lastPid = 0;
    {
      ProcessNode node(options(kToken, true, net::test::unusedPort(), net::test::unusedPort()));
      const Status started = node.start();
      QVERIFY2(started.isOk(), (started.toString() + "\n" + childLog()).c_str());
      const std::int64_t first = node.pid();
      QVERIFY(first > 0);
      QVERIFY(processExists(first));
      QVERIFY(node.running());
      QCOMPARE(node.view()->status, node::NodeStatus::kRunning);
      QCOMPARE(node.backendName(), "process " + std::to_string(first));
      QVERIFY(node.logExtent().has_value());

      // A crash is a real SIGKILL: the process is gone at once.
      node.kill(node::KillKind::kCrash);
      QVERIFY(!processExists(first));
      QVERIFY(!node.running());
      QCOMPARE(node.view()->status, node::NodeStatus::kDead);
      QVERIFY(!node.logExtent().has_value());

      // A restart is a new process that recovers from the same data and answers log reads.
      const Status restarted = node.restart();
      QVERIFY2(restarted.isOk(), (restarted.toString() + "\n" + childLog()).c_str());
      const std::int64_t second = node.pid();
      QVERIFY(second > 0 && second != first);
      QVERIFY(processExists(second));
      QCOMPARE(node.view()->status, node::NodeStatus::kRunning);
      const auto extent = node.logExtent();
      QVERIFY(extent.has_value());
      QVERIFY(extent->first >= 1 && extent->first <= extent->last + 1);

      // Pause is SIGSTOP: the kernel shows the child stopped, and it answers nothing.
      node.pause();
      QVERIFY(node.paused());
      QTRY_COMPARE_WITH_TIMEOUT(procState(second), 'T', kWaitMs);
      QCOMPARE(node.view()->status, node::NodeStatus::kPaused);
      QVERIFY(!node.logExtent().has_value());
      node.resume();
      QVERIFY(!node.paused());
      QTRY_VERIFY_WITH_TIMEOUT(procState(second) != 'T' && procState(second) != '?', kWaitMs);
      QTRY_COMPARE_WITH_TIMEOUT(node.view()->status, node::NodeStatus::kRunning, kWaitMs);
      QVERIFY(node.logExtent().has_value());
      lastPid = second;
    }
    // Destroying the handle stops its child.
    QVERIFY(lastPid > 0);
    QVERIFY(!processExists(lastPid));
  }

  void anAttachWithTheWrongTokenIsRefused() {
    const std::uint16_t listen = net::test::unusedPort();
    const std::uint16_t control = net::test::unusedPort();
    ProcessNode child(options(kToken, true, listen, control));
    const Status started = child.start();
    QVERIFY2(started.isOk(), (started.toString() + "\n" + childLog()).c_str());

    ProcessNode intruder(options("not-the-token-0123456789", false, listen, control));
    QCOMPARE(intruder.backendName(), "remote 127.0.0.1:" + std::to_string(control));
    const Status refused = intruder.start();
    QVERIFY(!refused.isOk());
    QVERIFY2(refused.message().find("refused") != std::string::npos, refused.toString().c_str());
    QVERIFY(!intruder.running());
    QVERIFY(!intruder.logExtent().has_value());

    // The node goes on: one with the token attaches and reads its log.
    ProcessNode observer(options(kToken, false, listen, control));
    const Status attached = observer.start();
    QVERIFY2(attached.isOk(), attached.toString().c_str());
    QCOMPARE(observer.view()->status, node::NodeStatus::kRunning);
    QVERIFY(observer.logExtent().has_value());
    QVERIFY(processExists(child.pid()));
  }
};

QTEST_GUILESS_MAIN(ProcessNodeTest)
#include "tst_process_node.moc"
