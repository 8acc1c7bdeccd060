#include "core/instruments/run_summary.h"

#include "core/common/json_writer.h"

namespace qlab::cluster {

std::string RunSummary::toJson() const {
  JsonWriter w;
  w.beginObject();
  w.key("ok").value(ok);
  w.key("acked_writes").value(ackedWrites);
  w.key("committed").value(committed);
  w.key("lost_acked").beginArray();
  for (const auto& l : lostAcked) {
    w.beginObject();
    w.key("client").value(l.client).key("seq").value(l.seq).key("key").value(l.key);
    w.key("value").value(l.value).key("index").value(l.index);
    w.endObject();
  }
  w.endArray();
  w.key("violations").beginArray();
  for (const auto& v : violations) w.value(v);
  w.endArray();
  w.key("failed_expectations").beginArray();
  for (const auto& v : failedExpectations) w.value(v);
  w.endArray();
  w.key("reference").value(static_cast<std::int64_t>(reference));
  w.key("unjudged_acked").value(unjudgedAcked);
  w.key("leader_changes").value(static_cast<std::int64_t>(leaderChanges));
  w.key("final_hwm").value(finalHwm);
  w.key("duration_ms").value(durationMs);
  w.endObject();
  return w.take();
}

}  // namespace qlab::cluster
