// Cluster::scanLog: every entry a node holds, for exports and final summaries. A node that is
// up is read through its own log (buffered entries included, so an export taken before a
// delayed flush shows what the node really has); a node that is down is read from its files,
// read-only, exactly as its next recovery would find them.
#include "core/cluster/cluster.h"
#include "core/wal/log_verifier.h"
#include "core/wal/record_codec.h"

namespace qlab::cluster {

namespace {
constexpr Index kChunkEntries = 4096;
constexpr std::size_t kChunkBytes = 8u << 20;
}  // namespace

Result<Cluster::LogScan> Cluster::scanLog(NodeId id, const std::function<bool(const Entry&, bool durable)>& visit) const {
  if (id < 1 || id > m_nodes.size()) return Status::invalidArgument("no node " + std::to_string(id));
  const node::NodeHandle& n = *m_nodes[id - 1];
  LogScan scan;
  if (auto x = n.logExtent()) {
    scan.live = true;
    scan.first = x->first;
    scan.last = x->last;
    scan.durableEnd = x->durableEnd;
    std::vector<Entry> chunk;
    for (Index next = x->first; next <= x->last;) {
      chunk.clear();
      Status s = n.readLog(next, std::min(x->last, next + kChunkEntries - 1), kChunkBytes, &chunk);
      if (!s.isOk() || chunk.empty()) {
        // The node went down or cut its log meanwhile: what was read stands, the rest is gone.
        scan.last = next - 1;
        break;
      }
      for (const Entry& e : chunk)
        if (!visit(e, e.index <= x->durableEnd)) return scan;
      next = chunk.back().index + 1;
    }
    scan.durableEnd = std::min(scan.durableEnd, scan.last);
    return scan;
  }
  bool any = false;
  auto checked = wal::verifyLog(wal::posixFileSystem(), nodeDir(id) + "/wal", {}, [&](const wal::RecordView& r) {
    const Entry e = wal::toEntry(r);
    if (!any) scan.first = e.index;
    any = true;
    scan.last = e.index;
    return visit(e, true);
  });
  if (!checked.isOk() && checked.status().code() != Status::Code::kNotFound) return checked.status();
  if (!any) scan.first = scan.last + 1;
  scan.durableEnd = scan.last;
  return scan;
}

}  // namespace qlab::cluster
