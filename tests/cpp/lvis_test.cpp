// LVIS evaluation's own paths that the Python parity tests do not reach: `evaluate` fed image by
// image (process) equals `score`'s evaluate_all, and a file with so many images and categories
// that the (category, image) bitset would be large takes the sparse set and gives the same numbers.
#include <gtest/gtest.h>

#include "core/eval/lvis/evaluate.hpp"
#include "core/eval/lvis/lvis_evaluator.hpp"
#include "core/util/error.hpp"

namespace {

ds::Dataset small_lvis(std::size_t extra_images, std::size_t extra_categories) {
  ds::Dataset d;
  d.source = "lvis.json";
  for (std::int64_t c = 1; c <= 3; ++c) d.categories.push_back({c, "c" + std::to_string(c), "", {}, {}, {}, c == 1 ? "f" : c == 2 ? "c" : "r"});
  for (std::size_t c = 0; c < extra_categories; ++c)
    d.categories.push_back({static_cast<std::int64_t>(100 + c), "x", "", {}, {}, {}, "r"});
  const auto image = [&](std::int64_t id, std::vector<std::int64_t> neg, std::vector<std::int64_t> not_exhaustive) {
    ds::Image im;
    im.id = id;
    im.file_name = std::to_string(id) + ".jpg";
    im.neg_category_ids = std::move(neg);
    im.not_exhaustive_category_ids = std::move(not_exhaustive);
    d.images.push_back(im);
  };
  image(1, {2}, {});
  image(2, {}, {3});
  for (std::size_t i = 0; i < extra_images; ++i) image(static_cast<std::int64_t>(1000 + i), {}, {});
  const auto ann = [&](std::int64_t id, std::int64_t img, std::int64_t cat, ds::Box b) {
    ds::Annotation a;
    a.id = id;
    a.image_id = img;
    a.category_id = cat;
    a.bbox = b;
    a.area = b.w * b.h;
    d.annotations.push_back(a);
  };
  ann(1, 1, 1, {1, 1, 10, 10});
  ann(2, 2, 1, {20, 20, 10, 10});
  ann(3, 2, 3, {5, 5, 20, 20});
  return d;
}

std::vector<ds::Detection> detections() {
  return {{1, 1, {1, 1, 10, 10}, 0.9, nullptr, -1, {}},  {1, 2, {30, 30, 5, 5}, 0.8, nullptr, -1, {}},
          {1, 3, {30, 30, 5, 5}, 0.95, nullptr, -1, {}}, {2, 3, {5, 5, 20, 20}, 0.7, nullptr, -1, {}},
          {2, 3, {40, 30, 5, 5}, 0.99, nullptr, -1, {}}, {2, 1, {21, 20, 10, 10}, 0.6, nullptr, -1, {}}};
}

TEST(Lvis, ProcessImageByImageEqualsEvaluateAll) {
  const ds::Dataset gt = small_lvis(0, 0);
  const std::vector<ds::Detection> dts = detections();
  ds::lvis::LvisEvaluator all(gt, {}, ds::coco::IouType::kBbox), by_image(gt, {}, ds::coco::IouType::kBbox);
  const ds::Metrics a = all.evaluate_all(dts);
  for (const ds::Image& im : gt.images) {
    std::vector<ds::Detection> mine;
    for (const ds::Detection& d : dts)
      if (d.image_id == im.id) mine.push_back(d);
    by_image.process(im, mine);
  }
  const ds::Metrics b = by_image.evaluate();
  ASSERT_EQ(a.json_fields.size(), 1u);
  EXPECT_EQ(a.json_fields, b.json_fields);
  EXPECT_EQ(a.json_fields[0].first, "lvis");
}

TEST(Lvis, ManyImagesAndCategoriesTakeTheSparsePairs) {
  // 17,000 x 17,003 pairs: over the bitset's 2^28 bits.
  const ds::Dataset big = small_lvis(17'000, 17'000), small = small_lvis(0, 0);
  const auto numbers = [](const ds::Dataset& gt) {
    std::vector<double> out;
    for (const auto& s : ds::lvis::summarize(ds::lvis::evaluate(gt, detections(), ds::coco::IouType::kBbox, std::nullopt, 1)))
      out.push_back(s.value);
    return out;
  };
  EXPECT_EQ(numbers(big), numbers(small));
  EXPECT_GT(numbers(small)[0], 0.5);
}

TEST(Lvis, AnImageWithoutTheListsIsNamed) {
  ds::Dataset gt = small_lvis(0, 0);
  gt.images[1].neg_category_ids.reset();
  try {
    (void)ds::lvis::evaluate(gt, detections(), ds::coco::IouType::kBbox, std::nullopt, 1);
    FAIL() << "no error";
  } catch (const ds::Error& e) {
    EXPECT_NE(std::string(e.what()).find("lvis.json: image 2: no 'neg_category_ids'"), std::string::npos) << e.what();
  }
}

}  // namespace
