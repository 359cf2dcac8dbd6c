// `convert`: read a dataset in one format, write it in another. Light front: core only.
#include <algorithm>
#include <iostream>

#include "app/commands/commands.hpp"
#include "core/config/run_config.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "formats/common.hpp"
#include "formats/format.hpp"

namespace fs = std::filesystem;

namespace ds::cli {
namespace {

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

bool inside(const fs::path& p, const fs::path& folder) {
  std::error_code ec;
  const fs::path a = fs::weakly_canonical(fs::absolute(p, ec), ec);
  const fs::path b = fs::weakly_canonical(fs::absolute(folder, ec), ec);
  const auto [end, _] = std::mismatch(b.begin(), b.end(), a.begin(), a.end());
  return end == b.end();
}

// The output replaces the folder as a whole: refuse folders that are not ours to replace.
void check_target(const fs::path& output, const Dataset& dataset, const fs::path& spec_file) {
  std::error_code ec;
  if (fs::exists(output, ec) && !fs::is_directory(output, ec))
    throw UsageError("--output " + output.string() + " exists and is not a folder");
  if (inside(dataset.image_dir, output) || inside(spec_file, output) || inside(dataset.source, output))
    throw UsageError("--output " + output.string() + " holds the dataset being converted; write to a new folder");
  if (fs::is_directory(output, ec) && !fs::is_empty(output, ec) && !fs::exists(output / "dataset.yaml", ec))
    throw UsageError("--output " + output.string() +
                     " is not empty and holds no dataset.yaml (not an earlier convert's output); "
                     "it would be replaced as a whole: give a new or empty folder");
}

}  // namespace

int run_convert(const ParsedArgs& args) {
  const auto to = args.get("--to");
  const auto output = args.get("--output");
  if (!to) throw UsageError("--to FORMAT is required");
  if (!output) throw UsageError("--output DIR is required");
  const DatasetFormat* found = nullptr;
  try {
    found = &find_format(*to);
  } catch (const Error& e) {
    throw UsageError(std::string("--to: ") + e.what());
  }
  const DatasetFormat& format = *found;
  ReadOptions read_options;
  read_options.skip_bad = args.has("--skip-bad");
  const fs::path spec_file = args.positional.at(0);
  const Dataset dataset = load_dataset(load_dataset_spec(spec_file), read_options);
  check_target(*output, dataset, spec_file);
  WriteOptions options;
  options.copy_images = args.has("--copy-images");
  // Every output file appears at once or not at all (a full disk leaves no half dataset).
  StagedFolder staged(*output);
  try {
    format.write(dataset, staged.path(), options);
  } catch (const Error& e) {
    // Name the file as the user will know it, not by the hidden staging folder.
    std::string message = e.what();
    const std::string from = staged.path().string(), to = staged.target().string();
    for (std::size_t at = message.find(from); at != std::string::npos; at = message.find(from, at + to.size()))
      message.replace(at, from.size(), to);
    throw Error(message);
  }
  staged.publish();

  std::cout << "wrote " << *output << " (" << format.name() << "): " << plural(dataset.images.size(), "image", "images")
            << ", " << plural(dataset.annotations.size(), "box", "boxes") << ", "
            << plural(dataset.categories.size(), "class", "classes") << "; read it with "
            << (fs::path(*output) / "dataset.yaml").string() << "\n";
  // Say what the target cannot carry rather than drop it silently.
  const formats::FlagCounts flags = formats::count_flags(dataset);
  const FormatKeeps keeps = format.keeps();
  const auto note = [&](std::size_t n, bool kept, const char* what) {
    if (n > 0 && !kept)
      std::cout << "note: " << format.name() << " has no " << what << " flag: " << n << " " << what
                << (n == 1 ? " box is" : " boxes are") << " written as ordinary boxes\n";
  };
  note(flags.crowd, keeps.crowd, "crowd");
  note(flags.difficult, keeps.difficult, "difficult");
  note(flags.truncated, keeps.truncated, "truncated");
  for (const std::string& w : dataset.warnings) std::cout << "warning: " << w << "\n";
  if (!dataset.skipped.empty()) {
    std::cout << "skipped " << plural(dataset.skipped.size(), "malformed record or file", "malformed records or files")
              << " (--skip-bad):\n";
    for (std::size_t i = 0; i < dataset.skipped.size() && i < 10; ++i) std::cout << "  " << dataset.skipped[i] << "\n";
    if (dataset.skipped.size() > 10) std::cout << "  ... and " << dataset.skipped.size() - 10 << " more\n";
  }
  return 0;
}

}  // namespace ds::cli
