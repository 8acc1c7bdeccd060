#include "core/remote/node_launch.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "core/remote/flush_policy_text.h"

namespace qlab::remote {

namespace fs = std::filesystem;

namespace {

Result<long long> integer(const std::string& text, const std::string& what, long long lo, long long hi) {
  long long v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v < lo || v > hi)
    return Status::invalidArgument(what + " '" + text + "': expected a whole number from " + std::to_string(lo) +
                                   " to " + std::to_string(hi));
  return v;
}

Result<std::uint32_t> writeQuorumOf(const std::string& text, std::size_t nodes) {
  if (text == "majority") return 0u;
  auto w = integer(text, "write quorum", 1, static_cast<long long>(std::max<std::size_t>(1, nodes)));
  if (!w.isOk()) return Status::invalidArgument(w.status().message() + " or 'majority'");
  return static_cast<std::uint32_t>(*w);
}

bool isLoopback(const std::string& host) { return host == "127.0.0.1" || host == "localhost"; }

// Fills the parts of a spec that follow from the others.
void finish(NodeLaunch& l) {
  node::NodeSpec& s = l.spec;
  s.engine.voters.clear();
  s.engine.voters.push_back(s.engine.id);
  for (const auto& [peer, port] : s.peerPorts) s.engine.voters.push_back(peer);
  for (const auto& [peer, addr] : s.peerAddresses) s.engine.voters.push_back(peer);
  std::sort(s.engine.voters.begin(), s.engine.voters.end());
  s.engine.voters.erase(std::unique(s.engine.voters.begin(), s.engine.voters.end()), s.engine.voters.end());
  s.engine.electionTicks = std::max(s.engine.heartbeatTicks + 1, l.electionTimeoutMs / std::max(1, s.tickMs));
  if (s.engine.seed == 1) s.engine.seed = s.seed * 1000003 + s.engine.id;
}

Status addPeer(node::NodeSpec& s, NodeId id, const HostPort& hp) {
  if (id == s.engine.id) return Status::ok();
  if (isLoopback(hp.host)) s.peerPorts[id] = hp.port;
  else s.peerAddresses[id] = hp.text();
  return Status::ok();
}

}  // namespace

Result<HostPort> parseHostPort(const std::string& text, const std::string& what) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return Status::invalidArgument(what + " '" + text + "': expected HOST:PORT, e.g. 127.0.0.1:7101");
  auto port = integer(text.substr(colon + 1), what + " port", 1, 65535);
  if (!port.isOk()) return port.status();
  return HostPort{text.substr(0, colon), static_cast<std::uint16_t>(*port)};
}

const ClusterMember* ClusterFile::member(NodeId id) const {
  for (const auto& m : members)
    if (m.id == id) return &m;
  return nullptr;
}

