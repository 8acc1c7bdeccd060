// Fuzz target for the replication message decoder (core/replication/message.h).
//
// Input: the bytes of one message as they arrive in a frame payload. Checked on every input:
// - decodeMessage never crashes, hangs or allocates beyond what the input can hold (ASan's
//   allocation limit catches a count trusted before it was checked);
// - the encoding is canonical: whatever decodes re-encodes to exactly the same bytes, and
//   decodes again to the same message;
// - describe() (logs, the timeline) works on anything that decodes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/assert.h"
#include "core/replication/message.h"

using namespace qlab;
using namespace qlab::replication;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Result<Message> m = decodeMessage(input);
  if (!m.isOk()) {
    QLAB_ASSERT(m.status().code() == Status::Code::kCorruption);
    QLAB_ASSERT(!m.status().message().empty());
    return 0;
  }
  QLAB_ASSERT(m->entries.size() <= kMaxEntriesPerMessage);
  const std::string again = encodeMessage(*m);
  QLAB_ASSERT(again == input);
  Result<Message> m2 = decodeMessage(again);
  QLAB_ASSERT(m2.isOk() && *m2 == *m);
  QLAB_ASSERT(!describe(*m).empty());
  return 0;
}
