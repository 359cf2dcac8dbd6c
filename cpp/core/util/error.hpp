#pragma once
// Errors shown to users: one line that names the file, the line or key, and what is wrong.
// The front ends (CLI, Python bindings) catch ds::Error and print/raise its message as is.
#include <stdexcept>
#include <string>

namespace ds {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ds