Result<ClusterFile> parseClusterFile(const std::string& json, const std::string& path) {
  const auto bad = [&](const std::string& what) {
    return Status::invalidArgument("cluster file " + path + ": " + what);
  };
  QJsonParseError err{};
  const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(json), &err);
  if (err.error != QJsonParseError::NoError)
    return bad("not valid JSON at byte " + std::to_string(err.offset) + ": " + err.errorString().toStdString());
  if (!doc.isObject()) return bad("expected a JSON object with \"nodes\"");
  const QJsonObject o = doc.object();
  static const std::set<QString> known = {"cluster", "token_file", "flush", "write_quorum", "nodes"};
  for (auto it = o.begin(); it != o.end(); ++it)
    if (!known.count(it.key())) return bad("unknown field '" + it.key().toStdString() + "'");
  ClusterFile f;
  f.path = path;
  const fs::path base = fs::absolute(fs::path(path)).parent_path();
  const auto resolve = [&](const std::string& p) { return fs::path(p).is_absolute() ? p : (base / p).string(); };
  if (o.contains("cluster")) {
    f.cluster = o.value("cluster").toString().toStdString();
    if (f.cluster.empty() || f.cluster.size() > 64) return bad("field 'cluster': 1 to 64 characters");
  }
  if (o.contains("token_file")) f.tokenFile = resolve(o.value("token_file").toString().toStdString());
  if (o.contains("flush")) {
    f.flush = o.value("flush").toString().toStdString();
    if (auto p = parseFlushPolicyText(f.flush); !p.isOk()) return bad("field 'flush': " + p.status().message());
  }
  if (o.contains("write_quorum")) {
    const QJsonValue w = o.value("write_quorum");
    f.writeQuorum = w.isDouble() ? std::to_string(w.toInteger()) : w.toString().toStdString();
  }
  const QJsonArray nodes = o.value("nodes").toArray();
  if (nodes.isEmpty() || nodes.size() > kMaxNodes)
    return bad("field 'nodes': a list of 1 to " + std::to_string(kMaxNodes) + " nodes");
  std::set<NodeId> ids;
  for (qsizetype i = 0; i < nodes.size(); ++i) {
    const QJsonObject n = nodes[i].toObject();
    const std::string where = "nodes[" + std::to_string(i) + "]";
    ClusterMember m;
    const qint64 id = n.value("id").toInteger(0);
    if (id < 1 || id > kMaxNodes) return bad(where + ".id: a node id from 1 to " + std::to_string(kMaxNodes));
    m.id = static_cast<NodeId>(id);
    if (!ids.insert(m.id).second) return bad(where + ".id: node " + std::to_string(id) + " is listed twice");
    auto addr = parseHostPort(n.value("address").toString().toStdString(), where + ".address");
    if (!addr.isOk()) return bad(addr.status().message());
    m.address = *addr;
    m.listen = m.address;
    if (n.contains("listen")) {
      auto l = parseHostPort(n.value("listen").toString().toStdString(), where + ".listen");
      if (!l.isOk()) return bad(l.status().message());
      m.listen = *l;
    }
    m.control = HostPort{m.address.host, static_cast<std::uint16_t>(m.address.port + 100)};
    if (n.contains("control")) {
      auto c = parseHostPort(n.value("control").toString().toStdString(), where + ".control");
      if (!c.isOk()) return bad(c.status().message());
      m.control = *c;
    } else if (m.address.port > 65435) {
      return bad(where + ": give 'control' (address port + 100 is past 65535)");
    }
    if (n.contains("data")) m.data = resolve(n.value("data").toString().toStdString());
    f.members.push_back(std::move(m));
  }
  if (auto w = writeQuorumOf(f.writeQuorum, f.members.size()); !w.isOk())
    return bad("field 'write_quorum': " + w.status().message());
  return f;
}

Result<ClusterFile> loadClusterFile(const std::string& path) {
  QFile file(QString::fromStdString(path));
  if (!file.open(QIODevice::ReadOnly))
    return Status::invalidArgument("cannot read cluster file " + path + ": " + file.errorString().toStdString());
  if (file.size() > (1 << 20)) return Status::invalidArgument("cluster file " + path + " is larger than 1 MiB");
  return parseClusterFile(file.readAll().toStdString(), path);
}

