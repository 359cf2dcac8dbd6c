#pragma once
// Precision/recall per IoU threshold, category, area range and max-detections:
// pycocotools' accumulate, for one category at a time.
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "core/eval/coco/matching.hpp"
#include "core/eval/coco/params.hpp"

namespace ds::coco {

// pycocotools' eval['precision'] [T,R,K,A,M], eval['recall'] [T,K,A,M] and eval['scores']
// [T,R,K,A,M], row-major like NumPy. -1 marks cells without ground truth.
struct EvalArrays {
  std::size_t T = 0, R = 0, K = 0, A = 0, M = 0;
  std::vector<double> precision, recall, scores;

  EvalArrays() = default;
  EvalArrays(std::size_t t, std::size_t r, std::size_t k, std::size_t a, std::size_t m);
  std::size_t pr_index(std::size_t t, std::size_t r, std::size_t k, std::size_t a,
                       std::size_t m) const {
    return (((t * R + r) * K + k) * A + a) * M + m;
  }
  std::size_t rc_index(std::size_t t, std::size_t k, std::size_t a, std::size_t m) const {
    return ((t * K + k) * A + a) * M + m;
  }
};

// What matching produced for one category, over all images (pycocotools' evalImgs for it).
struct CategoryMatches {
  std::vector<double> scores;        // each image's detections by score, images in id order
  std::vector<std::uint32_t> rank;   // a detection's position among its image's detections
  // status[j * A * T + a * T + t]: detection j's outcome for area a and IoU threshold t (all of
  // one detection together: accumulate reads them in score order, one detection at a time).
  std::vector<DtStatus> status;
  std::vector<std::size_t> counted_gt;  // [a]: ground truths not ignored (npig)
  bool has_images = false;  // some image has ground truth or detections in this category
  // Each (image, category) group matched, in image order, so a subset of the images can be
  // accumulated again without matching (slices): its image's position in params.img_ids, its
  // first detection (groups.size() + 1 entries: the last is one past the end) and [g * A + a]
  // its ground truths counted.
  std::vector<std::uint32_t> group_image, group_first;
  std::vector<std::uint32_t> group_gt;

  void reset(std::size_t areas);
};

struct AccumulateScratch {
  std::vector<std::pair<double, std::uint32_t>> keyed;  // (score, position) to sort
  std::vector<std::uint32_t> by_score, selected;
  std::vector<std::uint64_t> radix_key;  // large categories: the scores as sortable bits
  std::vector<std::uint32_t> radix_tmp, radix_count;
  std::vector<std::uint32_t> tp, fp;            // [a * T + t] running counts
  std::vector<std::uint32_t> fp_all;            // [a]: false positives at every threshold (accumulate_bits)
  std::vector<std::vector<double>> tp_precision;  // [a * T + t]: precision at each true positive
  std::vector<std::vector<std::uint32_t>> tp_det; // [a * T + t]: which detection (in selected)
  std::vector<std::uint32_t> min_tp;             // [r]: true positives needed for recThrs[r]
};

// scratch.by_score: positions 0..n-1 by descending score, ties by position (pycocotools' stable
// mergesort of -score), as accumulate orders a category's detections.
void sort_by_score(std::span<const double> scores, AccumulateScratch& scratch);

// The matches of the images whose position in params.img_ids is marked in `keep`, as matching
// only those images would have produced them (pycocotools' evalImgs of those images).
void keep_images(const CategoryMatches& all, std::span<const std::uint8_t> keep, std::size_t areas,
                 std::size_t thresholds, CategoryMatches& out);

void accumulate_category(const CategoryMatches& matches, const Params& params, std::size_t k,
                         EvalArrays& out, AccumulateScratch& scratch);

// A category's matches as match records hold them (stream_evaluate; docs/scale.md): per
// detection j its score, its rank in its image and, per area range a, a word of true positives
// tp[j * A + a] and one of ignored detections (bit t: IoU threshold t; neither: a false
// positive). Detections by image in params.img_ids order, each image's by rank.
struct CategoryBits {
  std::vector<double> scores;
  std::vector<std::uint32_t> rank;
  std::vector<std::uint16_t> tp, ignored;
  std::vector<std::size_t> counted_gt;  // [a]: npig
  bool has_images = false;

  void clear() {
    scores.clear();
    rank.clear();
    tp.clear();
    ignored.clear();
  }
};

// accumulate_category over bits: the same arrays, bit for bit, and faster: a detection false
// positive at every threshold (most are) is one count, not one per threshold.
void accumulate_bits(const CategoryBits& matches, const Params& params, std::size_t k, EvalArrays& out,
                     AccumulateScratch& scratch);

}  // namespace ds::coco
