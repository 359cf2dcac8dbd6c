// A model trained on one label space scored on a dataset of another: VOC-named model classes on
// a COCO-named dataset, COCO-named classes on Open Images names, through the synonym table.
#include <gtest/gtest.h>

#include "core/classes/class_map.hpp"
#include "core/eval/coco/evaluate.hpp"
#include "core/eval/coco/params.hpp"
#include "core/eval/coco/summarize.hpp"

using namespace ds;

namespace {

const std::vector<std::string> kVoc = {"aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car",
                                       "cat", "chair", "cow", "diningtable", "dog", "horse", "motorbike",
                                       "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"};

const std::vector<std::string> kCoco = {
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
    "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush"};

// COCO's category ids: 1..90 with gaps.
std::vector<Category> coco_categories() {
  static const int ids[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                            22, 23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44,
                            46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65,
                            67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90};
  std::vector<Category> out;
  for (std::size_t i = 0; i < kCoco.size(); ++i) out.push_back({ids[i], kCoco[i], ""});
  return out;
}

std::int64_t id_named(const std::vector<Category>& cats, const std::string& name) {
  for (const Category& c : cats)
    if (c.name == name) return c.id;
  return -1;
}

}  // namespace

TEST(LabelSpace, EveryVocClassFindsItsCocoCategory) {
  const auto cats = coco_categories();
  const ClassMapping m = map_classes(kVoc, cats);
  EXPECT_TRUE(m.unmapped_model_classes.empty());
  EXPECT_EQ(m.uncovered_categories.size(), 60u);
  const std::pair<const char*, const char*> renamed[] = {{"aeroplane", "airplane"},   {"motorbike", "motorcycle"},
                                                         {"sofa", "couch"},           {"tvmonitor", "tv"},
                                                         {"diningtable", "dining table"}, {"pottedplant", "potted plant"}};
  for (const auto& [voc, coco] : renamed) {
    const auto i = static_cast<std::size_t>(std::find(kVoc.begin(), kVoc.end(), voc) - kVoc.begin());
    EXPECT_EQ(m.category_of[i], id_named(cats, coco)) << voc;
  }
}

TEST(LabelSpace, VocModelScoredOnCocoDatasetGetsFullAp) {
  // Ground truth named in COCO's label space, detections made by a VOC-labelled model: a perfect
  // model must score AP 1.0 once its labels go through the mapping, and 0 without it.
  const auto cats = coco_categories();
  Dataset gt;
  gt.categories = cats;
  const std::vector<std::pair<const char*, Box>> objects = {{"airplane", {10, 10, 200, 120}}, {"motorcycle", {50, 60, 80, 70}},
                                                            {"couch", {0, 100, 300, 150}},   {"tv", {20, 20, 60, 40}},
                                                            {"dining table", {100, 150, 150, 90}}, {"potted plant", {5, 5, 40, 80}},
                                                            {"person", {200, 30, 50, 150}}};
  const std::vector<std::string> voc_label = {"aeroplane", "motorbike", "sofa", "tvmonitor", "diningtable", "pottedplant", "person"};
  std::vector<std::pair<std::size_t, Box>> model_output;  // (VOC class index, box)
  for (std::int64_t image = 1; image <= 2; ++image) {
    gt.images.push_back({image, "im" + std::to_string(image) + ".jpg", 400, 300});
    for (std::size_t k = 0; k < objects.size(); ++k) {
      const auto id = static_cast<std::int64_t>(gt.annotations.size()) + 1;
      gt.annotations.push_back({id, image, id_named(cats, objects[k].first), objects[k].second,
                                objects[k].second.w * objects[k].second.h});
      model_output.emplace_back(std::find(kVoc.begin(), kVoc.end(), voc_label[k]) - kVoc.begin(), objects[k].second);
    }
  }
  const ClassMapping m = map_classes(kVoc, cats);
  std::vector<Detection> mapped;
  std::vector<Detection> unmapped;  // what taking VOC's index as a COCO id would give
  for (std::size_t i = 0; i < model_output.size(); ++i) {
    const auto& [label, box] = model_output[i];
    const std::int64_t image = i < objects.size() ? 1 : 2;
    ASSERT_TRUE(m.category_of[label]);
    mapped.push_back({image, *m.category_of[label], box, 0.9});
    unmapped.push_back({image, static_cast<std::int64_t>(label) + 1, box, 0.9});
  }
  const auto ap = [&](const std::vector<Detection>& dts) {
    return coco::stats_of(coco::summarize(coco::evaluate(gt, dts, coco::Params::defaults(), 1)))[0];
  };
  EXPECT_DOUBLE_EQ(ap(mapped), 1.0);
  EXPECT_LT(ap(unmapped), 0.2);
}

