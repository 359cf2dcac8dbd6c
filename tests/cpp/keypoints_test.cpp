// COCO keypoints: OKS against values NumPy computes with pycocotools' computeOks formula, the
// default sigmas' exact doubles, and the COCO reader/writer carrying keypoints.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/eval/coco/oks.hpp"
#include "core/eval/coco/params.hpp"
#include "core/util/error.hpp"
#include "formats/coco/coco_json.hpp"

using namespace ds;

namespace {

std::vector<double> oks_of(const Detection& d, const Annotation& g, const std::vector<double>& sigmas) {
  const Detection* dts[] = {&d};
  const Annotation* gts[] = {&g};
  std::vector<double> out(1), scratch;
  coco::keypoint_oks(dts, gts, coco::oks_vars(sigmas), out, scratch);
  return out;
}

std::string error_of(const std::string& json) {
  try {
    coco::read_instances_text(json, "gt.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Keypoints, DefaultSigmasAreNumpysDivisionByTen) {
  // repr() of np.array([.26, ...]) / 10.0: not the literals 0.026 and 0.107.
  const std::vector<double> s = coco::coco_person_sigmas();
  ASSERT_EQ(s.size(), 17u);
  EXPECT_EQ(s[0], 0.026000000000000002);
  EXPECT_EQ(s[1], 0.025);
  EXPECT_EQ(s[11], 0.10700000000000001);
  const coco::Params p = coco::Params::defaults(coco::IouType::kKeypoints);
  EXPECT_EQ(p.max_dets, std::vector<int>{20});
  EXPECT_EQ(p.area_lbl, (std::vector<std::string>{"all", "medium", "large"}));
}

TEST(Keypoints, OksMatchesNumpyBitForBit) {
  Annotation g;
  g.keypoints = {10, 20, 2, 0, 0, 0, 30.5, 40, 1};  // the second is not labelled: left out
  g.area = 400;
  Detection d;
  d.keypoints = {11, 19.5, 1, 5, 5, 1, 33, 41, 0.3};
  EXPECT_EQ(oks_of(d, g, {.026, .05, .1})[0], 0.6791871412574559);
}

TEST(Keypoints, NoLabelledKeypointMeasuresToTheGrownBox) {
  Annotation g;
  g.keypoints = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  g.bbox = {10, 10, 20, 30};  // grown: x in [-10, 50], y in [-20, 100]
  g.area = 400;
  Detection d;
  d.keypoints = {-15, 5, 1, 60, 95, 1, 20, 20, 1};
  EXPECT_EQ(oks_of(d, g, {.026, .05, .1})[0], 0.33333652309310274);
  g.keypoints.clear();  // no keypoints at all reads the same way
  EXPECT_EQ(oks_of(d, g, {.026, .05, .1})[0], 0.33333652309310274);
}

TEST(Keypoints, ReadWrittenAndReadBack) {
  const std::string json = R"({"images": [{"id": 1, "file_name": "a.jpg"}],
    "annotations": [{"id": 5, "image_id": 1, "category_id": 2, "bbox": [0, 0, 4, 4],
                     "keypoints": [1, 2, 2, 0, 0, 0], "area": 16}],
    "categories": [{"id": 2, "name": "p", "keypoints": ["a", "b"], "skeleton": [[1, 2]]}]})";
  const Dataset d = coco::read_instances_text(json, "gt.json");
  ASSERT_EQ(d.annotations.size(), 1u);
  EXPECT_EQ(d.annotations[0].keypoints, (std::vector<double>{1, 2, 2, 0, 0, 0}));
  EXPECT_EQ(d.annotations[0].num_keypoints, 1);  // counted: the file has none
  EXPECT_EQ(d.categories[0].keypoint_names, (std::vector<std::string>{"a", "b"}));
  const Dataset back = coco::read_instances_text(coco::instances_json(d), "round trip");
  EXPECT_EQ(back.annotations[0].keypoints, d.annotations[0].keypoints);
  EXPECT_EQ(back.annotations[0].num_keypoints, 1);
  ASSERT_EQ(back.categories[0].skeleton.size(), 1u);
  EXPECT_EQ(back.categories[0].skeleton[0][1], 2);
}

TEST(Keypoints, CountCheckedAgainstTheCategoryListedAfterwards) {
  const std::string json = R"({"images": [{"id": 1}],
    "annotations": [{"id": 5, "image_id": 1, "category_id": 2, "bbox": [0, 0, 4, 4], "keypoints": [1, 2, 2]}],
    "categories": [{"id": 2, "name": "p", "keypoints": ["a", "b"]}]})";
  EXPECT_EQ(error_of(json),
            "gt.json: annotations[0] (id 5): 'keypoints': 1 keypoints, category 2 has 2 (expected 6 numbers)");
}

TEST(Keypoints, ResultsWithoutBoxGetTheKeypointsExtent) {
  const auto dts = coco::read_keypoint_results_text(
      R"([{"image_id": 1, "category_id": 2, "score": 0.5, "keypoints": [4, 9, 1, -2, 3, 0]},
          {"image_id": 1, "category_id": 2, "score": 0.5, "keypoints": [1, 1, 1, 2, 2, 1], "bbox": [0, 0, 9, 9]}])",
      "dt.json");
  ASSERT_EQ(dts.size(), 2u);
  EXPECT_EQ(dts[0].bbox.x, -2);
  EXPECT_EQ(dts[0].bbox.y, 3);
  EXPECT_EQ(dts[0].bbox.w, 6);
  EXPECT_EQ(dts[0].bbox.h, 6);
  EXPECT_EQ(dts[1].bbox.w, 1);  // the first has no box: every box is the keypoints' extent
}
