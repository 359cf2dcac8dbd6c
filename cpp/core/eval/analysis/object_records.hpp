#pragma once
// Every ground truth and every detection of a run, one CSV row each, with what the matching made
// of it at each IoU threshold asked: the analyses' and the viewer's matching (image_match: per
// image and class, detections by descending score take the free ground truth of highest IoU),
// over every detection (no maxDets cap), for people to filter and join in their own tools.
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "core/eval/analysis/image_boxes.hpp"

namespace ds::analysis {

// The images `image_ids` names (those a run scored), in that order. Columns: kind (gt, dt), id (the annotation's id; a detection's 1-based position in `dts`, as
// pycocotools' loadRes numbers results), image_id, file_name, category_id, class, score (dt
// only), then for each threshold T: status@T (TP, FP, FN, ignored: crowd regions and what they
// absorb), match@T (the partner's id) and iou@T (the pair's overlap, as `overlap` measures it).
// Throws ds::Error for an empty list or a threshold outside (0, 1].
std::string object_records_csv(const Dataset& gt, std::span<const std::int64_t> image_ids,
                               std::span<const Detection> dts, std::span<const double> ious, const Overlap& overlap);

// A records column's type, by its name: 'i' (ids and matches: 64-bit integers), 'f' (scores
// and IoUs: doubles) or 's' (the rest: strings). Parquet's columns and Run.objects' values.
char object_record_column_kind(std::string_view name);
// The records' CSV as Parquet columns, typed by object_record_column_kind; an empty cell is null.
std::string object_records_parquet(const std::string& csv);
// Writes the records to `path` atomically: Parquet for a .parquet name, else the CSV.
void write_object_records(const std::filesystem::path& path, const std::string& csv);

}  // namespace ds::analysis
