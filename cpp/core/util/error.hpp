#pragma once
// Errors shown to users: one line that names the file, the line or key, and what is wrong.
// The front ends (CLI, Python bindings) catch ds::Error and print/raise its message as is.
#include <stdexcept>
#include <string>

namespace ds {

class Error : public std::runtime_error {
 public:
  // what() is a C string: a NUL byte from a file (a name, a key, a path) would cut the message
  // short there, so it is written as the front ends escape other control bytes: \x00.
  explicit Error(const std::string& what) : std::runtime_error(without_nul(what)) {}
  explicit Error(const char* what) : std::runtime_error(what) {}

 private:
  static std::string without_nul(const std::string& s) {
    if (s.find('\0') == std::string::npos) return s;
    std::string out;
    out.reserve(s.size() + 8);
    for (const char c : s) {
      if (c == '\0') out += "\\x00";
      else out += c;
    }
    return out;
  }
};

}  // namespace ds
