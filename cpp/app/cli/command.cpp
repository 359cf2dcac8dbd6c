#include "app/cli/command.hpp"

#include <cstdio>
#include <exception>
#include <iostream>

#include "core/util/error.hpp"
#include "core/util/interrupted.hpp"
#include "core/util/text.hpp"

namespace ds::cli {
namespace {

const Option kCommonOptions[] = {
    {"--verbose", "", "show details (Python tracebacks, timings)"},
    {"--help", "", "show this help"},
};

const Option* find_option(const Command& c, std::string_view name) {
  for (const Option& o : c.options)
    if (o.name == name) return &o;
  for (const Option& o : kCommonOptions)
    if (o.name == name) return &o;
  return nullptr;
}

void print_overview(std::span<const Command> commands) {
  std::cout << "usage: " << kProgram << " COMMAND [ARGS]\n\ncommands:\n";
  for (const Command& c : commands) {
    std::string left = "  " + std::string(c.name);
    left.resize(14, ' ');
    std::cout << left << c.summary << "\n";
  }
  std::cout << "\n'" << kProgram << " COMMAND --help' shows a command's options.\n";
}

}  // namespace

std::optional<std::string> ParsedArgs::get(std::string_view name) const {
  const auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

std::int64_t ParsedArgs::get_int(std::string_view name, std::int64_t fallback) const {
  const auto v = get(name);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    const long long n = std::stoll(*v, &used);
    if (used != v->size()) throw std::invalid_argument("trailing text");
    return n;
  } catch (const std::exception&) {
    throw UsageError(std::string(name) + ": expected an integer, got '" + *v + "'");
  }
}

double ParsedArgs::get_double(std::string_view name, double fallback) const {
  const auto v = get(name);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    const double x = std::stod(*v, &used);
    if (used != v->size()) throw std::invalid_argument("trailing text");
    return x;
  } catch (const std::exception&) {
    throw UsageError(std::string(name) + ": expected a number, got '" + *v + "'");
  }
}

std::vector<std::string> ParsedArgs::get_all(std::string_view name) const {
  const auto it = repeated.find(name);
  return it == repeated.end() ? std::vector<std::string>{} : it->second;
}

std::string usage(const Command& c) {
  std::string out = "usage: " + std::string(kProgram) + " " + std::string(c.name);
  if (!c.positional.empty()) out += " " + std::string(c.positional);
  for (const Option& o : c.options) {
    const std::string text = std::string(o.name) + (o.value_name.empty() ? "" : " " + std::string(o.value_name));
    out += o.required ? " " + text : " [" + text + "]";
  }
  out += "\n\n" + std::string(c.summary) + "\n\noptions:\n";
  const auto add = [&](const Option& o) {
    std::string left = "  " + std::string(o.name) + (o.value_name.empty() ? "" : " " + std::string(o.value_name));
    if (left.size() < 24) left.resize(24, ' ');
    out += left + " " + std::string(o.help) + "\n";
  };
  for (const Option& o : c.options) add(o);
  for (const Option& o : kCommonOptions) add(o);
  return out;
}

ParsedArgs parse_args(const Command& c, std::span<char* const> args) {
  ParsedArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "-h") arg = "--help";
    if (arg.size() > 2 && arg.rfind("--", 0) == 0) {
      std::string name = arg, value;
      bool inline_value = false;
      if (const auto eq = arg.find('='); eq != std::string::npos) {
        name = arg.substr(0, eq);
        value = arg.substr(eq + 1);
        inline_value = true;
      }
      const Option* o = find_option(c, name);
      if (!o) {
        std::vector<std::string> known;
        for (const Option& k : c.options) known.emplace_back(k.name);
        for (const Option& k : kCommonOptions) known.emplace_back(k.name);
        throw UsageError("unknown option " + name + did_you_mean(name, known));
      }
      if (o->value_name.empty()) {
        if (inline_value) throw UsageError(name + " takes no value");
      } else if (!inline_value) {
        if (i + 1 >= args.size()) throw UsageError(name + " needs a value (" + std::string(o->value_name) + ")");
        value = args[++i];
      }
      out.options[name] = value;
      out.repeated[name].push_back(value);
    } else {
      out.positional.push_back(arg);
    }
  }
  if (out.has("--help")) return out;
  if (out.positional.size() < c.min_positional)
    throw UsageError("missing " + std::string(c.positional));
  if (out.positional.size() > c.max_positional)
    throw UsageError("unexpected argument '" + out.positional[c.max_positional] + "'");
  return out;
}

int run_main(std::span<const Command> commands, int argc, char** argv,
             int (*delegate)(int, char**)) {
  const std::span<char* const> all(argv, static_cast<std::size_t>(argc));
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h" ||
      std::string_view(argv[1]) == "help") {
    print_overview(commands);
    return argc < 2 ? 2 : 0;
  }
  if (std::string_view(argv[1]) == "--version") {
    std::cout << kProgram << " 0.1.0\n";
    return 0;
  }
  const Command* command = nullptr;
  for (const Command& c : commands)
    if (c.name == argv[1]) command = &c;
  if (!command) {
    std::vector<std::string> known;
    for (const Command& c : commands) known.emplace_back(c.name);
    const std::string guess = closest_name(argv[1], known);
    std::cerr << kProgram << ": unknown command '" << printable(argv[1]) << "'"
              << (guess.empty() ? "" : " (did you mean '" + guess + "'?)") << "; '" << kProgram
              << " --help' lists them\n";
    return 2;
  }
  bool verbose = false;
  try {
    const ParsedArgs args = parse_args(*command, all.subspan(2));
    verbose = args.verbose();
    if (args.has("--help")) {
      std::cout << usage(*command);
      return 0;
    }
    const bool to_runtime = !command->runtime_option.empty() && args.has(command->runtime_option) && delegate;
    if (!command->run || to_runtime) {
      if (!delegate) throw Error(std::string(command->name) + " is not available in this build");
      return delegate(argc, argv);
    }
    return command->run(args);
  } catch (const UsageError& e) {
    // One line: what is wrong and where the rest is (the whole help would bury it).
    std::cerr << kProgram << " " << command->name << ": " << printable(e.what(), 4000) << "; '" << kProgram << " "
              << command->name << " --help' shows the options\n";
    return 2;
  } catch (const Interrupted& e) {
    std::cerr << "interrupted: " << printable(e.what(), 4000) << "\n";
    return 128 + e.signal();
  } catch (const Error& e) {
    // One line whatever the input held: a CSV field or file name with a line break, Latin-1 bytes.
    std::cerr << kProgram << ": error: " << printable(e.what(), 4000) << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << kProgram << ": error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    // Not expected: still one line, and a hint that this is ours to fix.
    std::cerr << kProgram << ": internal error: " << printable(e.what(), 4000) << (verbose ? "" : " (please report it)") << "\n";
    return 3;
  }
}

}  // namespace ds::cli
