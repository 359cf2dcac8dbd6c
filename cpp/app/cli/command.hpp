#pragma once
// The command-line front: a table of commands, argument parsing, and the one place where
// errors become a single line on stderr and an exit code.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ds::cli {

struct Option {
  std::string_view name;        // "--output"
  std::string_view value_name;  // "DIR"; empty for a flag
  std::string_view help;
  bool required = false;  // usage shows it without brackets; the command checks it
};

class ParsedArgs {
 public:
  std::vector<std::string> positional;
  std::map<std::string, std::string, std::less<>> options;  // flags map to ""; the last one given
  std::map<std::string, std::vector<std::string>, std::less<>> repeated;  // every value, in order

  bool has(std::string_view name) const { return options.contains(name); }
  std::optional<std::string> get(std::string_view name) const;
  std::int64_t get_int(std::string_view name, std::int64_t fallback) const;
  double get_double(std::string_view name, double fallback) const;
  // Every value of an option that may be repeated (--model A --model B), in order.
  std::vector<std::string> get_all(std::string_view name) const;
  bool verbose() const { return has("--verbose"); }
};

struct Command {
  std::string_view name;
  std::string_view summary;
  std::string_view positional;  // e.g. "CONFIG.yaml"
  std::size_t min_positional = 0;
  std::size_t max_positional = 0;
  std::vector<Option> options;
  // nullptr: the command runs in detection-studio-runtime (see app/CMakeLists.txt).
  int (*run)(const ParsedArgs&) = nullptr;
  // An option that sends a command the light front runs itself to the runtime instead
  // (score --report: the report needs Python and OpenCV).
  std::string_view runtime_option = {};
};

// A mistake in the command line itself: printed with the command's usage, exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

ParsedArgs parse_args(const Command& command, std::span<char* const> args);
std::string usage(const Command& command);

// Dispatches argv[1] to a command. `delegate` runs commands whose `run` is nullptr.
int run_main(std::span<const Command> commands, int argc, char** argv,
             int (*delegate)(int argc, char** argv) = nullptr);

// The program name used in messages.
inline constexpr std::string_view kProgram = "detection-studio";

}  // namespace ds::cli
