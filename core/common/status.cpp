#include "core/common/status.h"

namespace qlab {

const char* Status::codeName(Code c) {
  switch (c) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid argument";
    case Code::kNotFound: return "not found";
    case Code::kCorruption: return "corruption";
    case Code::kIoError: return "I/O error";
    case Code::kNoSpace: return "no space left";
    case Code::kFailed: return "failed";
    case Code::kTimeout: return "timeout";
    case Code::kAborted: return "aborted";
    case Code::kUnavailable: return "unavailable";
  }
  return "unknown";
}

std::string Status::toString() const {
  if (isOk()) return "ok";
  return std::string(codeName(m_code)) + ": " + m_message;
}

Status Status::withContext(const std::string& context) const {
  if (isOk()) return *this;
  return Status(m_code, context + ": " + m_message);
}

}  // namespace qlab
