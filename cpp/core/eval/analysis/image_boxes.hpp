#pragma once
// What every analysis starts from: each image's ground truth and detections side by side, with
// their IoUs (pycocotools' box IoU; crowd regions: intersection over the detection's area).
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <span>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "core/dataset/id_index.hpp"
#include "core/eval/evaluator.hpp"
#include "core/eval/image_match.hpp"

namespace ds::analysis {

// At most this many detections per image, the highest scoring (tidecv's and COCO's maxDets).
inline constexpr std::size_t kMaxDetections = 100;

struct ImageBoxes {
  const Image* image = nullptr;
  std::vector<Annotation> gts;  // file order
  std::vector<Detection> dts;   // by descending score, ties in input order; <= kMaxDetections
  // Each detection's position in what image_boxes() was given (empty when ImageBoxesBuilder
  // built it from a stream: the object export, its only reader, takes the whole-file path).
  std::vector<std::size_t> dt_source;
  std::vector<double> ious;            // dts.size() x gts.size()

  double iou(std::size_t d, std::size_t g) const { return ious[d * gts.size() + g]; }
  // The image matching (core/eval/image_match) of these detections, on the IoUs above.
  ImageMatch match(double iou_threshold, double score_threshold = 0) const {
    return match_image(gts, dts, {.iou_threshold = iou_threshold, .score_threshold = score_threshold}, ious);
  }
};

// What the analyses compare: boxes, masks (pycocotools' mask IoU on the image's size), or masks
// and their boundaries (boundary IoU), as the metric they explain does.
struct Overlap {
  Matching matching = Matching::kBox;
  double boundary_dilation_ratio = 0.02;
  std::vector<CategorySigmas> keypoint_sigmas;  // keypoints: a run's own sigmas by category
  // keypoints: each category's OKS vars, once for_dataset() has resolved the sigmas.
  std::shared_ptr<const std::unordered_map<std::int64_t, std::vector<double>>> oks_vars;

  static Overlap of(const EvaluatorOptions& o) {
    return {o.analysis_matching, o.boundary_dilation_ratio, o.keypoint_sigmas, nullptr};
  }
  // Ready for `gt`'s images: keypoints resolve their sigmas against its categories (as the
  // keypoint metric does; throws ds::Error as it does). The others need nothing.
  Overlap for_dataset(const Dataset& gt) const;
  // How people read it: "box IoU", "mask IoU", "boundary IoU".
  const char* name() const;
  // The image matching's options for one image of the dataset.
  MatchOptions match_options(const Image& image) const;
};

// The images `image_ids` names (each once, in that order; ids not in the dataset are skipped)
// with their boxes. Detections on other images are left out; each image keeps its
// `max_detections` highest scoring.
std::vector<ImageBoxes> image_boxes(const Dataset& gt, std::span<const std::int64_t> image_ids,
                                    std::span<const Detection> dts, const Overlap& overlap = {},
                                    std::size_t max_detections = kMaxDetections);
// image_boxes() an image at a time, for results streamed image by image
// (coco::stream_evaluate's observer): every image of the dataset in file order (ids repeated in
// it: the first), each with its ground truth from the start and its detections once add() gave
// them. Equal to image_boxes(gt, all_image_ids(gt), <every detection>, overlap) except for
// dt_source, which stays empty.
class ImageBoxesBuilder {
 public:
  explicit ImageBoxesBuilder(const Dataset& gt, const Overlap& overlap = {}, std::size_t max_detections = kMaxDetections);
  // Image `image_id`'s detections, all of them, in file order. A second call for the same image
  // replaces the first (a stream's second pass sees every image again). Ids not in the dataset
  // are ignored. Not thread-safe: one caller at a time.
  void add(std::int64_t image_id, std::span<const Detection> dts);
  // The images, moved out: the builder is empty afterwards.
  std::vector<ImageBoxes> take() { return std::move(images_); }

 private:
  std::vector<ImageBoxes> images_;
  IdIndex slot_;
  Overlap ready_;
  std::size_t max_detections_;
};

// Each image's matching at `iou_threshold`, every score (ImageBoxes::match): the one matching
// pass thresholds and per_image share (a score cut only drops the lowest-scoring detections,
// which matching by descending score meets last).
std::vector<ImageMatch> match_images(const std::vector<ImageBoxes>& images, double iou_threshold);
// Every detection of `images`, numbered image after image in ImageBoxes::dts order, sorted by
// descending score, equal scores by number: what a stable sort by score of the detections
// pushed image by image gives, so every analysis that sorts them (thresholds' curves, TIDE's
// APs) takes its order from this one sort.
std::vector<std::uint32_t> detections_by_score(const std::vector<ImageBoxes>& images);
// Every image of the dataset, in file order.
std::vector<std::int64_t> all_image_ids(const Dataset& gt);

}  // namespace ds::analysis
