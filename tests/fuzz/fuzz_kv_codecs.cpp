// Fuzz target for the decoders of core/kv and the config entry: kv commands (data entry
// payloads), client requests and responses (client frames), KvStore snapshots and
// ClusterConfig payloads.
//
// Input: byte 0 picks the decoder (modulo 5), the rest is its input. Checked on every input:
// - no decoder crashes, hangs or allocates beyond what the input can hold;
// - commands, requests, responses and configs have one encoding: what decodes re-encodes
//   to exactly the same bytes;
// - a snapshot that decodes re-encodes to a snapshot that decodes to the same state and
//   re-encodes to the same bytes (the first encoding need not be canonical: keys may come
//   in any order), and applying entries to it keeps working.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/assert.h"
#include "core/common/cluster_config.h"
#include "core/common/entry.h"
#include "core/kv/client_protocol.h"
#include "core/kv/command.h"
#include "core/kv/kv_store.h"

using namespace qlab;
using namespace qlab::kv;

namespace {

void checkSnapshot(std::string_view in) {
  Result<KvStore> s = KvStore::decodeSnapshot(in);
  if (!s.isOk()) return;
  const std::string once = s->encodeSnapshot();
  Result<KvStore> s2 = KvStore::decodeSnapshot(once);
  QLAB_ASSERT(s2.isOk());
  QLAB_ASSERT(*s2 == *s);
  QLAB_ASSERT(s2->encodeSnapshot() == once);  // sessions, quorum and counters too
  // The decoded state is a working state machine: the next entry applies.
  if (s->appliedIndex() < UINT64_MAX) {
    Entry e;
    e.index = s->appliedIndex() + 1;
    e.payload = encodeCommand(Command{1, 1, "k", "v"});
    (void)s->apply(e);
    QLAB_ASSERT(s->appliedIndex() == e.index);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      if (Result<Command> c = decodeCommand(in); c.isOk()) QLAB_ASSERT(encodeCommand(*c) == in);
      break;
    case 1:
      if (Result<ClientRequest> r = decodeClientRequest(in); r.isOk()) QLAB_ASSERT(encodeClientRequest(*r) == in);
      break;
    case 2:
      if (Result<ClientResponse> r = decodeClientResponse(in); r.isOk()) {
        QLAB_ASSERT(encodeClientResponse(*r) == in);
        QLAB_ASSERT(clientStatusName(r->status) != std::string_view("unknown"));
      }
      break;
    case 3:
      checkSnapshot(in);
      break;
    default:
      if (Result<ClusterConfig> c = decodeClusterConfig(in); c.isOk()) QLAB_ASSERT(encodeClusterConfig(*c) == in);
      break;
  }
  return 0;
}
