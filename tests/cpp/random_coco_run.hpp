#pragma once
// A random COCO run (ground truth and detections) for the tests that check one evaluation path
// against another bit for bit (match records, streaming): crowd regions, images past maxDets,
// many tied scores, detections near the ground truth and far from it. What varies between those
// tests is a RunShape.
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/dataset/dataset.hpp"

namespace ds::testing {

struct RunShape {
  unsigned seed = 7;
  int images = 90;
  int id_stride = 37;         // image i (file order) has id (i * id_stride) % images + 1: not in id order
  int image_size = 200;       // width and height (0: unknown)
  int no_truth_every = 0;     // > 0: images whose id is a multiple of it have no ground truth
  int max_truth = 6;          // ground truth per image: uniform in [0, max_truth)
  double max_side = 120;      // a ground-truth box's side: uniform in [4, max_side)
  bool area_below_box = false;  // area a share (0.6-1) of the box's, as a mask's is
  int max_detections = 25;    // detections per image: uniform in [0, max_detections), or for a
  int many_detections = 130;  // tenth of the images this many (past maxDets' 100)
  double unknown_class = 0;   // share of detections of category 7, which the ground truth lacks
  double min_far_side = 4;    // a detection far from the ground truth: sides from this to 100
};

// The ground truth (categories 3, 1, 9, 4 in that file order); the detections are appended to
// `dts`, grouped by image in the images' file order.
inline Dataset random_run(std::vector<Detection>& dts, const RunShape& shape = {}) {
  std::mt19937 rng(shape.seed);
  const auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  Dataset d;
  d.source = "gt.json";
  for (const std::int64_t c : {3, 1, 9, 4}) d.categories.push_back({c, "c" + std::to_string(c)});
  for (int i = 0; i < shape.images; ++i) {
    Image im;
    im.id = (i * shape.id_stride) % shape.images + 1;
    im.file_name = std::to_string(im.id) + ".jpg";
    im.width = shape.image_size;
    im.height = shape.image_size;
    d.images.push_back(im);
  }
  std::int64_t ann_id = 1;
  for (const Image& im : d.images) {
    const bool no_truth = shape.no_truth_every > 0 && im.id % shape.no_truth_every == 0;
    const int n_gt = no_truth ? 0 : static_cast<int>(uni(0, shape.max_truth));
    std::vector<Box> boxes;
    for (int g = 0; g < n_gt; ++g) {
      Annotation a;
      a.id = ann_id++;
      a.image_id = im.id;
      a.category_id = d.categories[static_cast<std::size_t>(uni(0, 4))].id;
      const double s = uni(4, shape.max_side);
      a.bbox = {uni(0, 150), uni(0, 150), s, s * uni(0.5, 1.5)};
      a.area = a.bbox.w * a.bbox.h * (shape.area_below_box ? uni(0.6, 1) : 1.0);
      a.iscrowd = uni(0, 1) < 0.08;
      boxes.push_back(a.bbox);
      d.annotations.push_back(a);
    }
    const int n_dt = uni(0, 1) < 0.1 ? shape.many_detections : static_cast<int>(uni(0, shape.max_detections));
    for (int k = 0; k < n_dt; ++k) {
      Detection det;
      det.image_id = im.id;
      // Category 7 is not in the ground truth: never scored, as pycocotools drops it.
      const bool unknown = shape.unknown_class > 0 && uni(0, 1) < shape.unknown_class;
      det.category_id = unknown ? 7 : d.categories[static_cast<std::size_t>(uni(0, 4))].id;
      if (!boxes.empty() && uni(0, 1) < 0.6) {
        const Box& b = boxes[static_cast<std::size_t>(uni(0, static_cast<double>(boxes.size())))];
        det.bbox = {b.x + uni(-6, 6), b.y + uni(-6, 6), b.w * uni(0.8, 1.2), b.h * uni(0.8, 1.2)};
      } else {
        det.bbox = {uni(0, 150), uni(0, 150), uni(shape.min_far_side, 100), uni(shape.min_far_side, 100)};
      }
      det.score = std::round(uni(0, 1) * 20) / 20;  // many ties
      dts.push_back(det);
    }
  }
  return d;
}

}  // namespace ds::testing
