// ShiViz log (docs/interop.md#shiviz): the parser regex on the first line, an empty run
// delimiter on the second, then two lines per event: its text, then "nodeN {clock}". Hosts are
// the nodes; client operations appear as the node events that answered them, and events of
// the cluster itself (node 0: partition, heal) have no host and are left out.
#include <map>
#include <unordered_map>

#include "core/interop/run_analysis.h"
#include "core/interop/writers.h"

namespace qlab::interop {

namespace {

using Clock = std::map<NodeId, std::uint64_t>;

std::string hostName(NodeId id) { return "node" + std::to_string(id); }

void writeClock(std::ostream& out, const Clock& c) {
  out << '{';
  bool first = true;
  for (const auto& [host, n] : c) {
    out << (first ? "" : ", ") << '"' << hostName(host) << "\": " << n;
    first = false;
  }
  out << '}';
}

}  // namespace

Status writeShiviz(const InteropRun& run, std::ostream& out) {
  out << "(?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})\n\n";
  const std::vector<std::ptrdiff_t> match = matchMessages(run.events);
  std::vector<bool> matchedSend(run.events.size(), false);
  for (std::ptrdiff_t s : match)
    if (s != kNoSend) matchedSend[static_cast<std::size_t>(s)] = true;
  std::map<NodeId, Clock> clocks;                      // each host's clock after its last event
  std::unordered_map<std::size_t, Clock> sentClocks;   // at matched sends, until received
  for (std::size_t i = 0; i < run.events.size(); ++i) {
    const node::NodeEvent& e = run.events[i];
    if (e.node == kNoNode) continue;
    Clock& c = clocks[e.node];
    if (match[i] != kNoSend) {
      auto sent = sentClocks.find(static_cast<std::size_t>(match[i]));
      for (const auto& [host, n] : sent->second) c[host] = std::max(c[host], n);
      sentClocks.erase(sent);
    }
    ++c[e.node];
    if (matchedSend[i]) sentClocks.emplace(i, c);
    out << e.tMs << " ms " << describeEvent(e) << '\n' << hostName(e.node) << ' ';
    writeClock(out, c);
    out << '\n';
  }
  if (!out) return Status::ioError("the ShiViz log could not be written");
  return Status::ok();
}

}  // namespace qlab::interop
