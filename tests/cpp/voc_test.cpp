// Pascal VOC AP on cases small enough to work out by hand (the working is in the comments).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/config/run_config.hpp"
#include "core/eval/evaluator.hpp"
#include "core/eval/voc/evaluate.hpp"
#include "core/util/error.hpp"

using namespace ds;

namespace {

Annotation gt(std::int64_t id, std::int64_t image, std::int64_t cat, Box b, bool difficult = false) {
  Annotation a;
  a.id = id;
  a.image_id = image;
  a.category_id = cat;
  a.bbox = b;
  a.area = b.w * b.h;
  a.difficult = difficult;
  return a;
}

Detection dt(std::int64_t image, std::int64_t cat, Box b, double score) { return {image, cat, b, score}; }

// Class 1 has 4 ground truths, one of them difficult, so npos = 3:
//   image 1: G1 [0,0,10,10], G2 [20,20,10,10]
//   image 2: G3 [0,0,10,10] (difficult), G4 [50,50,10,10]
// Class 2 has one ground truth and no detection (AP 0); class 3 none (no AP, not in the mAP).
Dataset dataset() {
  Dataset d;
  d.images = {{1, "1.jpg", 100, 100}, {2, "2.jpg", 100, 100}};
  d.categories = {{1, "one", ""}, {2, "two", ""}, {3, "three", ""}};
  d.annotations = {gt(1, 1, 1, {0, 0, 10, 10}), gt(2, 1, 1, {20, 20, 10, 10}),
                   gt(3, 2, 1, {0, 0, 10, 10}, true), gt(4, 2, 1, {50, 50, 10, 10}),
                   gt(5, 1, 2, {0, 0, 5, 5})};
  return d;
}

// Ranked detections of class 1 and what each becomes:
//   0.9 image 1 = G1                 TP
//   0.8 image 1 = G1 again           FP (G1 is taken)
//   0.7 image 2 = G3                 ignored (difficult): neither TP nor FP
//   0.6 image 2 far from everything  FP
//   0.5 image 2 = G4                 TP
//   0.4 image 1 half of G2           FP (IoU exactly 0.5 is not > 0.5)
//   0.3 image 1 = G2                 TP
// Without the ignored one: TP FP FP TP FP TP
//   recall    1/3 1/3 1/3 2/3 2/3 1
//   precision 1   1/2 1/3 1/2 2/5 1/2
std::vector<Detection> detections() {
  return {dt(1, 1, {0, 0, 10, 10}, 0.9),     dt(1, 1, {0, 0, 10, 10}, 0.8),
          dt(2, 1, {0, 0, 10, 10}, 0.7),     dt(2, 1, {80, 80, 5, 5}, 0.6),
          dt(2, 1, {50, 50, 10, 10}, 0.5),   dt(1, 1, {20, 20, 10, 5}, 0.4),
          dt(1, 1, {20, 20, 10, 10}, 0.3),   dt(1, 3, {0, 0, 10, 10}, 0.9)};
}

}  // namespace

TEST(Voc, AllPointInterpolation) {
  const Dataset d = dataset();
  const voc::Result r = voc::evaluate(d, detections(), {});
  ASSERT_EQ(r.classes.size(), 3u);
  // Precision envelope: 1 up to recall 1/3, then 1/2 up to recall 1.
  // AP = 1/3 * 1 + 1/3 * 1/2 + 1/3 * 1/2 = 2/3.
  EXPECT_DOUBLE_EQ(r.classes[0].ap, 2.0 / 3.0);
  EXPECT_EQ(r.classes[0].gt, 3u);
  EXPECT_EQ(r.classes[0].detections, 7u);
  EXPECT_EQ(r.classes[0].true_positives, 3u);
  EXPECT_EQ(r.classes[1].ap, 0.0);   // ground truth, no detection
  EXPECT_EQ(r.classes[2].ap, -1.0);  // detections, no ground truth
  EXPECT_EQ(r.classes[2].detections, 1u);
  // mAP over the classes with ground truth: (2/3 + 0) / 2.
  EXPECT_DOUBLE_EQ(r.map, 1.0 / 3.0);
}

