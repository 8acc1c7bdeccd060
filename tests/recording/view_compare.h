#pragma once
// Field-by-field comparison of two NodeViews for the recording tests, written out here (not
// shared with the codec) so that a field the codec forgets shows up as a named difference.
#include <cstring>
#include <sstream>
#include <string>

#include "core/node/node_view.h"

namespace qlab::testing {

inline std::string viewDifference(const node::NodeView& a, const node::NodeView& b) {
  std::ostringstream o;
#define QLAB_CMP(f) \
  if (!(a.f == b.f)) o << #f << " differs; "
  QLAB_CMP(id); QLAB_CMP(status); QLAB_CMP(failure); QLAB_CMP(version); QLAB_CMP(publishedMs);
  QLAB_CMP(port); QLAB_CMP(role); QLAB_CMP(generation); QLAB_CMP(votedFor); QLAB_CMP(leader);
  QLAB_CMP(firstIndex); QLAB_CMP(lwm); QLAB_CMP(lastIndex); QLAB_CMP(durableEnd); QLAB_CMP(ackEnd);
  QLAB_CMP(hwm); QLAB_CMP(applied); QLAB_CMP(snapshot); QLAB_CMP(writeQuorum);
  QLAB_CMP(configuredWriteQuorum); QLAB_CMP(flush); QLAB_CMP(bufferedBytes); QLAB_CMP(segments);
  QLAB_CMP(recent); QLAB_CMP(duplicates); QLAB_CMP(kv); QLAB_CMP(kvKeys);
  QLAB_CMP(counters.appended); QLAB_CMP(counters.flushes); QLAB_CMP(counters.messagesIn);
  QLAB_CMP(counters.messagesOut); QLAB_CMP(counters.truncatedEntries); QLAB_CMP(counters.snapshotsTaken);
  QLAB_CMP(counters.snapshotsInstalled); QLAB_CMP(counters.duplicatesIgnored); QLAB_CMP(counters.clientWrites);
  QLAB_CMP(counters.clientReads); QLAB_CMP(counters.segmentsDeleted);
#undef QLAB_CMP
  if (a.peers.size() != b.peers.size()) {
    o << "peers differ in number; ";
  } else {
    for (std::size_t i = 0; i < a.peers.size(); ++i) {
      const auto& p = a.peers[i];
      const auto& q = b.peers[i];
      if (p.id != q.id || p.match != q.match || p.next != q.next || std::strcmp(p.state, q.state) != 0 ||
          p.recentlyActive != q.recentlyActive || p.snapshotIndex != q.snapshotIndex ||
          p.snapshotOffset != q.snapshotOffset || p.snapshotBytes != q.snapshotBytes)
        o << "peer " << p.id << " differs; ";
    }
  }
  return o.str();
}

}  // namespace qlab::testing
