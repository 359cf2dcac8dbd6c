#pragma once
// Ctrl-C or SIGTERM arrived while something blocked (a live source that never started): the
// front end says "interrupted" and exits 128 + signal, as a run stopped between batches does.
#include <string>

#include "core/util/error.hpp"

namespace ds {

class Interrupted : public Error {
 public:
  Interrupted(int signal, const std::string& what) : Error(what), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

}  // namespace ds
