#pragma once
// FakeSource: a ClusterSource/ClusterControl over synthetic NodeView values, so models and
// views are tested without threads, sockets or disks. Commands are recorded as strings
// ("kill 2 torn") and the simple ones change the synthetic state the way the cluster would.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ui/source/cluster_source.h"

namespace qlab::ui::test {

// A NodeView whose log holds [first, last] with generation `gen`, keys "k<index>".
inline node::NodeView makeView(NodeId id, Index first, Index last, Index durable, Index hwm,
                               Generation gen = 1, std::size_t window = 96) {
  node::NodeView v;
  v.id = id;
  v.status = node::NodeStatus::kRunning;
  v.version = 1;
  v.generation = gen;
  v.firstIndex = first;
  v.lwm = first;
  v.lastIndex = last;
  v.durableEnd = durable;
  v.ackEnd = durable;
  v.hwm = hwm;
  v.applied = hwm;
  Index from = last >= window ? std::max(first, last - window + 1) : first;
  for (Index i = from; i <= last && i >= first; ++i) {
    node::EntryView e;
    e.index = i;
    e.generation = gen;
    e.client = 1;
    e.seq = i;
    e.key = "k" + std::to_string(i);
    e.value = "v" + std::to_string(i);
    e.timestampMs = static_cast<std::int64_t>(i);
    v.recent.push_back(e);
  }
  v.segments.push_back({"00000000000000000001.wal", first, last, last * 64, durable * 64, false});
  return v;
}

class FakeSource : public ClusterSource, public ClusterControl {
 public:
  explicit FakeSource(int n = 3) {
    for (int i = 1; i <= n; ++i) m_views.push_back(makeView(static_cast<NodeId>(i), 1, 0, 0, 0));
  }

  // ---- test setup ----
  void setView(const node::NodeView& v) { m_views.at(v.id - 1) = v; }
  node::NodeView& mutableView(NodeId id) { return m_views.at(id - 1); }
  void setLeader(NodeId id) { m_leader = id; }
  void setHwm(Index h) { m_hwm = h; }
  void setNow(std::int64_t ms) { m_now = ms; }
  void addEvent(node::NodeEvent e) { m_events.push_back({++m_eventSeq, std::move(e)}); }
  void addLog(NodeId node, int level, std::string text) {
    m_logs.push_back({++m_logSeq, m_now, node, level, std::move(text)});
  }
  void addOperation(cluster::Operation op) { m_ops.push_back(std::move(op)); }
  void addFinding(bool violation, std::string text) { m_findings.push_back({m_now, violation, std::move(text)}); }
  void setLostWrites(std::vector<cluster::LostWrite> l) { m_lost = std::move(l); }
  void setDataDir(std::string d) { m_dataDir = std::move(d); }
  std::vector<std::string> commands;
  mutable int entriesCalls = 0;

  // ---- ClusterSource ----
  int size() const override { return static_cast<int>(m_views.size()); }
  std::int64_t nowMs() const override { return m_now; }
  std::vector<ViewPtr> views() const override {
    std::vector<ViewPtr> out;
    for (const auto& v : m_views) out.push_back(std::make_shared<const node::NodeView>(v));
    return out;
  }
  NodeId leader() const override { return m_leader; }
  Index hwm() const override { return m_hwm; }
  LinkInfo link(NodeId from, NodeId to) const override {
    auto it = m_links.find({from, to});
    return it == m_links.end() ? LinkInfo{} : it->second;
  }
  std::uint32_t writeQuorum() const override { return m_w; }
  std::string writeQuorumWarning() const override { return m_w == 1 ? "W=1 can lose writes" : ""; }
  std::string dataDir() const override { return m_dataDir; }
  std::string nodeDir(NodeId id) const override { return m_dataDir + "/node-" + std::to_string(id); }
  std::vector<node::EntryView> entries(NodeId id, Index from, Index to) const override {
    ++entriesCalls;
    std::vector<node::EntryView> out;
    const node::NodeView& v = m_views.at(id - 1);
    for (Index i = std::max(from, v.firstIndex); i <= std::min(to, v.lastIndex); ++i) {
      node::EntryView e;
      e.index = i;
      e.generation = v.generation;
      e.client = 1;
      e.seq = i;
      e.key = "k" + std::to_string(i);
      e.timestampMs = static_cast<std::int64_t>(i);
      out.push_back(e);
    }
    return out;
  }
  std::vector<cluster::RecordedEvent> eventsSince(std::uint64_t after, std::size_t limit) const override {
    std::vector<cluster::RecordedEvent> out;
    for (const auto& e : m_events)
      if (e.seq > after && out.size() < limit) out.push_back(e);
    return out;
  }
  std::vector<cluster::RecordedEvent> eventsBetween(std::int64_t from, std::int64_t to, std::size_t limit) const override {
    std::vector<cluster::RecordedEvent> out;
    for (const auto& e : m_events)
      if (e.event.tMs >= from && e.event.tMs <= to && out.size() < limit) out.push_back(e);
    return out;
  }
  std::vector<cluster::Operation> operationsSince(std::int64_t afterUs) const override {
    std::vector<cluster::Operation> out;
    for (const auto& o : m_ops)
      if (o.completeUs > afterUs) out.push_back(o);
    return out;
  }
  std::vector<cluster::LogLine> logsSince(std::uint64_t after, std::size_t limit) const override {
    std::vector<cluster::LogLine> out;
    for (const auto& l : m_logs)
      if (l.seq > after && out.size() < limit) out.push_back(l);
    return out;
  }
  std::vector<cluster::Finding> findingsFrom(std::size_t first) const override {
    return first >= m_findings.size() ? std::vector<cluster::Finding>{}
                                      : std::vector<cluster::Finding>(m_findings.begin() + static_cast<std::ptrdiff_t>(first), m_findings.end());
  }
  std::vector<cluster::LostWrite> lostWrites() const override { return m_lost; }
  bool loadRunning() const override { return m_loadRunning; }
  bool frozen() const override { return m_frozen; }
  cluster::LoadOptions loadOptions() const override { return m_load; }

