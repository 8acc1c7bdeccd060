// The deployment files in packaging/ (local launcher and Procfile, compose, Kubernetes,
// container image) agree with `quorumlab node`'s interface and with each other: they parse,
// every node has a distinct id, every peers list names every node at the port that node
// listens on, control port = peer port + 100, the token is always given as a file or the
// environment, never on the command line. The launcher runs for real with a stub in place
// of the binary. Nothing here needs docker, kubectl or a YAML library.
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <map>
#include <optional>

#include "block_yaml.h"

using qlab::test::YamlNode;

namespace {

const QString kSource = QStringLiteral(QLAB_SOURCE_DIR);

QString readSource(const QString& relative) {
  QFile f(kSource + QLatin1Char('/') + relative);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QString::fromUtf8(f.readAll());
}

struct Run {
  int code = -1;  // -1: crashed or timed out
  QString out;
  QString err;
};

// Runs a program with a hard time limit; a run that overstays is killed and reported as -1.
Run run(const QString& program, const QStringList& args, int timeoutMs = 20000,
        const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
  QProcess p;
  p.setProcessEnvironment(env);
  p.start(program, args);
  Run r;
  if (!p.waitForStarted(5000)) {
    r.err = p.errorString();
    return r;
  }
  if (!p.waitForFinished(timeoutMs)) {
    p.kill();
    p.waitForFinished(5000);
    r.err = QStringLiteral("timed out after %1 ms; ").arg(timeoutMs);
  } else if (p.exitStatus() == QProcess::NormalExit) {
    r.code = p.exitCode();
  }
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err += QString::fromUtf8(p.readAllStandardError());
  return r;
}

struct Endpoint {
  QString host;
  int port = 0;
  bool operator==(const Endpoint& o) const { return host == o.host && port == o.port; }
};

std::optional<Endpoint> endpoint(const QString& s) {
  const qsizetype colon = s.lastIndexOf(QLatin1Char(':'));
  if (colon <= 0) return std::nullopt;
  bool ok = false;
  const int port = s.mid(colon + 1).toInt(&ok);
  if (!ok || port < 1 || port > 65535) return std::nullopt;
  return Endpoint{s.left(colon), port};
}

// "1=host:port,2=host:port" -> id -> endpoint; nullopt on any malformed or repeated entry.
std::optional<std::map<int, Endpoint>> peers(const QString& s) {
  std::map<int, Endpoint> out;
  for (const QString& entry : s.split(QLatin1Char(','))) {
    const qsizetype eq = entry.indexOf(QLatin1Char('='));
    bool ok = false;
    const int id = entry.left(eq).toInt(&ok);
    const auto ep = endpoint(entry.mid(eq + 1));
    if (eq <= 0 || !ok || id < 1 || !ep || out.count(id)) return std::nullopt;
    out[id] = *ep;
  }
  return out;
}

// The options after `quorumlab node`: every one takes a value. *error names what is off.
std::map<QString, QString> nodeOptions(const QStringList& args, QString* error) {
  std::map<QString, QString> out;
  if (args.isEmpty() || args[0] != QLatin1String("node")) {
    *error = QStringLiteral("does not start with 'node': ") + args.join(QLatin1Char(' '));
    return out;
  }
  for (qsizetype i = 1; i < args.size(); i += 2) {
    if (!args[i].startsWith(QLatin1String("--")) || i + 1 >= args.size() || args[i + 1].startsWith(QLatin1String("--"))) {
      *error = QStringLiteral("option without a value at '%1'").arg(args[i]);
      return out;
    }
    if (out.count(args[i])) {
      *error = QStringLiteral("%1 given twice").arg(args[i]);
      return out;
    }
    out[args[i]] = args[i + 1];
  }
  if (out.count(QStringLiteral("--token"))) *error = QStringLiteral("--token on a command line");
  return out;
}

bool loadYaml(const QString& relative, std::vector<YamlNode>* docs, QString* error) {
  const QString text = readSource(relative);
  if (text.isEmpty()) {
    *error = relative + QStringLiteral(": missing or empty");
    return false;
  }
  if (!qlab::test::parseYaml(text, docs, error)) {
    *error = relative + QStringLiteral(": ") + *error;
    return false;
  }
  return true;
}

const YamlNode* documentOfKind(const std::vector<YamlNode>& docs, const QString& kind) {
  for (const YamlNode& d : docs)
    if (d.text(QStringLiteral("kind")) == kind) return &d;
  return nullptr;
}

QStringList scalars(const YamlNode* seq) {
  QStringList out;
  if (seq && seq->isSeq())
    for (const YamlNode& n : seq->items) out << (n.isScalar() ? n.scalar : QStringLiteral("<not a scalar>"));
  return out;
}

QJsonObject readJson(const QString& path, QString* error) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    *error = path + QStringLiteral(": cannot open");
    return {};
  }
  QJsonParseError pe;
  const QJsonDocument d = QJsonDocument::fromJson(f.readAll(), &pe);
  if (pe.error != QJsonParseError::NoError || !d.isObject()) {
    *error = path + QStringLiteral(": not a JSON object: ") + pe.errorString();
    return {};
  }
  return d.object();
}

