#pragma once
// COCO evaluation one image at a time, the way torchmetrics' MeanAveragePrecision sees its data:
// each image's ground truth and detections arrive as arrays (boxes in a declared format, labels,
// scores, crowd flags, areas, binary masks), are checked, matched at once (IoUs, pycocotools'
// greedy matching for every area range and IoU threshold) and only the match records are kept
// (score, rank in its image, one status byte per area range and threshold). accumulate() then runs
// pycocotools' accumulate over the records, so memory grows with the detections' records, not
// with their boxes or masks, and the final step does no matching.
//
// The numbers are pycocotools' COCOeval on the COCO dicts torchmetrics builds from the same
// inputs (image ids = positions, annotation ids from 1, categories = every label seen, the areas
// it picks), bit for bit.
#include <array>
#include <cstdint>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/eval/coco/accumulate.hpp"
#include "core/eval/coco/evaluate.hpp"
#include "core/eval/coco/params.hpp"
#include "core/mask/rle.hpp"

namespace ds::coco {

enum class BoxFormat { kXyxy, kXywh, kCxcywh };

// One side (ground truth or detections) of one image, as arrays of `rows` records. Boxes are
// rows x 4 in the evaluator's box format, in float32 or float64: they are converted to xywh in
// that precision, as torchvision's box_convert does on the tensor.
struct ImageArrays {
  std::size_t rows = 0;
  const float* boxes_f32 = nullptr;  // one of the two, or neither (no boxes given)
  const double* boxes_f64 = nullptr;
  std::span<const std::int64_t> labels;
  std::span<const double> scores;      // detections
  std::span<const std::uint8_t> crowd;  // ground truth; empty: none is a crowd region
  std::span<const double> area;        // ground truth; empty or <= 0: computed
  const std::uint8_t* masks = nullptr;  // rows x mask_h x mask_w, row-major (any non-zero is 1)
  std::uint32_t mask_h = 0, mask_w = 0;
};

struct IncrementalOptions {
  // bbox and/or segm; iou_thrs, rec_thrs, max_dets (sorted), area ranges as pycocotools.
  std::vector<IouType> iou_types = {IouType::kBbox};
  Params params = Params::defaults();
  BoxFormat box_format = BoxFormat::kXyxy;
  bool micro = false;  // keep records with every label as category 0 (average="micro")
  bool macro = true;   // keep records by label
  // Keep each (image, category) IoU matrix (torchmetrics' extended_summary "ious"): memory then
  // grows with them.
  bool keep_ious = false;
  // Match on a thread of the evaluator's own: add_image checks and converts an image and
  // queues it (at most 256 ahead), so the caller's next batch overlaps the matching; readers
  // of the records wait for the queue to empty. Off: add_image matches before it returns.
  bool background = true;
  int threads = 0;  // accumulate's threads (0: one per core, 1: none)
};

// The IoU matrices kept with keep_ious, for one IoU type: pair n is (image[n], category[n]) with
// rows[n] detections (by score, at most maxDets[-1]) x cols[n] ground truths, its values at
// values[offset[n] ...]. Only pairs with both; pycocotools' other pairs are empty.
struct KeptIous {
  std::vector<std::int64_t> image, category;
  std::vector<std::uint32_t> rows, cols;
  std::vector<std::uint64_t> offset;
  std::vector<float> values;
};

class IncrementalEvaluator {
 public:
  explicit IncrementalEvaluator(IncrementalOptions options);
  ~IncrementalEvaluator();
  // Movable only before the first add_image (its thread points at it).
  IncrementalEvaluator(IncrementalEvaluator&&) = default;

  // Checks, converts and matches one image (its position is the number of images added before).
  // Throws ds::Error naming `where` (e.g. "image 3") and the key for bad input; nothing is kept
  // then.
  void add_image(const ImageArrays& gt, const ImageArrays& dt, const std::string& where);

  std::size_t images() const { return images_; }
  // pycocotools' image counts of the two COCO datasets: with segm alone, an image without masks
  // is left out of them (torchmetrics skips it), else every image counts.
  std::size_t gt_images() const { return gt_images_; }
  std::size_t dt_images() const { return dt_images_; }
  // The positions of the images pycocotools evaluates (its imgIds): all but those left out.
  std::vector<std::uint64_t> evaluated_images() const;
  // Every label seen, sorted (torchmetrics' `classes`).
  std::vector<std::int64_t> classes() const;

  // pycocotools' evaluate + accumulate over the records of iou type `type_index` (a position in
  // options.iou_types), micro (one category, 0) or by label.
  EvalResult accumulate(std::size_t type_index, bool micro) const;
  const KeptIous& ious(std::size_t type_index, bool micro) const;

  // The records as bytes, and the evaluator of several processes' records: images are ordered as
  // torchmetrics orders its gathered lists (the i-th image of every rank, ranks in order).
  std::string serialize() const;
  static IncrementalEvaluator merge(IncrementalOptions options, std::span<const std::string> states);

  const IncrementalOptions& options() const { return options_; }

 private:
  struct Segment {
    std::uint64_t image;  // position
    std::uint32_t begin;  // first detection of the image in the category's records
  };
  struct CategoryRecords {
    CategoryMatches matches;
    std::vector<Segment> segments;
  };
  // One kind of records: an IoU type, by label or all as one category.
  struct RecordSet {
    IouType type = IouType::kBbox;
    bool micro = false;
    std::unordered_map<std::int64_t, CategoryRecords> categories;
    KeptIous ious;
    bool keep_ious = false;
  };

  std::size_t set_index(std::size_t type_index, bool micro) const;

  // One image, checked and converted, waiting to be matched.
  struct Pending {
    std::uint64_t position = 0;
    std::vector<Annotation> gts;
    std::vector<Detection> dts;
    std::vector<mask::Rle> gt_masks, dt_masks;
    std::vector<double> dt_mask_area;
  };
  struct Background {
    std::mutex mutex;
    std::condition_variable_any ready, space, idle;
    std::deque<Pending> queue;
    bool busy = false;
    std::jthread thread;
  };
  void match(Pending& job);
  void run_background(std::stop_token stop);
  void drain() const;

  IncrementalOptions options_;
  std::vector<RecordSet> sets_;
  std::map<std::int64_t, bool> classes_;
  std::size_t images_ = 0, gt_images_ = 0, dt_images_ = 0;
  std::vector<std::uint64_t> left_out_;  // positions of images without ground truth (segm alone)
  std::unique_ptr<Background> background_;
};

// pycocotools' stats when its catIds are [category k] alone (torchmetrics' class_metrics).
std::vector<double> category_stats(const EvalResult& result, std::size_t k);

}  // namespace ds::coco
