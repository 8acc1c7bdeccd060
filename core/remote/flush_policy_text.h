#pragma once
// A flush policy as one word on a command line or in a cluster file: "always", "group",
// "manual", "delayed" (500 ms) or "delayed:MS". Shared by `quorumlab node`, the cluster file
// and the control protocol.
#include <string>

#include "core/common/status.h"
#include "core/wal/flusher.h"

namespace qlab::remote {

// kInvalidArgument naming the text and the accepted forms.
Result<wal::FlushPolicy> parseFlushPolicyText(const std::string& text);
std::string flushPolicyText(const wal::FlushPolicy& p);

}  // namespace qlab::remote
