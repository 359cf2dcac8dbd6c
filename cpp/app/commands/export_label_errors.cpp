#include "app/commands/export_label_errors.hpp"

#include <iostream>

#include "core/eval/analysis/label_error_task.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "formats/convert.hpp"

namespace ds::cli {

std::optional<LabelErrorExport> label_error_export(const ParsedArgs& args, std::span<const ExportGuard> guards) {
  const std::optional<std::string> dir = args.get("--export-label-errors");
  const std::optional<std::string> format = args.get("--label-errors-format");
  if (!dir) {
    if (format) throw UsageError("--label-errors-format applies to --export-label-errors");
    return std::nullopt;
  }
  const std::string name = format.value_or("cvat");
  if (name != "cvat" && name != "labelme")
    throw UsageError("--label-errors-format: unknown format '" + name + "' (cvat, labelme)");
  for (const auto& [what, other] : guards)
    if (same_file(*dir, other)) throw Error("--export-label-errors " + *dir + " is " + what + "; it would be overwritten");
  std::error_code ec;
  if (std::filesystem::exists(*dir, ec) && !std::filesystem::is_directory(*dir, ec))
    throw Error("--export-label-errors " + *dir + " exists and is not a folder; give a new folder");
  LabelErrorExport e{*dir, &find_format(name), std::nullopt};
  if (const auto images = args.get("--images")) e.images = *images;
  return e;
}

void write_label_error_export(const LabelErrorExport& e, const Dataset& gt, std::span<const std::int64_t> image_ids,
                              std::span<const Detection> dts, const EvaluatorOptions& options,
                              const std::filesystem::path& gt_file) {
  analysis::LabelErrorTask found = analysis::find_label_error_task(gt, dts, image_ids, options);
  Dataset& task = found.task;
  if (e.images) task.image_dir = *e.images;
  check_convert_target(e.dir, task, gt_file);
  try {
    convert_dataset(task, *e.format, e.dir, false);  // its notes are about the ground truth: not ours
  } catch (const Error& error) {
    const std::string what = error.what();
    if (!e.images && task.image_dir.empty() && what.find("image not found") != std::string::npos)
      throw Error("--export-label-errors: " + what + "; give --images DIR (the task links the images)");
    throw;
  }
  std::cerr << "wrote " << found.candidates << " likely label errors on " << task.images.size() << " images to "
            << e.dir.string() << " (" << e.format->name() << ": labels 'suspect ...')\n";
}

}  // namespace ds::cli
