#include "app/commands/export_objects.hpp"

#include <cstdlib>

#include "core/eval/analysis/object_records.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"

namespace ds::cli {
namespace {

// "0.5,0.75": each above 0 and at most 1.
std::vector<double> iou_list(const std::string& list) {
  std::vector<double> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string v = list.substr(start, comma - start);
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(x > 0 && x <= 1))
      throw UsageError("--export-iou: expected numbers above 0, at most 1, separated by commas, got '" + v + "'");
    out.push_back(x);
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::optional<ObjectExport> object_export(const ParsedArgs& args, double default_iou,
                                          std::span<const ExportGuard> guards) {
  const std::optional<std::string> path = args.get("--export-objects");
  const std::optional<std::string> ious = args.get("--export-iou");
  if (!path) {
    if (ious) throw UsageError("--export-iou applies to --export-objects");
    return std::nullopt;
  }
  ObjectExport e{*path, ious ? iou_list(*ious) : std::vector<double>{default_iou}};
  for (const auto& [what, other] : guards)
    if (same_file(e.path, other)) throw Error("--export-objects " + *path + " is " + what + "; it would be overwritten");
  std::error_code ec;
  if (std::filesystem::is_directory(e.path, ec) || path->ends_with('/'))
    throw Error("--export-objects " + *path + " is a folder; give a file name such as objects.csv or objects.parquet");
  return e;
}

void write_object_export(const ObjectExport& e, const Dataset& gt, std::span<const std::int64_t> image_ids,
                         std::span<const Detection> dts, const EvaluatorOptions& options) {
  analysis::write_object_records(e.path, analysis::object_records_csv(gt, image_ids, dts, e.ious, analysis::Overlap::of(options)));
}

}  // namespace ds::cli
