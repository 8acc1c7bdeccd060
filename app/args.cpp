#include "app/args.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace qlab::app {

Args::Args(std::string command, std::vector<std::string> argv, std::set<std::string> valued,
           std::set<std::string> flags)
    : m_command(std::move(command)) {
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() > 2 && a.rfind("--", 0) == 0) {
      std::string name = a.substr(2);
      std::optional<std::string> inlineValue;
      if (auto eq = name.find('='); eq != std::string::npos) {
        inlineValue = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      if (valued.count(name)) {
        if (inlineValue) {
          m_values[name] = *inlineValue;
        } else if (i + 1 < argv.size()) {
          m_values[name] = argv[++i];
        } else {
          fail("option --" + name + " needs a value");
        }
      } else if (flags.count(name) && !inlineValue) {
        m_flags.insert(name);
      } else {
        fail("unknown option --" + name);
      }
    } else {
      m_positionals.push_back(a);
    }
    if (!ok()) return;
  }
}

bool Args::has(const std::string& name) const {
  return m_flags.count(name) > 0 || m_values.count(name) > 0;
}

std::optional<std::string> Args::value(const std::string& name) const {
  auto it = m_values.find(name);
  if (it == m_values.end()) return std::nullopt;
  return it->second;
}

std::string Args::string(const std::string& name, const std::string& def) const {
  return value(name).value_or(def);
}

long long Args::integer(const std::string& name, long long def, long long lo, long long hi) {
  auto v = value(name);
  if (!v) return def;
  errno = 0;
  char* end = nullptr;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (errno != 0 || end == v->c_str() || *end != '\0' || n < lo || n > hi) {
    fail("--" + name + " must be an integer from " + std::to_string(lo) + " to " +
         std::to_string(hi) + ", not '" + *v + "'");
    return def;
  }
  return n;
}

double Args::number(const std::string& name, double def, double lo, double hi) {
  auto v = value(name);
  if (!v) return def;
  char* end = nullptr;
  double n = std::strtod(v->c_str(), &end);
  if (end == v->c_str() || *end != '\0' || !(n >= lo && n <= hi)) {
    fail("--" + name + " must be a number from " + std::to_string(lo) + " to " +
         std::to_string(hi) + ", not '" + *v + "'");
    return def;
  }
  return n;
}

void Args::fail(const std::string& message) {
  if (m_error.empty()) m_error = message;
}

int usageError(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "quorumlab %s: %s (see quorumlab --help)\n", command.c_str(),
               message.c_str());
  return 1;
}

int inputError(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "quorumlab %s: %s\n", command.c_str(), message.c_str());
  return 1;
}

}  // namespace qlab::app
