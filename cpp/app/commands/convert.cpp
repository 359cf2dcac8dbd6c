// `convert`: read a dataset in one format, write it in another. Light front: core only.
#include <iostream>

#include "app/commands/commands.hpp"
#include "core/config/run_config.hpp"
#include "core/util/error.hpp"
#include "formats/convert.hpp"
#include "formats/format.hpp"

namespace fs = std::filesystem;

namespace ds::cli {
namespace {

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
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
  read_options.masks = true;  // to write them, or to say they are lost
  const fs::path spec_file = args.positional.at(0);
  const Dataset dataset = load_dataset(load_dataset_spec(spec_file), read_options);
  refuse_video_frames(dataset, format);
  try {
    check_convert_target(*output, dataset, spec_file);
  } catch (const Error& e) {
    throw UsageError(std::string("--output ") + e.what());
  }
  const std::vector<std::string> notes = convert_dataset(dataset, format, *output, args.has("--copy-images"));

  std::cout << "wrote " << *output << " (" << format.name() << "): " << plural(dataset.images.size(), "image", "images")
            << ", " << plural(dataset.annotations.size(), "box", "boxes") << ", "
            << plural(dataset.categories.size(), "class", "classes") << "; read it with "
            << (fs::path(*output) / "dataset.yaml").string() << "\n";
  for (const std::string& n : notes) std::cout << n << "\n";
  if (!dataset.skipped.empty()) {
    std::cout << "skipped " << plural(dataset.skipped.size(), "malformed record or file", "malformed records or files")
              << " (--skip-bad):\n";
    for (std::size_t i = 0; i < dataset.skipped.size() && i < 10; ++i) std::cout << "  " << dataset.skipped[i] << "\n";
    if (dataset.skipped.size() > 10) std::cout << "  ... and " << dataset.skipped.size() - 10 << " more\n";
  }
  return 0;
}

}  // namespace ds::cli
