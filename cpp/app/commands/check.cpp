// `check`: counts and problems of a dataset; exit 1 when there are errors. Light front.
#include <iostream>

#include "app/commands/commands.hpp"
#include "core/config/run_config.hpp"
#include "core/dataset/check.hpp"
#include "formats/format.hpp"

namespace ds::cli {

int run_check(const ParsedArgs& args) {
  ReadOptions options;
  options.skip_bad = args.has("--skip-bad");
  const Dataset dataset = load_dataset(load_dataset_spec(args.positional.at(0)), options);
  const DatasetReport report = check_dataset(dataset);
  std::cout << "dataset: " << dataset.source << "\n" << format_report(report);
  return report.errors() > 0 ? 1 : 0;
}

}  // namespace ds::cli
