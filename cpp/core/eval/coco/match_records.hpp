#pragma once
// Compact match records: what accumulate needs of a COCO evaluation, per (image, category), in a
// flat binary file (docs/scale.md has the layout; numpy reads it with np.frombuffer). A shard
// (evaluate --shard) writes the records of its images; merge accumulates every shard's records
// as one evaluation of all their images would, bit for bit, without the detections.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/eval/coco/evaluate.hpp"

namespace ds::coco {

inline constexpr char kMatchRecordsMagic[8] = {'D', 'S', 'M', 'A', 'T', 'C', 'H', '1'};

// Whether records can hold an evaluation with these params: per-threshold bits in 16-bit words
// (at most 16 IoU thresholds), categories kept apart (use_cats), not LVIS' federated rules.
bool records_fit(const Params& params);

// The records of an evaluation kept with keep_matches (evaluate(..., keep_matches = true)).
// dt_count[g]: each kept group's detections before the maxDets cut (the per-class table's
// "detections"), groups in the order of result.matches (category, then image).
std::string write_match_records(const EvalResult& result, std::span<const std::uint32_t> dt_count);

// Every group's detection count as write_match_records wants it, from the detections evaluated.
std::vector<std::uint32_t> group_detection_counts(const EvalResult& result, std::span<const Detection> detections);

struct MergedRecords {
  EvalResult result;                  // arrays accumulated; matches left empty
  std::vector<std::size_t> dt_count;  // per category position: its detections
};

// Accumulates the records of `files` (any order) as one evaluation with `params` (img_ids: every
// image scored, cat_ids as evaluated). Each file is read once, a category at a time (mapped, not
// loaded), categories on the cores. Throws ds::Error naming the file when one is not a records file, was written with other
// params, or holds an image not in params.img_ids or twice.
MergedRecords merge_match_records(std::span<const std::filesystem::path> files, Params params);

}  // namespace ds::coco