TEST(Voc, ElevenPointInterpolation) {
  voc::Params p;
  p.interpolation = voc::Interpolation::kElevenPoint;
  const Dataset d = dataset();
  const voc::Result r = voc::evaluate(d, detections(), p);
  // Best precision at recall >= t: t = 0, .1, .2, .3 -> 1; t = .4, .5, .6 -> 1/2;
  // t = .7, .8, .9, 1 -> 1/2 (only recall 1 qualifies). AP = (4 + 3/2 + 2) / 11 = 7.5 / 11.
  EXPECT_DOUBLE_EQ(r.classes[0].ap, 7.5 / 11.0);
  EXPECT_DOUBLE_EQ(r.map, 7.5 / 22.0);
}

TEST(Voc, BestOverlapDecidesEvenWhenTaken) {
  // VOC, unlike COCO, does not fall back to the next best ground truth: a detection whose best
  // overlap is an already taken box is a false positive although G2 is free and overlaps > 0.5.
  Dataset d;
  d.images = {{1, "", 0, 0}};
  d.categories = {{1, "a", ""}};
  d.annotations = {gt(1, 1, 1, {0, 0, 10, 10}), gt(2, 1, 1, {1, 0, 10, 10})};
  // det A = G1 (TP); det B [0.5,0,10,10]: IoU with G1 = 95/105, with G2 = 95/105 too; the
  // first wins ties, G1 is taken: FP. Ranked TP FP: recall 1/2 1/2, precision 1 1/2.
  // All-point AP = 1/2 * 1 = 1/2.
  const std::vector<Detection> dets = {dt(1, 1, {0, 0, 10, 10}, 0.9), dt(1, 1, {0.5, 0, 10, 10}, 0.8)};
  EXPECT_DOUBLE_EQ(voc::evaluate(d, dets, {}).classes[0].ap, 0.5);
}

TEST(Voc, CrowdRegionsAreLikeDifficult) {
  Dataset d;
  d.images = {{1, "", 0, 0}};
  d.categories = {{1, "a", ""}};
  d.annotations = {gt(1, 1, 1, {0, 0, 10, 10}), gt(2, 1, 1, {50, 50, 40, 40})};
  d.annotations[1].iscrowd = true;
  // The detection on the crowd region is ignored; the other is a TP: AP 1, gt 1.
  const std::vector<Detection> dets = {dt(1, 1, {50, 50, 40, 40}, 0.9), dt(1, 1, {0, 0, 10, 10}, 0.8)};
  const voc::Result r = voc::evaluate(d, dets, {});
  EXPECT_EQ(r.classes[0].gt, 1u);
  EXPECT_DOUBLE_EQ(r.classes[0].ap, 1.0);
}

TEST(Voc, EvaluatorOnlyScoresImagesSeen) {
  const Dataset d = dataset();
  const auto e = make_evaluator("voc", d);
  const std::vector<Detection> all = detections();
  std::vector<Detection> on_1;
  for (const Detection& x : all)
    if (x.image_id == 1) on_1.push_back(x);
  e->process(d.images[0], on_1);
  const Metrics m = e->evaluate();
  // Image 1 alone: G1, G2 (npos 2); ranked TP FP FP TP: recall 1/2 1/2 1/2 1,
  // precision 1 1/2 1/3 1/2. All-point AP = 1/2 * 1 + 1/2 * 1/2 = 3/4.
  ASSERT_EQ(m.json_fields.size(), 1u);
  EXPECT_EQ(m.json_fields[0].first, "voc");
  EXPECT_NE(m.json_fields[0].second.find("\"AP\": 0.75"), std::string::npos) << m.json_fields[0].second;
}

TEST(Voc, RunConfigSelectsIt) {
  const auto dir = std::filesystem::temp_directory_path() / "ds_voc_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "run.yaml") << "dataset: {format: coco, annotations: a.json, images: .}\n"
                                     "metrics: [coco, voc, voc07]\n";
  EXPECT_EQ(load_run_config(dir / "run.yaml").metrics, (std::vector<std::string>{"coco", "voc", "voc07"}));
  std::ofstream(dir / "bad.yaml") << "dataset: {format: coco, annotations: a.json, images: .}\n"
                                     "metrics: [voc2012]\n";
  EXPECT_THROW(load_run_config(dir / "bad.yaml"), Error);
}
