#pragma once
// per_class.csv: one row per class, a column per per-class value any metric or analysis of the run
// describes (metrics.json "schema": its tables whose rows are categories). Built from the written
// document, so it holds exactly metrics.json's numbers and no metric name is spelled here.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ds {

inline constexpr const char* kPerClassCsv = "per_class.csv";

// The CSV of metrics.json's text, or nothing when no section describes a per-class table (a
// tracking run). Columns: category_id, name, then each described per-class column: the first
// table's by their keys ("AP"), later tables' prefixed by the table's path without its last
// part ("voc.per_class": "voc.AP"; "thresholds.classes": "thresholds.best.f1"; a slice's
// "slices.night.per_class": "slices.night.AP"), or by the section's id for a top-level key
// ("segm_per_class": "coco_segm.AP"), so equal keys of two tables stay apart. Rows are the classes in the
// order the tables first list them; a value a table lacks, or null, is an empty cell.
std::optional<std::string> per_class_csv(std::string_view metrics_json);

// Where per_class.csv goes for a metrics file written at `metrics_file`: beside it.
std::filesystem::path per_class_csv_path(const std::filesystem::path& metrics_file);

}  // namespace ds
