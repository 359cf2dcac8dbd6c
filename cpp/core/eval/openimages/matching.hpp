#pragma once
// One image and class of the Open Images challenge metric, as the TF Object Detection API's
// per_image_evaluation.PerImageEvaluation computes it (box mode, no difficult boxes,
// group_of_weight 1): each detection a true or false positive, group-of boxes absorbing the
// detections inside them.
#include <cstdint>
#include <span>
#include <vector>

namespace ds::openimages {

// [ymin, xmin, ymax, xmax], normalised to the image size, as the reference holds boxes.
struct NormBox {
  double y0 = 0, x0 = 0, y1 = 0, x1 = 0;
};

struct ScoredBox {
  NormBox box;
  double score = 0;
};

struct GtBox {
  NormBox box;
  bool group_of = false;
};

// What the per-class AP accumulates: a score and 1 (true positive) or 0 (false positive).
struct Record {
  double score = 0;
  bool true_positive = false;
};

// Appends the records of `detections` (one class, one image; sorted by descending score, ties
// later record first, at most 10,000, zero-size boxes already removed) against `gt` (the same
// class and image, in file order):
// - a detection is matched to the non-group-of box of highest IoU (the first of equals); at IoU
//   >= 0.5 it is a true positive if that box is still free, else a false positive (no fallback
//   to another box);
// - a detection not a true positive whose intersection over its own area with a group-of box is
//   >= 0.5 (the group-of box of highest such ratio) is absorbed: it leaves the list, and each
//   group-of box that absorbed detections adds one true positive at the highest absorbed score
//   (when that score is > 0: the reference's selector drops 0 and below), after the image's
//   other records, in the boxes' order.
void match_image_class(std::span<const ScoredBox> detections, std::span<const GtBox> gt, std::vector<Record>& out);

}  // namespace ds::openimages