  // ---- ClusterControl ----
  // Each fault as a short command line ("kill 2 torn") and the change it would make.
  std::string apply(const cluster::Fault& f) override {
    using K = cluster::FaultKind;
    const auto each = [&](const auto& fn) {
      for (NodeId id : f.nodes) fn(id);
    };
    switch (f.kind) {
      case K::kKill:
        each([&](NodeId id) {
          commands.push_back("kill " + std::to_string(id) + (f.how == node::KillKind::kTornPowerLoss ? " torn"
                                                             : f.how == node::KillKind::kCrash    ? " crash"
                                                                                                  : ""));
          mutableView(id).status = node::NodeStatus::kDead;
        });
        break;
      case K::kRestart:
        each([&](NodeId id) {
          commands.push_back("restart " + std::to_string(id));
          mutableView(id).status = node::NodeStatus::kRunning;
        });
        break;
      case K::kPause:
        each([&](NodeId id) {
          commands.push_back("pause " + std::to_string(id));
          mutableView(id).status = node::NodeStatus::kPaused;
        });
        break;
      case K::kResume:
        each([&](NodeId id) {
          commands.push_back("resume " + std::to_string(id));
          mutableView(id).status = node::NodeStatus::kRunning;
        });
        break;
      case K::kFlushPolicy:
        each([&](NodeId id) {
          commands.push_back("flush " + std::to_string(id) + " " + wal::flushModeName(f.policy.mode) + " " +
                             std::to_string(f.policy.delayMs));
          mutableView(id).flush = f.policy;
        });
        break;
      case K::kFlushNow: each([&](NodeId id) { commands.push_back("flush_now " + std::to_string(id)); }); break;
      case K::kCampaign: each([&](NodeId id) { commands.push_back("campaign " + std::to_string(id)); }); break;
      case K::kDropResponses:
        each([&](NodeId id) {
          commands.push_back("drop_responses " + std::to_string(id) + " " + std::to_string(f.count));
        });
        break;
      case K::kPartition: {
        std::string s = "partition";
        for (const auto& g : f.groups) {
          s += " [";
          for (NodeId n : g) s += std::to_string(n);
          s += "]";
        }
        commands.push_back(s);
        break;
      }
      case K::kLink:
        for (NodeId from : f.nodes)
          for (NodeId to : f.peers) {
            commands.push_back("link " + std::to_string(from) + "->" + std::to_string(to) + " delay " +
                               std::to_string(f.link.delayMs) + (f.oneWay ? " oneway" : ""));
            m_links[{from, to}] = {f.link.cut, f.link.delayMs, f.link.dropProbability};
            if (!f.oneWay) m_links[{to, from}] = {f.link.cut, f.link.delayMs, f.link.dropProbability};
          }
        break;
      case K::kHeal:
        commands.push_back("heal");
        m_links.clear();
        break;
      case K::kWriteQuorum:
        commands.push_back("quorum " + std::to_string(f.writeQuorum));
        m_w = f.writeQuorum;
        break;
    }
    return {};
  }
  void setFrozen(bool on) override {
    commands.push_back(on ? "freeze" : "thaw");
    m_frozen = on;
  }
  void startLoad(const cluster::LoadOptions& o) override {
    commands.push_back("load " + std::to_string(o.clients) + " " + std::to_string(static_cast<int>(o.rate)));
    m_load = o;
    m_loadRunning = true;
  }
  void stopLoad() override {
    commands.push_back("stop_load");
    m_loadRunning = false;
  }
  void setLoadRate(double r) override {
    commands.push_back("rate " + std::to_string(static_cast<int>(r)));
    m_load.rate = r;
  }
  void submit(const std::string& key, const std::string& value,
              std::function<void(const cluster::Operation&)> done) override {
    commands.push_back("write " + key + "=" + value);
    cluster::Operation op;
    op.key = key;
    op.value = value;
    op.result = cluster::OpResult::kOk;
    op.index = 42;
    if (done) done(op);
  }

 private:
  std::vector<node::NodeView> m_views;
  NodeId m_leader = kNoNode;
  Index m_hwm = 0;
  std::int64_t m_now = 0;
  std::uint32_t m_w = 0;
  std::string m_dataDir = "/nonexistent";
  std::map<std::pair<NodeId, NodeId>, LinkInfo> m_links;
  std::vector<cluster::RecordedEvent> m_events;
  std::uint64_t m_eventSeq = 0;
  std::vector<cluster::LogLine> m_logs;
  std::uint64_t m_logSeq = 0;
  std::vector<cluster::Operation> m_ops;
  std::vector<cluster::Finding> m_findings;
  std::vector<cluster::LostWrite> m_lost;
  bool m_loadRunning = false;
  bool m_frozen = false;
  cluster::LoadOptions m_load;
};

}  // namespace qlab::ui::test
