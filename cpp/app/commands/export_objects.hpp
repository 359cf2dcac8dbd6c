#pragma once
// --export-objects FILE.csv [--export-iou LIST] of score and evaluate: every ground truth and
// detection with its status, match and IoU (core/eval/analysis/object_records).
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "app/cli/command.hpp"
#include "core/dataset/dataset.hpp"
#include "core/eval/evaluator.hpp"

namespace ds::cli {

struct ObjectExport {
  std::filesystem::path path;
  std::vector<double> ious;
};

// What a command's --export-objects must never overwrite: how to name it, and its path.
using ExportGuard = std::pair<std::string, std::filesystem::path>;

// None without --export-objects. `default_iou` (the analyses' IoU) when --export-iou is not
// given. Checked before anything is read: UsageError for a bad --export-iou, ds::Error (the
// input's fault: one line, exit 1) for a path onto one of `guards` or onto a folder.
std::optional<ObjectExport> object_export(const ParsedArgs& args, double default_iou,
                                          std::span<const ExportGuard> guards);

// Writes the CSV, matching as the run's analyses do (`options.analysis_matching`).
void write_object_export(const ObjectExport& e, const Dataset& gt, std::span<const std::int64_t> image_ids,
                         std::span<const Detection> dts, const EvaluatorOptions& options);

}  // namespace ds::cli
