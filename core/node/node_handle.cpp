#include "core/node/node_handle.h"

namespace qlab::node {

const char* killKindName(KillKind k) {
  switch (k) {
    case KillKind::kPowerLoss: return "power loss";
    case KillKind::kTornPowerLoss: return "power loss, torn last write";
    case KillKind::kCrash: return "process crash";
  }
  return "?";
}

}  // namespace qlab::node
