#pragma once
// A small argument parser shared by the subcommands: `--name value`, `--name=value`, flags,
// and positionals, with one-line errors that name the option and point at --help.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace qlab::app {

class Args {
 public:
  // `valued` options take a value, `flags` do not; anything else starting with -- is an error.
  Args(std::string command, std::vector<std::string> argv, std::set<std::string> valued,
       std::set<std::string> flags);

  bool ok() const { return m_error.empty(); }
  const std::string& error() const { return m_error; }
  bool has(const std::string& name) const;
  std::optional<std::string> value(const std::string& name) const;
  // Integer option in [lo, hi]; on a bad value records an error and returns the default.
  long long integer(const std::string& name, long long def, long long lo, long long hi);
  double number(const std::string& name, double def, double lo, double hi);
  std::string string(const std::string& name, const std::string& def) const;
  const std::vector<std::string>& positionals() const { return m_positionals; }
  void fail(const std::string& message);

 private:
  std::string m_command;
  std::map<std::string, std::string> m_values;
  std::set<std::string> m_flags;
  std::vector<std::string> m_positionals;
  std::string m_error;
};

// Prints "quorumlab <cmd>: <message> (see quorumlab --help)" to stderr, returns exit code 1.
int usageError(const std::string& command, const std::string& message);
// Bad input that is not a usage mistake (a missing directory, an unreadable file): prints
// "quorumlab <cmd>: <message>" to stderr, returns exit code 1. The message names the path
// and says what to do.
int inputError(const std::string& command, const std::string& message);

}  // namespace qlab::app