Result<NodeLaunch> parseNodeLaunch(const std::vector<std::string>& args) {
  static const std::set<std::string> valued = {
      "--id", "--data", "--listen", "--peers", "--control", "--config", "--name", "--flush", "--write-quorum",
      "--token-file", "--segment-bytes", "--snapshot-every", "--retain", "--election-ms", "--tick-ms",
      "--heartbeat-ticks", "--publish-ms", "--seed"};
  std::map<std::string, std::string> v;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::string value;
    bool hasValue = false;
    if (const auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      hasValue = true;
    }
    if (a == "--token")
      return Status::invalidArgument(
          "--token is refused: a token on the command line shows in `ps` to every user of this machine; "
          "put it in a file only you can read and pass --token-file FILE, or set QUORUMLAB_TOKEN");
    if (!valued.count(a)) return Status::invalidArgument("unknown option '" + a + "'");
    if (!hasValue) {
      if (i + 1 >= args.size()) return Status::invalidArgument("option " + a + " needs a value");
      value = args[++i];
    }
    v[a] = value;
  }
  NodeLaunch l;
  node::NodeSpec& s = l.spec;
  s.engine.flush = wal::FlushPolicy{wal::FlushMode::kGroup, 0};
  s.engine.log.segmentBytes = 64 * 1024;
  s.engine.snapshotEvery = 1000;
  s.engine.retainEntries = 256;
  std::string flushText = "group";
  std::string wText = "majority";
  if (!v.count("--id")) return Status::invalidArgument("--id N is required (the node's id, 1 to 9)");
  auto id = integer(v["--id"], "--id", 1, kMaxNodes);
  if (!id.isOk()) return id.status();
  s.engine.id = static_cast<NodeId>(*id);
  std::optional<HostPort> listen;
  if (v.count("--config")) {
    auto f = loadClusterFile(v["--config"]);
    if (!f.isOk()) return f.status();
    const ClusterMember* me = f->member(s.engine.id);
    if (!me) return Status::invalidArgument("cluster file " + f->path + " has no node " + v["--id"]);
    s.clusterName = f->cluster;
    listen = me->listen;
    l.control = me->control;
    s.engine.dataDir = me->data;
    l.tokenFile = f->tokenFile;
    flushText = f->flush;
    wText = f->writeQuorum;
    for (const auto& m : f->members)
      if (Status st = addPeer(s, m.id, m.address); !st.isOk()) return st;
  }
  if (v.count("--listen")) {
    auto hp = parseHostPort(v["--listen"], "--listen");
    if (!hp.isOk()) return hp.status();
    listen = *hp;
  }
  if (!listen) return Status::invalidArgument("--listen HOST:PORT is required (or --config FILE)");
  if (QHostAddress(QString::fromStdString(listen->host)).isNull() && listen->host != "localhost")
    return Status::invalidArgument("--listen '" + listen->text() + "': the host must be an IP address to bind "
                                   "(127.0.0.1 for this machine only, 0.0.0.0 for every interface)");
  if (listen->host == "localhost") listen->host = "127.0.0.1";
  s.host = listen->host;
  s.port = listen->port;
  if (v.count("--control")) {
    auto hp = parseHostPort(v["--control"], "--control");
    if (!hp.isOk()) return hp.status();
    l.control = *hp;
  } else if (!v.count("--config")) {
    if (listen->port > 65435) return Status::invalidArgument("give --control HOST:PORT (listen port + 100 is past 65535)");
    l.control = HostPort{listen->host, static_cast<std::uint16_t>(listen->port + 100)};
  }
  if (v.count("--data")) s.engine.dataDir = v["--data"];
  if (s.engine.dataDir.empty()) return Status::invalidArgument("--data DIR is required (the node's data directory)");
  if (v.count("--peers")) {
    s.peerPorts.clear();
    s.peerAddresses.clear();
    std::stringstream in(v["--peers"]);
    std::string item;
    while (std::getline(in, item, ',')) {
      const auto eq = item.find('=');
      if (eq == std::string::npos)
        return Status::invalidArgument("--peers item '" + item + "': expected ID=HOST:PORT, e.g. 2=127.0.0.1:7102");
      auto pid = integer(item.substr(0, eq), "--peers id", 1, kMaxNodes);
      if (!pid.isOk()) return pid.status();
      auto hp = parseHostPort(item.substr(eq + 1), "--peers " + item.substr(0, eq));
      if (!hp.isOk()) return hp.status();
      if (Status st = addPeer(s, static_cast<NodeId>(*pid), *hp); !st.isOk()) return st;
    }
  }
  if (v.count("--name")) s.clusterName = v["--name"];
  if (s.clusterName.empty() || s.clusterName.size() > 64)
    return Status::invalidArgument("--name: a cluster name of 1 to 64 characters");
  if (v.count("--flush")) flushText = v["--flush"];
  auto policy = parseFlushPolicyText(flushText);
  if (!policy.isOk()) return Status::invalidArgument("--flush: " + policy.status().message());
  s.engine.flush = *policy;
  if (v.count("--write-quorum")) wText = v["--write-quorum"];
  if (v.count("--token-file")) l.tokenFile = v["--token-file"];
  const struct {
    const char* name;
    long long lo, hi;
    std::function<void(long long)> set;
  } numbers[] = {
      {"--segment-bytes", 1024, 1ll << 32, [&](long long x) { s.engine.log.segmentBytes = static_cast<std::uint64_t>(x); }},
      {"--snapshot-every", 0, 1ll << 30, [&](long long x) { s.engine.snapshotEvery = static_cast<std::uint64_t>(x); }},
      {"--retain", 0, 1ll << 30, [&](long long x) { s.engine.retainEntries = static_cast<Index>(x); }},
      {"--election-ms", 150, 60'000, [&](long long x) { l.electionTimeoutMs = static_cast<int>(x); }},
      {"--tick-ms", 1, 1000, [&](long long x) { s.tickMs = static_cast<int>(x); }},
      {"--heartbeat-ticks", 1, 1000, [&](long long x) { s.engine.heartbeatTicks = static_cast<int>(x); }},
      {"--publish-ms", 5, 10'000, [&](long long x) { s.publishIntervalMs = static_cast<int>(x); }},
      {"--seed", 0, 1ll << 62, [&](long long x) { s.seed = static_cast<std::uint64_t>(x); }},
  };
  for (const auto& n : numbers) {
    if (!v.count(n.name)) continue;
    auto x = integer(v[n.name], n.name, n.lo, n.hi);
    if (!x.isOk()) return x.status();
    n.set(*x);
  }
  finish(l);
  auto w = writeQuorumOf(wText, s.engine.voters.size());
  if (!w.isOk()) return Status::invalidArgument("--write-quorum: " + w.status().message());
  s.engine.initialWriteQuorum = *w;
  return l;
}

std::vector<std::string> nodeLaunchArgs(const NodeLaunch& l) {
  const node::NodeSpec& s = l.spec;
  std::string peers;
  for (const auto& [peer, port] : s.peerPorts)
    peers += (peers.empty() ? "" : ",") + std::to_string(peer) + "=127.0.0.1:" + std::to_string(port);
  for (const auto& [peer, addr] : s.peerAddresses)
    peers += (peers.empty() ? "" : ",") + std::to_string(peer) + "=" + addr;
  std::vector<std::string> a = {
      "--id", std::to_string(s.engine.id), "--data", s.engine.dataDir,
      "--listen", s.host + ":" + std::to_string(s.port), "--control", l.control.text(),
      "--name", s.clusterName, "--flush", flushPolicyText(s.engine.flush),
      "--write-quorum", s.engine.initialWriteQuorum == 0 ? "majority" : std::to_string(s.engine.initialWriteQuorum),
      "--segment-bytes", std::to_string(s.engine.log.segmentBytes),
      "--snapshot-every", std::to_string(s.engine.snapshotEvery),
      "--retain", std::to_string(s.engine.retainEntries),
      "--election-ms", std::to_string(l.electionTimeoutMs),
      "--tick-ms", std::to_string(s.tickMs),
      "--heartbeat-ticks", std::to_string(s.engine.heartbeatTicks),
      "--publish-ms", std::to_string(s.publishIntervalMs),
      "--seed", std::to_string(s.seed)};
  if (!peers.empty()) a.insert(a.end(), {"--peers", peers});
  if (!l.tokenFile.empty()) a.insert(a.end(), {"--token-file", l.tokenFile});
  return a;
}

Result<std::string> loadToken(const std::string& file) {
  std::string token;
  if (!file.empty()) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0)
      return Status::invalidArgument("cannot read token file " + file + ": it does not exist");
    // Group-readable is allowed (a Kubernetes Secret mounted for the pod's fsGroup); readable
    // or writable by every user is not.
    if ((st.st_mode & 0007) != 0)
      return Status::invalidArgument("token file " + file + " can be read by every user of this machine: chmod 600 " + file);
    std::ifstream in(file);
    if (!in) return Status::invalidArgument("cannot read token file " + file);
    std::getline(in, token);
  } else if (const char* env = std::getenv(kTokenEnv)) {
    token = env;
  } else {
    return Status::invalidArgument(
        "no cluster token: put one in a file only you can read and pass --token-file FILE, or set QUORUMLAB_TOKEN");
  }
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  if (token.size() < 8 || token.size() > 256)
    return Status::invalidArgument("the cluster token must be 8 to 256 characters (it is " +
                                   std::to_string(token.size()) + ")");
  // Observers send it inside a JSON hello: bytes that are not UTF-8 would arrive changed.
  if (QString::fromStdString(token).toStdString() != token)
    return Status::invalidArgument("the cluster token is not UTF-8 text, so no observer could present it: use "
                                   "printable characters, e.g. hex digits (od -An -vtx1 -N32 /dev/urandom | tr -d ' \\n')");
  return token;
}

std::string newToken() {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string t;
  for (int i = 0; i < 32; ++i) t.push_back(hex[rd() & 15u]);
  return t;
}

}  // namespace qlab::remote
