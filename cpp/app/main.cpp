// detection-studio: the light front. Commands that need a model, images or a window run in
// detection-studio-runtime, which this program execs (see CMakeLists.txt for why).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "app/commands/commands.hpp"
#include "core/util/files.hpp"

namespace {

int exec_runtime(int, char** argv) {
  const auto runtime = ds::current_executable().parent_path() / "detection-studio-runtime";
  execv(runtime.c_str(), argv);
  std::cerr << ds::cli::kProgram << ": error: cannot start " << runtime.string() << ": "
            << std::strerror(errno) << " (is the installation complete? run 'make install')\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto commands = ds::cli::command_table();
  return ds::cli::run_main(commands, argc, argv, exec_runtime);
}
