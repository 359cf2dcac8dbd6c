#include "app/commands/export_objects.hpp"

#include <cstdlib>
#include <type_traits>
#include <variant>

#include "core/eval/analysis/object_records.hpp"
#include "core/util/csv.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/parquet.hpp"

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

// The records' CSV as Parquet columns, typed by name: ids and matches 64-bit integers, scores
// and IoUs doubles, the rest strings; an empty cell is null.
std::string records_parquet(const std::string& csv) {
  CsvReader reader("object records", csv);
  std::vector<std::string> fields;
  reader.next(fields);
  std::vector<ParquetColumn> columns;
  for (const std::string& name : fields) {
    ParquetColumn c{name, std::vector<std::optional<std::string>>{}};
    if (name == "id" || name == "image_id" || name == "category_id" || name.starts_with("match@"))
      c.values = std::vector<std::optional<std::int64_t>>{};
    else if (name == "score" || name.starts_with("iou@"))
      c.values = std::vector<std::optional<double>>{};
    columns.push_back(std::move(c));
  }
  while (reader.next(fields)) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const std::string& f = i < fields.size() ? fields[i] : std::string();
      std::visit(
          [&](auto& v) {
            using T = typename std::decay_t<decltype(v)>::value_type::value_type;
            if (f.empty()) {
              v.emplace_back(std::nullopt);
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
              v.emplace_back(std::strtoll(f.c_str(), nullptr, 10));
            } else if constexpr (std::is_same_v<T, double>) {
              v.emplace_back(std::strtod(f.c_str(), nullptr));
            } else {
              v.emplace_back(f);
            }
          },
          columns[i].values);
    }
  }
  return parquet_file(columns);
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
  std::string csv = analysis::object_records_csv(gt, image_ids, dts, e.ious, analysis::Overlap::of(options));
  // FILE.parquet: the same records, typed (a small writer of our own: no Arrow to link).
  write_file_atomic(e.path, e.path.extension() == ".parquet" ? records_parquet(csv) : csv);
}

}  // namespace ds::cli
