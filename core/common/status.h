#pragma once
// Operating errors (I/O failure, corruption, bad input) are values, cheap to return and to
// ignore explicitly. A Status carries a code and a message written for a person: it names
// the file or field and says what to do.
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "core/common/assert.h"

namespace qlab {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // bad input from a user or a file: fix the input
    kNotFound,
    kCorruption,       // data on disk or on the wire is damaged
    kIoError,          // the operating system refused (EIO, EACCES, ...)
    kNoSpace,          // ENOSPC: free space and retry; nothing durable was lost
    kFailed,           // latched failure (a failed fsync): the object must be reopened
    kTimeout,
    kAborted,          // the operation was cancelled (shutdown, kill)
    kUnavailable,      // try another node / try later
  };

  Status() = default;
  static Status ok() { return {}; }
  static Status invalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status notFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status ioError(std::string m) { return {Code::kIoError, std::move(m)}; }
  static Status noSpace(std::string m) { return {Code::kNoSpace, std::move(m)}; }
  static Status failed(std::string m) { return {Code::kFailed, std::move(m)}; }
  static Status timeout(std::string m) { return {Code::kTimeout, std::move(m)}; }
  static Status aborted(std::string m) { return {Code::kAborted, std::move(m)}; }
  static Status unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }

  bool isOk() const { return m_code == Code::kOk; }
  explicit operator bool() const { return isOk(); }
  Code code() const { return m_code; }
  const std::string& message() const { return m_message; }
  // "corruption: wal/0001.wal at byte 4096: checksum mismatch"
  std::string toString() const;
  static const char* codeName(Code c);

  // Prefix the message with context, keeping the code: status.withContext("opening node-2").
  Status withContext(const std::string& context) const;

 private:
  Status(Code c, std::string m) : m_code(c), m_message(std::move(m)) {}
  Code m_code = Code::kOk;
  std::string m_message;
};

// Either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_v(std::move(value)) {}                         // NOLINT implicit
  Result(Status status) : m_v(std::move(status)) {                   // NOLINT implicit
    QLAB_ASSERT_MSG(!std::get<Status>(m_v).isOk(), "Result built from an ok Status");
  }
  bool isOk() const { return std::holds_alternative<T>(m_v); }
  explicit operator bool() const { return isOk(); }
  const Status& status() const {
    static const Status kOk;
    return isOk() ? kOk : std::get<Status>(m_v);
  }
  T& value() & {
    QLAB_ASSERT(isOk());
    return std::get<T>(m_v);
  }
  const T& value() const& {
    QLAB_ASSERT(isOk());
    return std::get<T>(m_v);
  }
  T&& value() && {
    QLAB_ASSERT(isOk());
    return std::get<T>(std::move(m_v));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> m_v;
};

}  // namespace qlab

#define QLAB_RETURN_IF_ERROR(expr)            \
  do {                                        \
    ::qlab::Status qlab_status_ = (expr);     \
    if (!qlab_status_.isOk()) return qlab_status_; \
  } while (0)
