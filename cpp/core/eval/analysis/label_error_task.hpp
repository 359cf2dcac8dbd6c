#pragma once
// Likely label errors as a dataset to fix them in (score --export-label-errors): the images with
// a candidate, all their ground truth as it is, and each candidate detection as a box of its own
// label, "suspect <type>: <class>" (suspect wrong_label: dog, suspect missing_annotation: cat),
// so any annotation tool shows them apart and a reviewer relabels or deletes them. Labels rather
// than attributes: every format we write (CVAT, LabelMe) carries a label, few carry attributes.
#include <span>
#include <string>

#include "core/dataset/dataset.hpp"
#include "core/eval/analysis/label_errors.hpp"
#include "core/eval/evaluator.hpp"

namespace ds::analysis {

// "suspect wrong_label: dog": the label of a candidate of this type whose detection says `name`.
std::string suspect_label(bool wrong_label, const std::string& name);

// `gt`'s images that hold a candidate (in `gt`'s order), their annotations, the categories of
// `gt` and then one suspect category per (type, detected class) that occurs, and one annotation
// per candidate (the detection's box; ids after the ground truth's largest). `dts` are the
// detections the candidates' dt_id (1-based) index.
Dataset label_error_task(const Dataset& gt, std::span<const Detection> dts, std::span<const LabelError> errors);

// The task of the candidates label_errors finds on `image_ids` at the options' analysis IoU and
// score threshold (kLabelErrorScore without one), as the analysis finds them; and how many.
struct LabelErrorTask {
  Dataset task;
  std::size_t candidates = 0;
};
LabelErrorTask find_label_error_task(const Dataset& gt, std::span<const Detection> dts,
                                     std::span<const std::int64_t> image_ids, const EvaluatorOptions& options);

}  // namespace ds::analysis
