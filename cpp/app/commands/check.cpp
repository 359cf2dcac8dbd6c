// `check`: counts and problems of a dataset; exit 1 when there are errors. Light front.
#include <iostream>

#include "app/commands/commands.hpp"
#include "core/dataset/check.hpp"
#include "formats/dataset_file.hpp"
#include "formats/format.hpp"

namespace ds::cli {

int run_check(const ParsedArgs& args) {
  ReadOptions options;
  options.skip_bad = args.has("--skip-bad");
  // What score --gt takes: a dataset.yaml, a run config, or a COCO / LVIS json (whose images are
  // checked only when --images says where they are).
  const std::filesystem::path images = args.get("--images").value_or("");
  const Dataset dataset = load_dataset_file(args.positional.at(0), options, images);
  const bool json = std::filesystem::path(args.positional.at(0)).extension() == ".json";
  if (!images.empty() && !json) throw UsageError("--images applies to a COCO / LVIS json (a dataset.yaml names its images)");
  const DatasetReport report = check_dataset(dataset, !json || !images.empty());
  if (json && images.empty()) std::cout << "note: the image files were not checked (give --images DIR)\n";
  std::cout << "dataset: " << dataset.source << "\n" << format_report(report);
  return report.errors() > 0 ? 1 : 0;
}

}  // namespace ds::cli
