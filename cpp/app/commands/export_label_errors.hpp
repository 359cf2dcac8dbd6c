#pragma once
// score --export-label-errors DIR [--label-errors-format cvat|labelme]: the likely label errors
// (core/eval/analysis/label_errors) as an annotation task to fix them in
// (core/eval/analysis/label_error_task), written by the format's own writer as `convert` writes.
#include <filesystem>
#include <optional>
#include <span>

#include "app/cli/command.hpp"
#include "app/commands/export_objects.hpp"
#include "core/dataset/dataset.hpp"
#include "core/eval/evaluator.hpp"
#include "formats/format.hpp"

namespace ds::cli {

struct LabelErrorExport {
  std::filesystem::path dir;
  const DatasetFormat* format = nullptr;
  std::optional<std::filesystem::path> images;  // --images: where the images are, else the dataset's
};

// None without --export-label-errors. Checked before anything is read: UsageError for an unknown
// format or a format option without the export; ds::Error for a folder that is one of `guards`.
std::optional<LabelErrorExport> label_error_export(const ParsedArgs& args, std::span<const ExportGuard> guards);

// Finds the candidates (the run's --analysis-iou and --score-threshold, as the analysis) and
// writes the task; prints how many and where.
void write_label_error_export(const LabelErrorExport& e, const Dataset& gt, std::span<const std::int64_t> image_ids,
                              std::span<const Detection> dts, const EvaluatorOptions& options,
                              const std::filesystem::path& gt_file);

}  // namespace ds::cli