// Checks a cluster file (the spec's JSON) and returns its nodes by id. Every node has an
// integer id, an address, a control endpoint (given, or the address's port + 100); ids,
// addresses and controls are distinct.
struct ClusterNode {
  Endpoint address;
  Endpoint control;
  QString data;
};
std::map<int, ClusterNode> clusterNodes(const QJsonObject& o, QString* error) {
  std::map<int, ClusterNode> out;
  if (!o.value(QStringLiteral("cluster")).isString()) *error = QStringLiteral("no \"cluster\" name");
  const QJsonArray nodes = o.value(QStringLiteral("nodes")).toArray();
  if (nodes.isEmpty()) *error = QStringLiteral("no \"nodes\"");
  QSet<QString> seen;
  for (const QJsonValue& v : nodes) {
    const QJsonObject n = v.toObject();
    const int id = n.value(QStringLiteral("id")).toInt(-1);
    const auto address = endpoint(n.value(QStringLiteral("address")).toString());
    if (id < 1 || out.count(id) || !address) {
      *error = QStringLiteral("bad or repeated node: ") + QString::fromUtf8(QJsonDocument(n).toJson(QJsonDocument::Compact));
      return {};
    }
    std::optional<Endpoint> control = Endpoint{address->host, address->port + 100};
    if (n.contains(QStringLiteral("control"))) control = endpoint(n.value(QStringLiteral("control")).toString());
    if (!control) {
      *error = QStringLiteral("node %1: bad control").arg(id);
      return {};
    }
    for (const Endpoint& e : {*address, *control}) {
      const QString key = e.host + QLatin1Char(':') + QString::number(e.port);
      if (seen.contains(key) && !e.host.isEmpty()) {
        // Two nodes may share a host name only with different ports.
        *error = QStringLiteral("node %1: %2 used twice").arg(id).arg(key);
        return {};
      }
      seen.insert(key);
    }
    out[id] = {*address, *control, n.value(QStringLiteral("data")).toString()};
  }
  return out;
}

// The launcher in a scratch directory, with a stand-in for the quorumlab binary that logs
// its arguments, runs `prologue`, then waits (30 s at the most, so that nothing outlives a
// failed test for long). Whatever it started is stopped when this goes out of scope.
class Launcher {
 public:
  explicit Launcher(const QString& prologue = QString())
      : m_script(kSource + QStringLiteral("/packaging/local/quorumlab-cluster")),
        m_dir(m_tmp.filePath(QStringLiteral("cluster"))),
        m_stub(m_tmp.filePath(QStringLiteral("stub"))),
        m_basePort(randomBasePort()) {
    QFile f(m_stub);
    if (f.open(QIODevice::WriteOnly))
      f.write(("#!/usr/bin/env bash\necho \"stub: $*\"\n" + prologue + "for _ in $(seq 300); do sleep 0.1; done\n").toUtf8());
    f.close();
    f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
  }
  ~Launcher() {
    if (QFileInfo::exists(m_dir + QStringLiteral("/launcher.conf")))
      (*this)({QStringLiteral("stop"), QStringLiteral("--timeout"), QStringLiteral("1")});
  }
  // quorumlab-cluster ARGS --dir DIR
  Run operator()(const QStringList& args) const {
    return run(QStringLiteral("bash"), QStringList{m_script} + args + QStringList{QStringLiteral("--dir"), m_dir});
  }
  // quorumlab-cluster start --nodes N --base-port P --binary STUB --dir DIR. The stub binds
  // nothing, but the launcher refuses ports that something else listens on (another test,
  // run in parallel): then it tries other ones.
  Run start(int nodes) {
    Run r;
    for (int attempt = 0; attempt < 3; ++attempt) {
      r = (*this)({QStringLiteral("start"), QStringLiteral("--nodes"), QString::number(nodes), QStringLiteral("--base-port"),
                   QString::number(m_basePort), QStringLiteral("--binary"), m_stub});
      if (!r.err.contains(QStringLiteral("already in use"))) break;
      m_basePort = randomBasePort();
    }
    return r;
  }
  const QString& dir() const { return m_dir; }
  int basePort() const { return m_basePort; }

 private:
  // Below Linux's ephemeral range (32768..), where tests that listen on port 0 get theirs.
  static int randomBasePort() { return 20000 + int(QRandomGenerator::global()->bounded(12000)); }

  QTemporaryDir m_tmp;
  QString m_script;
  QString m_dir;
  QString m_stub;
  int m_basePort;
};

}  // namespace

class TestDeploy : public QObject {
  Q_OBJECT