TEST(LabelSpace, CocoModelOnOpenImagesNames) {
  // Real Open Images display names, with the near-misses that must stay apart.
  const std::vector<Category> oi = {{1, "Airplane", ""},         {2, "Motorcycle", ""},   {3, "Couch", ""},
                                    {4, "Sofa bed", ""},         {5, "Television", ""},   {6, "Houseplant", ""},
                                    {7, "Kitchen & dining room table", ""}, {8, "Table", ""}, {9, "Mobile phone", ""},
                                    {10, "Hair dryer", ""},      {11, "Doughnut", ""},    {12, "Cattle", ""},
                                    {13, "Flying disc", ""},     {14, "Ski", ""},         {15, "Ball", ""},
                                    {16, "Coffee cup", ""},      {17, "Mug", ""},         {18, "Remote control", ""},
                                    {19, "Computer keyboard", ""}, {20, "Microwave oven", ""}, {21, "Person", ""},
                                    {22, "Traffic light", ""},   {23, "Unicorn", ""}};
  const ClassMapping m = map_classes(kCoco, oi);
  const auto mapped_to = [&](const std::string& coco) -> std::int64_t {
    const auto i = static_cast<std::size_t>(std::find(kCoco.begin(), kCoco.end(), coco) - kCoco.begin());
    return m.category_of[i].value_or(-1);
  };
  EXPECT_EQ(mapped_to("airplane"), 1);
  EXPECT_EQ(mapped_to("motorcycle"), 2);
  EXPECT_EQ(mapped_to("couch"), 3);
  EXPECT_EQ(mapped_to("tv"), 5);
  EXPECT_EQ(mapped_to("potted plant"), 6);
  EXPECT_EQ(mapped_to("dining table"), 7);
  EXPECT_EQ(mapped_to("cell phone"), 9);
  EXPECT_EQ(mapped_to("hair drier"), 10);
  EXPECT_EQ(mapped_to("donut"), 11);
  EXPECT_EQ(mapped_to("cow"), 12);
  EXPECT_EQ(mapped_to("frisbee"), 13);
  EXPECT_EQ(mapped_to("skis"), 14);
  EXPECT_EQ(mapped_to("sports ball"), 15);
  EXPECT_EQ(mapped_to("cup"), 16);
  EXPECT_EQ(mapped_to("remote"), 18);
  EXPECT_EQ(mapped_to("keyboard"), 19);
  EXPECT_EQ(mapped_to("microwave"), 20);
  EXPECT_EQ(mapped_to("person"), 21);
  EXPECT_EQ(mapped_to("traffic light"), 22);
  // Never matched: not the same class.
  EXPECT_EQ(std::count(m.uncovered_categories.begin(), m.uncovered_categories.end(), "Sofa bed"), 1);
  EXPECT_EQ(std::count(m.uncovered_categories.begin(), m.uncovered_categories.end(), "Table"), 1);
  EXPECT_EQ(std::count(m.uncovered_categories.begin(), m.uncovered_categories.end(), "Mug"), 1);
  EXPECT_EQ(std::count(m.uncovered_categories.begin(), m.uncovered_categories.end(), "Unicorn"), 1);
  // Unmapped model classes are listed, not dropped silently.
  EXPECT_EQ(m.unmapped_model_classes.size(), kCoco.size() - 19);
  EXPECT_EQ(std::count(m.unmapped_model_classes.begin(), m.unmapped_model_classes.end(), "zebra"), 1);
}

TEST(LabelSpace, VocModelOnOpenImagesNames) {
  const std::vector<Category> oi = {{1, "Airplane", ""}, {2, "Motorcycle", ""}, {3, "Couch", ""}, {4, "Television", ""},
                                    {5, "Kitchen & dining room table", ""}, {6, "Houseplant", ""}, {7, "Cattle", ""}};
  const ClassMapping m = map_classes(kVoc, oi);
  EXPECT_TRUE(m.uncovered_categories.empty());
  EXPECT_EQ(m.unmapped_model_classes.size(), kVoc.size() - 7);
}
