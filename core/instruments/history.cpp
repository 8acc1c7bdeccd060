#include "core/instruments/history.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "core/kv/command.h"

namespace qlab::cluster {

const char* opResultName(OpResult r) {
  switch (r) {
    case OpResult::kOk: return "ok";
    case OpResult::kFail: return "fail";
    case OpResult::kTimeout: return "timeout";
  }
  return "?";
}

void AckJudge::see(const Entry& e) {
  if (e.type != EntryType::kData) return;
  auto c = kv::decodeCommand(e.payload);
  if (!c.isOk()) return;
  std::uint64_t& newest = m_newestSeq[c->client];
  if (c->seq <= newest) return;
  newest = c->seq;
  m_applied.emplace(c->client, c->seq);
}

void AckJudge::judge(const Operation& op, Index firstIndex) {
  if (op.kind != OpKind::kWrite || op.result != OpResult::kOk) return;
  if (m_applied.count({op.client, op.seq})) return;
  if (op.index < firstIndex) ++m_verdict.unjudged;
  else m_verdict.lost.push_back({op.client, op.seq, op.key, op.value, op.index});
}

std::vector<LostWrite> findLostAcknowledged(const std::vector<Operation>& history,
                                            const std::vector<Entry>& committedLog) {
  AckJudge judge;
  for (const Entry& e : committedLog) judge.see(e);
  for (const Operation& op : history) judge.judge(op, 0);
  return judge.verdict().lost;
}

namespace {

constexpr std::int64_t kMinus = std::numeric_limits<std::int64_t>::min() / 4;
constexpr std::int64_t kPlus = std::numeric_limits<std::int64_t>::max() / 4;

struct Cluster {
  std::string value;        // "" with initial = the key's initial (absent) state
  bool initial = false;
  std::int64_t minComplete = kPlus;  // earliest completion of any op in the cluster
  std::int64_t maxInvoke = kMinus;   // latest invocation of any op in the cluster
};

std::string describeOp(const Operation& op) {
  return std::string(op.kind == OpKind::kWrite ? "write" : "read") + " by client " +
         std::to_string(op.client) + " seq " + std::to_string(op.seq) + " [" +
         std::to_string(op.invokeUs) + "us, " + std::to_string(op.completeUs) + "us]";
}

// Gibbons & Korach: a register history with unique written values is linearizable iff
// (1) no read finishes before the write of its value starts, (2) the forward zones of the
// value clusters are pairwise disjoint, and (3) no backward zone lies inside a forward zone.
void checkKey(const std::string& key, const std::vector<const Operation*>& ops,
              std::vector<std::string>* out) {
  std::map<std::string, const Operation*> writes;
  for (const Operation* op : ops)
    if (op->kind == OpKind::kWrite) writes[op->value] = op;

  std::map<std::string, Cluster> clusters;
  Cluster initial;
  initial.initial = true;
  initial.minComplete = kMinus;  // the initial state is "written" before everything
  bool initialRead = false;
  for (const Operation* op : ops) {
    if (op->kind != OpKind::kRead || op->result != OpResult::kOk) continue;
    if (!op->found) {
      initial.maxInvoke = std::max(initial.maxInvoke, op->invokeUs);
      initialRead = true;
      continue;
    }
    auto w = writes.find(op->value);
    if (w == writes.end()) {
      out->push_back("key " + key + ": " + describeOp(*op) + " returned '" + op->value +
                     "', a value nobody wrote");
      continue;
    }
    if (op->completeUs < w->second->invokeUs) {
      out->push_back("key " + key + ": " + describeOp(*op) + " returned '" + op->value +
                     "' before its " + describeOp(*w->second) + " began");
    }
    Cluster& c = clusters[op->value];
    c.value = op->value;
    c.minComplete = std::min(c.minComplete, op->completeUs);
    c.maxInvoke = std::max(c.maxInvoke, op->invokeUs);
  }
  for (const auto& [value, w] : writes) {
    bool read = clusters.count(value) > 0;
    if (w->result == OpResult::kFail) continue;
    if (w->result == OpResult::kTimeout && !read) continue;  // may never have happened
    Cluster& c = clusters[value];
    c.value = value;
    std::int64_t complete = w->result == OpResult::kOk ? w->completeUs : kPlus;
    c.minComplete = std::min(c.minComplete, complete);
    c.maxInvoke = std::max(c.maxInvoke, w->invokeUs);
  }
  if (initialRead) clusters["\x01initial"] = initial;

  struct Zone {
    std::int64_t lo, hi;
    std::string value;
  };
  std::vector<Zone> forward, backward;
  for (const auto& [v, c] : clusters) {
    std::string name = c.initial ? "<absent>" : "'" + c.value + "'";
    if (c.minComplete < c.maxInvoke) forward.push_back({c.minComplete, c.maxInvoke, name});
    else backward.push_back({c.maxInvoke, c.minComplete, name});
  }
  std::sort(forward.begin(), forward.end(), [](const Zone& a, const Zone& b) { return a.lo < b.lo; });
  for (std::size_t i = 1; i < forward.size(); ++i) {
    if (forward[i].lo < forward[i - 1].hi)
      out->push_back("key " + key + ": values " + forward[i - 1].value + " and " + forward[i].value +
                     " were both current over an overlapping period (" +
                     std::to_string(forward[i].lo) + "us .. " +
                     std::to_string(std::min(forward[i].hi, forward[i - 1].hi)) + "us)");
  }
  for (const Zone& b : backward) {
    // The forward zone starting last at or before b.lo is the only one that can contain it
    // (forward zones are disjoint if the check above passed).
    auto it = std::upper_bound(forward.begin(), forward.end(), b.lo,
                               [](std::int64_t t, const Zone& z) { return t < z.lo; });
    if (it == forward.begin()) continue;
    --it;
    if (it->lo < b.lo && b.hi < it->hi && it->value != b.value)
      out->push_back("key " + key + ": value " + b.value + " took effect entirely while " + it->value +
                     " had to be current");
  }
}

}  // namespace

std::vector<std::string> checkLinearizable(const std::vector<Operation>& history) {
  std::unordered_map<std::string, std::vector<const Operation*>> byKey;
  for (const Operation& op : history) byKey[op.key].push_back(&op);
  std::vector<std::string> out;
  std::vector<std::string> keys;
  for (const auto& [k, v] : byKey) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  for (const auto& k : keys) checkKey(k, byKey[k], &out);
  return out;
}

}  // namespace qlab::cluster