 private slots:
  // --- the YAML subset reader itself --------------------------------------------------------
  void yamlReaderReadsTheSubset() {
    const QString text = QStringLiteral(
        "# comment\n"
        "a: plain value # trailing comment\n"
        "b: \"double \\\"quoted\\\"\"\n"
        "c: 'single ''quoted'''\n"
        "list:\n"
        "- one\n"
        "- key: v\n"
        "  other: w\n"
        "nested:\n"
        "  empty:\n"
        "  deeper:\n"
        "    - \"127.0.0.1:1:2\"\n"
        "    - |\n"
        "      line 1\n"
        "        line 2\n"
        "\n"
        "    - last\n"
        "---\n"
        "second: doc\n");
    std::vector<YamlNode> docs;
    QString error;
    QVERIFY2(qlab::test::parseYaml(text, &docs, &error), qPrintable(error));
    QCOMPARE(docs.size(), size_t{2});
    const YamlNode& d = docs[0];
    QCOMPARE(d.text(QStringLiteral("a")), QStringLiteral("plain value"));
    QCOMPARE(d.text(QStringLiteral("b")), QStringLiteral("double \"quoted\""));
    QCOMPARE(d.text(QStringLiteral("c")), QStringLiteral("single 'quoted'"));
    const YamlNode* list = d.get(QStringLiteral("list"));
    QVERIFY(list && list->isSeq() && list->items.size() == 2);
    QCOMPARE(list->items[0].scalar, QStringLiteral("one"));
    QCOMPARE(list->items[1].text(QStringLiteral("other")), QStringLiteral("w"));
    QCOMPARE(d.at(QStringLiteral("nested/empty"))->kind, YamlNode::Kind::Null);
    const QStringList deeper = scalars(d.at(QStringLiteral("nested/deeper")));
    QCOMPARE(deeper, (QStringList{QStringLiteral("127.0.0.1:1:2"), QStringLiteral("line 1\n  line 2\n"), QStringLiteral("last")}));
    QCOMPARE(docs[1].text(QStringLiteral("second")), QStringLiteral("doc"));
  }

  void yamlReaderRefusesWhatIsOutsideTheSubset_data() {
    QTest::addColumn<QString>("text");
    QTest::newRow("flow sequence") << "a: [1, 2]\n";
    QTest::newRow("flow mapping") << "a: {b: 1}\n";
    QTest::newRow("anchor") << "a: &x 1\nb: 2\n";
    QTest::newRow("alias") << "a: *x\n";
    QTest::newRow("tag") << "a: !!str 1\n";
    QTest::newRow("folded") << "a: >\n  text\n";
    QTest::newRow("multi-line plain") << "a: one\n  two\n";
    QTest::newRow("tab") << "a:\n\tb: 1\n";
    QTest::newRow("duplicate key") << "a: 1\na: 2\n";
    QTest::newRow("unclosed quote") << "a: \"open\n";
    QTest::newRow("colon in plain") << "a: b: c\n";
    QTest::newRow("not a mapping") << "just text\n";
    QTest::newRow("complex key") << "? a\n";
  }
  void yamlReaderRefusesWhatIsOutsideTheSubset() {
    QFETCH(QString, text);
    std::vector<YamlNode> docs;
    QString error;
    QVERIFY2(!qlab::test::parseYaml(text, &docs, &error), qPrintable(text));
    QVERIFY2(error.startsWith(QLatin1String("line ")), qPrintable(error));
  }

  // --- Procfile and the cluster file beside it ---------------------------------------------
  void procfileStartsEveryNodeOnceWithTheSamePeers() {
    const QString text = readSource(QStringLiteral("packaging/local/Procfile"));
    QVERIFY(!text.isEmpty());
    const QRegularExpression entry(QStringLiteral("^([A-Za-z0-9_-]+):\\s*(.+)$"));
    QSet<QString> names;
    std::map<int, Endpoint> listens;
    std::map<int, Endpoint> controls;
    std::map<int, QString> data;
    QString peerList;
    for (const QString& line : text.split(QLatin1Char('\n'))) {
      if (line.trimmed().isEmpty() || line.startsWith(QLatin1Char('#'))) continue;
      const auto m = entry.match(line);
      QVERIFY2(m.hasMatch(), qPrintable("not a Procfile line: " + line));
      QVERIFY2(!names.contains(m.captured(1)), qPrintable("process named twice: " + m.captured(1)));
      names.insert(m.captured(1));
      QStringList argv = m.captured(2).split(QLatin1Char(' '), Qt::SkipEmptyParts);
      QCOMPARE(argv.takeFirst(), QStringLiteral("quorumlab"));
      QString error;
      const auto opts = nodeOptions(argv, &error);
      QVERIFY2(error.isEmpty(), qPrintable(line + ": " + error));
      QVERIFY2(!opts.count(QStringLiteral("--token-file")), "the Procfile takes the token from QUORUMLAB_TOKEN");
      const int id = opts.at(QStringLiteral("--id")).toInt();
      QVERIFY2(id >= 1 && !listens.count(id), qPrintable(line));
      const auto listen = endpoint(opts.at(QStringLiteral("--listen")));
      const auto control = endpoint(opts.at(QStringLiteral("--control")));
      QVERIFY(listen && control);
      QCOMPARE(listen->host, QStringLiteral("127.0.0.1"));
      QCOMPARE(control->host, QStringLiteral("127.0.0.1"));
      QCOMPARE(control->port, listen->port + 100);
      listens[id] = *listen;
      controls[id] = *control;
      data[id] = opts.at(QStringLiteral("--data"));
      if (peerList.isEmpty()) peerList = opts.at(QStringLiteral("--peers"));
      QCOMPARE(opts.at(QStringLiteral("--peers")), peerList);
    }
    QCOMPARE(listens.size(), size_t{3});
    const auto p = peers(peerList);
    QVERIFY2(p && *p == listens, qPrintable("--peers does not list every node at its --listen: " + peerList));
    QCOMPARE((QSet<QString>{data[1], data[2], data[3]}).size(), 3);

    // cluster.json beside it describes the same nodes, for `gui --attach`; no token_file,
    // so it too takes QUORUMLAB_TOKEN.
    QString error;
    const QJsonObject o = readJson(kSource + QStringLiteral("/packaging/local/cluster.json"), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(!o.contains(QStringLiteral("token_file")));
    const auto nodes = clusterNodes(o, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(nodes.size(), listens.size());
    for (const auto& [id, n] : nodes) {
      QVERIFY2(listens.count(id), qPrintable(QString::number(id)));
      QVERIFY(n.address == listens.at(id));
      QVERIFY(n.control == controls.at(id));
      QCOMPARE(n.data, data.at(id));
    }
  }

  // --- compose --------------------------------------------------------------------------------
  void composeNodesAgree() {
    std::vector<YamlNode> docs;
    QString error;
    QVERIFY2(loadYaml(QStringLiteral("packaging/compose/compose.yaml"), &docs, &error), qPrintable(error));
    QCOMPARE(docs.size(), size_t{1});
    const YamlNode& top = docs[0];
    const YamlNode* services = top.get(QStringLiteral("services"));
    QVERIFY(services && services->isMap());
    QCOMPARE(services->keys, (QStringList{QStringLiteral("node1"), QStringLiteral("node2"), QStringLiteral("node3")}));
    const YamlNode* volumes = top.get(QStringLiteral("volumes"));
    const YamlNode* secrets = top.get(QStringLiteral("secrets"));
    QVERIFY(volumes && volumes->isMap() && secrets && secrets->isMap());

    std::map<int, QString> serviceOfId;
    std::map<QString, Endpoint> listenOf;
    std::map<int, int> publishedControl;  // id -> host port
    QSet<QString> usedVolumes;
    QSet<int> hostPorts;
    QString peerList;
    for (qsizetype s = 0; s < services->keys.size(); ++s) {
      const QString& name = services->keys[s];
      const YamlNode& svc = services->items[static_cast<size_t>(s)];
      QCOMPARE(svc.text(QStringLiteral("image")), QStringLiteral("quorumlab:latest"));
      const QStringList command = scalars(svc.get(QStringLiteral("command")));
      const auto opts = nodeOptions(command, &error);
      QVERIFY2(error.isEmpty(), qPrintable(name + ": " + error));
      bool ok = false;
      const int id = opts.at(QStringLiteral("--id")).toInt(&ok);
      QVERIFY2(ok && id >= 1 && id <= 3 && !serviceOfId.count(id), qPrintable(name + ": --id " + opts.at(QStringLiteral("--id"))));
      serviceOfId[id] = name;
      const auto listen = endpoint(opts.at(QStringLiteral("--listen")));
      const auto control = endpoint(opts.at(QStringLiteral("--control")));
      QVERIFY(listen && control);
      QCOMPARE(listen->host, QStringLiteral("0.0.0.0"));
      QCOMPARE(control->port, listen->port + 100);
      listenOf[name] = *listen;
      if (peerList.isEmpty()) peerList = opts.at(QStringLiteral("--peers"));
      QCOMPARE(opts.at(QStringLiteral("--peers")), peerList);

      // The token: a compose secret, mounted where --token-file looks.
      const QStringList svcSecrets = scalars(svc.get(QStringLiteral("secrets")));
      QCOMPARE(svcSecrets.size(), 1);
      QCOMPARE(opts.at(QStringLiteral("--token-file")), QStringLiteral("/run/secrets/") + svcSecrets[0]);
      QVERIFY2(!secrets->text(svcSecrets[0] + QStringLiteral("/file")).isEmpty(), qPrintable(svcSecrets[0]));

      // Data: a named volume of its own, mounted at --data.
      const QStringList mounts = scalars(svc.get(QStringLiteral("volumes")));
      QCOMPARE(mounts.size(), 1);
      const QString volume = mounts[0].section(QLatin1Char(':'), 0, 0);
      QCOMPARE(mounts[0].section(QLatin1Char(':'), 1), opts.at(QStringLiteral("--data")));
      QVERIFY2(volumes->keys.contains(volume), qPrintable(volume + " is not a named volume"));
      QVERIFY2(!usedVolumes.contains(volume), qPrintable(volume + " shared"));
      usedVolumes.insert(volume);

      // Published: the control port only, on the host's loopback only.
      const QStringList ports = scalars(svc.get(QStringLiteral("ports")));
      QCOMPARE(ports.size(), 1);
      const QStringList parts = ports[0].split(QLatin1Char(':'));
      QCOMPARE(parts.size(), 3);
      QCOMPARE(parts[0], QStringLiteral("127.0.0.1"));
      QCOMPARE(parts[2].toInt(), control->port);
      QVERIFY2(!hostPorts.contains(parts[1].toInt()), qPrintable(ports[0]));
      hostPorts.insert(parts[1].toInt());
      publishedControl[id] = parts[1].toInt();
    }
    // Every --peers names all three services, each under its own id, at the port it listens on.
    const auto p = peers(peerList);
    QVERIFY2(p && p->size() == 3, qPrintable(peerList));
    for (const auto& [id, ep] : *p) {
      QVERIFY2(serviceOfId.count(id), qPrintable(QStringLiteral("peer id %1 is no service's --id").arg(id)));
      QCOMPARE(ep.host, serviceOfId.at(id));
      QCOMPARE(ep.port, listenOf.at(serviceOfId.at(id)).port);
    }

    // attach.json beside it reaches every node's published control port.
    const QJsonObject o = readJson(kSource + QStringLiteral("/packaging/compose/attach.json"), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const auto nodes = clusterNodes(o, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(nodes.size(), size_t{3});
    QCOMPARE(QStringLiteral("./") + o.value(QStringLiteral("token_file")).toString(),
             secrets->text(QStringLiteral("quorumlab_token/file")));
    for (const auto& [id, n] : nodes) {
      QVERIFY(publishedControl.count(id));
      QVERIFY(n.control == (Endpoint{QStringLiteral("127.0.0.1"), publishedControl.at(id)}));
      QVERIFY(n.address == p->at(id));
    }
  }

  // --- the container image ---------------------------------------------------------------------
  // It installs the runtime packages of every library the .deb depends on (less the base
  // system and the window-system plugins a headless node does not load), and its entry point
  // is the binary, so that compose's and Kubernetes' commands start with `node`.
  void containerImageHasTheDebsRuntimeLibraries() {
    const QString dockerfile = readSource(QStringLiteral("packaging/container/Dockerfile"));
    QVERIFY(!dockerfile.isEmpty());
    QVERIFY(dockerfile.contains(QRegularExpression(QStringLiteral("^FROM debian:12"), QRegularExpression::MultilineOption)));
    QVERIFY(dockerfile.contains(QStringLiteral("ENTRYPOINT [\"/usr/local/bin/quorumlab\"]")));
    QVERIFY(dockerfile.contains(QRegularExpression(QStringLiteral("^EXPOSE 7000 7100$"), QRegularExpression::MultilineOption)));
    const QString cmake = readSource(QStringLiteral("packaging/CMakeLists.txt"));
    const auto block = QRegularExpression(QStringLiteral("set\\(QLAB_DEB_DEPENDS(.*?)\\n\\S"),
                                          QRegularExpression::DotMatchesEverythingOption).match(cmake);
    QVERIFY2(block.hasMatch(), "set(QLAB_DEB_DEPENDS ...) not found in packaging/CMakeLists.txt");
    int checked = 0;
    for (auto it = QRegularExpression(QStringLiteral("\"([a-z0-9.+-]+)")).globalMatch(block.captured(1)); it.hasNext();) {
      const QString package = it.next().captured(1);
      if (QStringList{QStringLiteral("libc6"), QStringLiteral("libgcc-s1"), QStringLiteral("libstdc++6"),
                      QStringLiteral("qt6-qpa-plugins")}.contains(package))
        continue;
      QVERIFY2(dockerfile.contains(QRegularExpression(QStringLiteral("\\s") + QRegularExpression::escape(package) + "(\\s|$)")),
               qPrintable(package + " is a dependency of the .deb but the Dockerfile does not install it"));
      ++checked;
    }
    QVERIFY2(checked >= 8, qPrintable(block.captured(1)));
  }

  // --- Kubernetes -------------------------------------------------------------------------------
  void kubernetesManifestsAgree() {
    std::vector<YamlNode> docs;
    QString error;
    QVERIFY2(loadYaml(QStringLiteral("packaging/kubernetes/quorumlab.yaml"), &docs, &error), qPrintable(error));
    const YamlNode* svc = documentOfKind(docs, QStringLiteral("Service"));
    const YamlNode* sts = documentOfKind(docs, QStringLiteral("StatefulSet"));
    QVERIFY(svc && sts);
    const QString svcName = svc->text(QStringLiteral("metadata/name"));
    const QString stsName = sts->text(QStringLiteral("metadata/name"));
    QVERIFY(!svcName.isEmpty() && !stsName.isEmpty());
    QCOMPARE(svc->text(QStringLiteral("spec/clusterIP")), QStringLiteral("None"));
    QCOMPARE(svc->text(QStringLiteral("spec/publishNotReadyAddresses")), QStringLiteral("true"));
    QCOMPARE(sts->text(QStringLiteral("spec/serviceName")), svcName);
    QCOMPARE(sts->text(QStringLiteral("spec/podManagementPolicy")), QStringLiteral("Parallel"));

    // The Service selects the pods, and the StatefulSet's selector matches its template.
    const YamlNode* labels = sts->at(QStringLiteral("spec/template/metadata/labels"));
    QVERIFY(labels && labels->isMap());
    for (const YamlNode* sel : {svc->at(QStringLiteral("spec/selector")), sts->at(QStringLiteral("spec/selector/matchLabels"))}) {
      QVERIFY(sel && sel->isMap() && !sel->keys.isEmpty());
      for (qsizetype i = 0; i < sel->keys.size(); ++i)
        QVERIFY2(labels->get(sel->keys[i]) && labels->get(sel->keys[i])->scalar == sel->items[static_cast<size_t>(i)].scalar,
                 qPrintable("the pods do not carry the selector's label " + sel->keys[i]));
    }

    // Ports: the Service's, the container's and the readiness probe's are the same numbers.
    const YamlNode* containers = sts->at(QStringLiteral("spec/template/spec/containers"));
    QVERIFY(containers && containers->isSeq() && containers->items.size() == 1);
    const YamlNode& c = containers->items[0];
    const YamlNode* cPorts = c.get(QStringLiteral("ports"));
    const YamlNode* sPorts = svc->at(QStringLiteral("spec/ports"));
    QVERIFY(cPorts && cPorts->isSeq() && sPorts && sPorts->isSeq());
    std::map<QString, int> containerPorts;  // name -> port
    for (const YamlNode& p : cPorts->items)
      containerPorts[p.text(QStringLiteral("name"))] = p.text(QStringLiteral("containerPort")).toInt();
    QSet<int> containerNumbers;
    for (const auto& [name, port] : containerPorts) containerNumbers.insert(port);
    QSet<int> serviceNumbers;
    for (const YamlNode& p : sPorts->items) {
      const int port = p.text(QStringLiteral("port")).toInt();
      const QString target = p.text(QStringLiteral("targetPort"));
      const int targetPort = containerPorts.count(target) ? containerPorts.at(target) : target.toInt();
      QCOMPARE(targetPort, port);
      QVERIFY2(containerNumbers.contains(targetPort), qPrintable(QStringLiteral("service port %1 is no container port").arg(port)));
      QCOMPARE(containerPorts.at(p.text(QStringLiteral("name"))), port);
      serviceNumbers.insert(port);
    }
    QCOMPARE(serviceNumbers, containerNumbers);
    const QString probe = c.text(QStringLiteral("readinessProbe/tcpSocket/port"));
    const int probePort = containerPorts.count(probe) ? containerPorts.at(probe) : probe.toInt();
    QCOMPARE(probePort, containerPorts.at(QStringLiteral("peer")));

    // The container's script, run with a stub quorumlab on PATH for every pod name: node id
    // = ordinal + 1, every node listed in --peers by its stable name at the peer port.
    const QStringList command = scalars(c.get(QStringLiteral("command")));
    QCOMPARE(command.size(), 3);
    QCOMPARE(command.mid(0, 2), (QStringList{QStringLiteral("/bin/sh"), QStringLiteral("-c")}));
    QTemporaryDir bin;
    QVERIFY(bin.isValid());
    QFile stub(bin.filePath(QStringLiteral("quorumlab")));
    QVERIFY(stub.open(QIODevice::WriteOnly));
    stub.write("#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
    stub.close();
    QVERIFY(stub.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    const int replicas = sts->text(QStringLiteral("spec/replicas")).toInt();
    QVERIFY(replicas >= 1);
    const QRegularExpression stableName(QStringLiteral("^%1-(\\d+)\\.%2(\\.[a-z0-9-]+\\.svc\\.cluster\\.local)?$")
                                            .arg(QRegularExpression::escape(stsName), QRegularExpression::escape(svcName)));
    QString tokenFile;
    QString dataDir;
    for (int ordinal = 0; ordinal < replicas; ++ordinal) {
      QProcessEnvironment env;
      env.insert(QStringLiteral("PATH"), bin.path() + QStringLiteral(":/usr/bin:/bin"));
      env.insert(QStringLiteral("HOSTNAME"), stsName + QLatin1Char('-') + QString::number(ordinal));
      const Run r = run(command[0], command.mid(1), 10000, env);
      QVERIFY2(r.code == 0, qPrintable(r.err));
      const auto opts = nodeOptions(r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts), &error);
      QVERIFY2(error.isEmpty(), qPrintable(error));
      QCOMPARE(opts.at(QStringLiteral("--id")), QString::number(ordinal + 1));
      const auto listen = endpoint(opts.at(QStringLiteral("--listen")));
      const auto control = endpoint(opts.at(QStringLiteral("--control")));
      QVERIFY(listen && control);
      QCOMPARE(listen->port, containerPorts.at(QStringLiteral("peer")));
      QCOMPARE(control->port, listen->port + 100);
      QCOMPARE(control->port, containerPorts.at(QStringLiteral("control")));
      const auto p = peers(opts.at(QStringLiteral("--peers")));
      QVERIFY2(p && int(p->size()) == replicas, qPrintable(opts.at(QStringLiteral("--peers"))));
      for (const auto& [id, ep] : *p) {
        const auto m = stableName.match(ep.host);
        QVERIFY2(m.hasMatch() && m.captured(1).toInt() == id - 1, qPrintable(QStringLiteral("peer %1 is %2").arg(id).arg(ep.host)));
        QCOMPARE(ep.port, listen->port);
      }
      tokenFile = opts.at(QStringLiteral("--token-file"));
      dataDir = opts.at(QStringLiteral("--data"));
    }
    // A pod name without an ordinal stops the container instead of guessing an id.
    QProcessEnvironment env;
    env.insert(QStringLiteral("PATH"), bin.path() + QStringLiteral(":/usr/bin:/bin"));
    env.insert(QStringLiteral("HOSTNAME"), stsName);
    QVERIFY(run(command[0], command.mid(1), 10000, env).code != 0);

    // Volumes: --data on the claim template's volume, --token-file in the Secret's volume.
    const YamlNode* mounts = c.get(QStringLiteral("volumeMounts"));
    const YamlNode* podVolumes = sts->at(QStringLiteral("spec/template/spec/volumes"));
    QVERIFY(mounts && mounts->isSeq() && podVolumes && podVolumes->isSeq());
    std::map<QString, QString> mountOf;  // volume name -> mount path
    for (const YamlNode& m : mounts->items)
      mountOf[m.text(QStringLiteral("name"))] = m.text(QStringLiteral("mountPath"));
    const YamlNode* claims = sts->at(QStringLiteral("spec/volumeClaimTemplates"));
    QVERIFY(claims && claims->isSeq() && claims->items.size() == 1);
    const QString claim = claims->items[0].text(QStringLiteral("metadata/name"));
    QVERIFY2(mountOf.count(claim), qPrintable(claim));
    QCOMPARE(mountOf.at(claim), dataDir);
    QString secretName;
    QString secretKey;
    for (const YamlNode& v : podVolumes->items) {
      const YamlNode* items = v.at(QStringLiteral("secret/items"));
      if (!items || !items->isSeq()) continue;
      const QString dir = mountOf[v.text(QStringLiteral("name"))];
      for (const YamlNode& item : items->items)
        if (dir + QLatin1Char('/') + item.text(QStringLiteral("path")) == tokenFile) {
          secretName = v.text(QStringLiteral("secret/secretName"));
          secretKey = item.text(QStringLiteral("key"));
        }
    }
    QVERIFY2(!secretName.isEmpty(), qPrintable("no Secret volume holds --token-file " + tokenFile));

    // secret.example.yaml makes that Secret, with that key.
    std::vector<YamlNode> secretDocs;
    QVERIFY2(loadYaml(QStringLiteral("packaging/kubernetes/secret.example.yaml"), &secretDocs, &error), qPrintable(error));
    const YamlNode* secret = documentOfKind(secretDocs, QStringLiteral("Secret"));
    QVERIFY(secret);
    QCOMPARE(secret->text(QStringLiteral("metadata/name")), secretName);
    QVERIFY2(secret->at(QStringLiteral("stringData/") + secretKey) || secret->at(QStringLiteral("data/") + secretKey),
             qPrintable(secretKey));

    // attach.json: one entry per replica, at its stable name, controls on local forwards.
    const QJsonObject o = readJson(kSource + QStringLiteral("/packaging/kubernetes/attach.json"), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const auto nodes = clusterNodes(o, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(int(nodes.size()), replicas);
    for (const auto& [id, n] : nodes) {
      const auto m = stableName.match(n.address.host);
      QVERIFY2(m.hasMatch() && m.captured(1).toInt() == id - 1, qPrintable(n.address.host));
      QCOMPARE(n.address.port, containerPorts.at(QStringLiteral("peer")));
      QCOMPARE(n.control.host, QStringLiteral("127.0.0.1"));
    }
  }

  // --- the local launcher ------------------------------------------------------------------------
  void launcherIsValidBash() {
    const QString script = kSource + QStringLiteral("/packaging/local/quorumlab-cluster");
    QVERIFY(QFileInfo(script).isExecutable());
    const Run r = run(QStringLiteral("bash"), {QStringLiteral("-n"), script});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(readSource(QStringLiteral("packaging/local/quorumlab-cluster")).contains(QStringLiteral("\nset -euo pipefail\n")));
  }

  void launcherRefusesBadInput_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("says");
    QTest::newRow("no nodes") << QStringList{QStringLiteral("--nodes"), QStringLiteral("0")} << "--nodes must be";
    QTest::newRow("ten nodes") << QStringList{QStringLiteral("--nodes"), QStringLiteral("10")} << "--nodes must be";
    QTest::newRow("nodes not a number") << QStringList{QStringLiteral("--nodes"), QStringLiteral("three")} << "--nodes must be";
    QTest::newRow("port too high") << QStringList{QStringLiteral("--base-port"), QStringLiteral("65500")} << "out of range";
    QTest::newRow("port too low") << QStringList{QStringLiteral("--base-port"), QStringLiteral("80")} << "out of range";
    QTest::newRow("port not a number") << QStringList{QStringLiteral("--base-port"), QStringLiteral("x")} << "port number";
    QTest::newRow("no binary") << QStringList{QStringLiteral("--binary"), QStringLiteral("/nonexistent/quorumlab")} << "binary not found";
    QTest::newRow("missing value") << QStringList{QStringLiteral("--nodes")} << "needs a value";
    QTest::newRow("unknown option") << QStringList{QStringLiteral("--token"), QStringLiteral("x")} << "unknown argument";
  }
  void launcherRefusesBadInput() {
    QFETCH(QStringList, args);
    QFETCH(QString, says);
    const Launcher launcher;
    const Run r = launcher(args);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(says), qPrintable(r.err));
    QVERIFY2(!QFileInfo::exists(launcher.dir()), "bad input must not leave a directory behind");
  }

  // Start three nodes (a stub that logs its arguments and waits), check what was written,
  // crash one and bring it back, stop them all.
  void launcherStartsChecksAndStopsAStubCluster() {
    Launcher launcher(QStringLiteral("trap 'exit 0' TERM\n"));
    const QString& dir = launcher.dir();
    Run r = launcher.start(3);
    const int base = launcher.basePort();
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    QVERIFY2(r.out.contains(QStringLiteral("quorumlab gui --attach ") + dir + QStringLiteral("/cluster.json")),
             qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("kill -9")), qPrintable(r.out));

    QString error;
    const QJsonObject o = readJson(dir + QStringLiteral("/cluster.json"), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(o.value(QStringLiteral("token_file")).toString(), QStringLiteral("token"));
    const auto nodes = clusterNodes(o, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(nodes.size(), size_t{3});
    QSet<QString> dataDirs;
    for (const auto& [id, n] : nodes) {
      QVERIFY(id >= 1 && id <= 3);
      QVERIFY(n.address == (Endpoint{QStringLiteral("127.0.0.1"), base + id - 1}));
      QVERIFY(n.control == (Endpoint{QStringLiteral("127.0.0.1"), base + id - 1 + 100}));
      dataDirs.insert(n.data);
      // Each node was started as `node --config DIR/cluster.json --id i`.
      QFile log(dir + QStringLiteral("/node-%1.log").arg(id));
      QVERIFY(log.open(QIODevice::ReadOnly));
      QVERIFY2(QString::fromUtf8(log.readAll()).contains(QStringLiteral("stub: node --config %1/cluster.json --id %2")
                                                             .arg(dir).arg(id)),
               qPrintable(log.fileName()));
    }
    QCOMPARE(dataDirs.size(), 3);

    const QFileInfo token(dir + QStringLiteral("/token"));
    QVERIFY(token.permissions() & QFile::ReadOwner);
    QVERIFY2(!(token.permissions() & (QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup | QFile::ReadOther |
                                      QFile::WriteOther | QFile::ExeOther)),
             "the token file must be mode 0600");
    QFile tokenFile(token.filePath());
    QVERIFY(tokenFile.open(QIODevice::ReadOnly));
    const QByteArray secret = tokenFile.readAll();
    QVERIFY2(QRegularExpression(QStringLiteral("^[0-9a-f]{64}$")).match(QString::fromLatin1(secret)).hasMatch(), secret.constData());

    r = launcher({QStringLiteral("status")});
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    QCOMPARE(r.out.count(QStringLiteral(": running")), 3);

    // Crash node 2; status says so; start brings back only node 2, with the same token.
    QFile pidFile(dir + QStringLiteral("/node-2.pid"));
    QVERIFY(pidFile.open(QIODevice::ReadOnly));
    const QString pid = QString::fromLatin1(pidFile.readAll()).trimmed();
    QVERIFY2(QRegularExpression(QStringLiteral("^[0-9]+$")).match(pid).hasMatch(), qPrintable(pid));
    // bash's own kill: /bin/kill comes with procps, which a minimal Debian does not have.
    QCOMPARE(run(QStringLiteral("bash"), {QStringLiteral("-c"), QStringLiteral("kill -KILL ") + pid}).code, 0);
    r = launcher({QStringLiteral("status")});
    QCOMPARE(r.code, 3);
    QVERIFY2(r.out.contains(QStringLiteral("node 2: not running")), qPrintable(r.out));
    r = launcher({QStringLiteral("start")});
    QVERIFY2(r.code == 0 && r.out.contains(QStringLiteral("restarted node(s) 2")), qPrintable(r.out + r.err));
    QVERIFY(tokenFile.seek(0));
    QCOMPARE(tokenFile.readAll(), secret);
    QCOMPARE(launcher({QStringLiteral("status")}).code, 0);

    r = launcher({QStringLiteral("stop")});
    QVERIFY2(r.code == 0 && r.out.contains(QStringLiteral("stopped")), qPrintable(r.out + r.err));
    QVERIFY2(!r.out.contains(QStringLiteral("SIGKILL")), "the stub stops on SIGTERM");
    r = launcher({QStringLiteral("status")});
    QCOMPARE(r.code, 3);
    QCOMPARE(r.out.count(QStringLiteral("not running")), 3);
  }

  // A node that ignores SIGTERM is killed after --timeout.
  void launcherStopIsBoundedForANodeThatIgnoresSigterm() {
    Launcher launcher(QStringLiteral("trap '' TERM\n"));
    Run r = launcher.start(1);
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    QElapsedTimer t;
    t.start();
    r = launcher({QStringLiteral("stop"), QStringLiteral("--timeout"), QStringLiteral("1")});
    QVERIFY2(r.code == 0 && r.out.contains(QStringLiteral("SIGKILL")), qPrintable(r.out + r.err));
    QVERIFY2(t.elapsed() < 5000, qPrintable(QString::number(t.elapsed())));
    QCOMPARE(launcher({QStringLiteral("status")}).code, 3);
  }

};

QTEST_GUILESS_MAIN(TestDeploy)
#include "tst_deploy.moc"
