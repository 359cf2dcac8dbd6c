// Streaming evaluation (score --stream): detections handed over in batches, grouped by image on
// the fly (or bucketed on disk when the file is not grouped) and kept only as match records,
// give evaluate()'s precision, recall and scores arrays bit for bit: batches that cut images in
// two, images out of id order, tied scores, crowd regions, images past maxDets, detections of a
// category the ground truth lacks, images with detections and no ground truth. ResultsStream
// reads a results file in pieces as read_results reads it whole.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/eval/coco/accumulate.hpp"
#include "core/eval/coco/stream_evaluate.hpp"
#include "core/util/error.hpp"
#include "formats/coco/coco_json.hpp"
#include "random_coco_run.hpp"

namespace {

namespace fs = std::filesystem;
using ds::coco::Params;

// Detections grouped by image, images in a shuffled order (not by id), some without ground
// truth, some detections of a class the ground truth lacks.
ds::Dataset random_run(std::vector<ds::Detection>& dts, unsigned seed) {
  return ds::testing::random_run(dts, {.seed = seed, .images = 120, .id_stride = 53, .image_size = 0,
                                       .no_truth_every = 11, .max_truth = 7, .max_side = 140,
                                       .area_below_box = true, .max_detections = 30, .many_detections = 140,
                                       .unknown_class = 0.03, .min_far_side = 1});
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// The detections in batches of `size` (images cut in two at batch ends).
ds::coco::OpenDetections batches_of(const std::vector<ds::Detection>& dts, std::size_t size) {
  return [&dts, size] {
    auto at = std::make_shared<std::size_t>(0);
    return ds::coco::DetectionBatches([&dts, size, at](std::vector<ds::Detection>& out) {
      out.clear();
      if (*at >= dts.size()) return false;
      const std::size_t end = std::min(dts.size(), *at + size);
      out.assign(dts.begin() + static_cast<std::ptrdiff_t>(*at), dts.begin() + static_cast<std::ptrdiff_t>(end));
      *at = end;
      return true;
    });
  };
}

void expect_same(const ds::Dataset& gt, const std::vector<ds::Detection>& dts, const ds::coco::StreamedEvaluation& s) {
  const ds::coco::EvalResult one = ds::coco::evaluate(gt, dts, Params::defaults(), 1);
  EXPECT_TRUE(same_bits(one.arrays.precision, s.result.arrays.precision));
  EXPECT_TRUE(same_bits(one.arrays.recall, s.result.arrays.recall));
  EXPECT_TRUE(same_bits(one.arrays.scores, s.result.arrays.scores));
  EXPECT_EQ(s.detections, dts.size());
  EXPECT_EQ(*s.result.params.img_ids, *one.params.img_ids);
  EXPECT_EQ(*s.result.params.cat_ids, *one.params.cat_ids);
  // Each category's detections, as coco_metrics counts them from the detections.
  std::vector<std::size_t> count(one.params.cat_ids->size(), 0);
  for (const ds::Detection& d : dts)
    for (std::size_t k = 0; k < count.size(); ++k)
      if ((*one.params.cat_ids)[k] == d.category_id) ++count[k];
  EXPECT_EQ(s.dt_count, count);
}

fs::path temp_file(const std::string& name, const std::string& text) {
  const fs::path path = fs::temp_directory_path() / ("ds_stream_" + name + "_" + std::to_string(::getpid()) + ".json");
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(StreamEvaluate, GroupedBatchesEqualTheWholeEvaluation) {
  std::vector<ds::Detection> dts;
  const ds::Dataset gt = random_run(dts, 11);
  ASSERT_GT(dts.size(), 1500u);
  for (const std::size_t batch : {std::size_t{1}, std::size_t{17}, std::size_t{1000}, dts.size()}) {
    const auto s = ds::coco::stream_evaluate(gt, batches_of(dts, batch), Params::defaults(), "results.json");
    EXPECT_TRUE(s.grouped) << batch;
    expect_same(gt, dts, s);
  }
}

TEST(StreamEvaluate, UngroupedResultsAreBucketedAndEqualTheWholeEvaluation) {
  std::vector<ds::Detection> dts;
  const ds::Dataset gt = random_run(dts, 12);
  std::mt19937 rng(5);
  std::shuffle(dts.begin(), dts.end(), rng);
  const auto s = ds::coco::stream_evaluate(gt, batches_of(dts, 64), Params::defaults(), "results.json");
  EXPECT_FALSE(s.grouped);
  expect_same(gt, dts, s);
  // An image coming back once, at the very end.
  std::vector<ds::Detection> late;
  const ds::Dataset gt2 = random_run(late, 13);
  std::rotate(late.begin(), late.begin() + 1, late.end());
  const auto s2 = ds::coco::stream_evaluate(gt2, batches_of(late, 100), Params::defaults(), "results.json");
  EXPECT_FALSE(s2.grouped);
  expect_same(gt2, late, s2);
}

TEST(StreamEvaluate, DetectionOnAnUnknownImageIsNamed) {
  std::vector<ds::Detection> dts;
  const ds::Dataset gt = random_run(dts, 14);
  dts[40].image_id = 999;
  try {
    ds::coco::stream_evaluate(gt, batches_of(dts, 16), Params::defaults(), "results.json");
    FAIL() << "no error";
  } catch (const ds::Error& e) {
    EXPECT_STREQ(e.what(), "results.json: detection [40]: image_id 999 is not an image of the ground truth (gt.json)");
  }
}

TEST(StreamEvaluate, ParamsThatNeedTheWholeEvaluationAreRefused) {
  std::vector<ds::Detection> dts;
  ds::Dataset gt = random_run(dts, 15);
  EXPECT_TRUE(ds::coco::stream_fits(gt, Params::defaults()));
  EXPECT_FALSE(ds::coco::stream_fits(gt, Params::defaults(ds::coco::IouType::kSegm)));
  gt.annotations[3].id = gt.annotations[2].id;
  EXPECT_FALSE(ds::coco::stream_fits(gt, Params::defaults()));
  EXPECT_THROW(ds::coco::stream_evaluate(gt, batches_of(dts, 16), Params::defaults(), "r.json"), ds::Error);
}

TEST(Accumulate, ScoreOrderIsTheStableSortOfLargeAndSmallCategories) {
  // Large categories go through the radix sort: ties (3 decimals), -0 and 0, negative and huge
  // scores, subnormals; every order must be std::stable_sort's of -score.
  std::mt19937 rng(9);
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{50}, std::size_t{1023}, std::size_t{1024},
                              std::size_t{5000}, std::size_t{70000}}) {
    std::vector<double> scores(n);
    for (std::size_t j = 0; j < n; ++j) {
      const unsigned kind = rng() % 10;
      scores[j] = kind == 0   ? 0.0
                  : kind == 1 ? -0.0
                  : kind == 2 ? -static_cast<double>(rng() % 1000) / 7
                  : kind == 3 ? 1e300 * (rng() % 3)
                  : kind == 4 ? 4.9e-324 * (rng() % 4)
                              : static_cast<double>(rng() % 1000) / 1000;
    }
    std::vector<std::uint32_t> expected(n);
    for (std::size_t j = 0; j < n; ++j) expected[j] = static_cast<std::uint32_t>(j);
    std::stable_sort(expected.begin(), expected.end(), [&](std::uint32_t a, std::uint32_t b) { return scores[a] > scores[b]; });
    ds::coco::AccumulateScratch scratch;
    ds::coco::sort_by_score(scores, scratch);
    EXPECT_EQ(scratch.by_score, expected) << n;
  }
}

TEST(StreamEvaluate, LargeCategoriesAndMaxDetsEqualTheWholeEvaluation) {
  // One category with thousands of detections (the radix sort), images with more than 10 and
  // fewer than 10 of them (maxDets 10 and 100 select different detections in some categories,
  // the same in others).
  std::mt19937 rng(21);
  const auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  ds::Dataset gt;
  gt.source = "gt.json";
  gt.categories = {{1, "a"}, {2, "b"}};
  std::vector<ds::Detection> dts;
  std::int64_t ann = 1;
  for (std::int64_t id = 1; id <= 400; ++id) {
    gt.images.push_back({});
    gt.images.back().id = id;
    for (int g = 0; g < 4; ++g) {
      ds::Annotation a;
      a.id = ann++;
      a.image_id = id;
      a.category_id = 1 + g % 2;
      a.bbox = {uni(0, 100), uni(0, 100), uni(5, 80), uni(5, 80)};
      a.area = a.bbox.w * a.bbox.h;
      gt.annotations.push_back(a);
    }
    const int n = id % 3 == 0 ? 14 : 6;
    for (int d = 0; d < n; ++d) {
      ds::Detection det;
      det.image_id = id;
      det.category_id = d % 4 == 0 ? 2 : 1;  // category 2: never more than 4 per image
      const ds::Annotation& near = gt.annotations[gt.annotations.size() - 4 + static_cast<std::size_t>(d % 4)];
      det.bbox = {near.bbox.x + uni(-5, 5), near.bbox.y + uni(-5, 5), near.bbox.w * uni(0.8, 1.2), near.bbox.h * uni(0.8, 1.2)};
      det.score = std::round(uni(0, 1) * 200) / 200;
      dts.push_back(det);
    }
  }
  const auto s = ds::coco::stream_evaluate(gt, batches_of(dts, 333), Params::defaults(), "results.json");
  expect_same(gt, dts, s);
}

TEST(ResultsStream, PiecesReadAsTheWholeFile) {
  std::vector<ds::Detection> dts;
  random_run(dts, 16);
  std::string text = ds::coco::results_json(dts);
  // Other spacing between records too: no space, newlines and tabs.
  std::string tight;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (!(text[i] == '\n' && i > 0 && text[i - 1] == ',')) tight += text[i];
  for (const std::string& t : {text, tight, "\n\t[ " + tight.substr(1) + " \n"}) {
    const fs::path path = temp_file("pieces", t);
    const std::vector<ds::Detection> whole = ds::coco::read_results(path);
    ASSERT_EQ(whole.size(), dts.size());
    for (const std::size_t piece : {std::size_t{1}, std::size_t{300}, std::size_t{4096}, std::size_t{16} << 20}) {
      ds::coco::ResultsStream stream(path, piece);
      std::vector<ds::Detection> all, batch;
      std::size_t batches = 0;
      while (stream.next(batch)) {
        all.insert(all.end(), batch.begin(), batch.end());
        ++batches;
      }
      ASSERT_EQ(all.size(), whole.size()) << piece;
      for (std::size_t n = 0; n < all.size(); ++n) {
        EXPECT_EQ(all[n].image_id, whole[n].image_id);
        EXPECT_EQ(all[n].category_id, whole[n].category_id);
        EXPECT_EQ(std::memcmp(&all[n].bbox, &whole[n].bbox, sizeof(ds::Box)), 0);
        EXPECT_EQ(all[n].score, whole[n].score);
      }
      if (piece == 300) {
        EXPECT_GT(batches, 100u);
      }
    }
    fs::remove(path);
  }
}

TEST(ResultsStream, BadTextThrows) {
  for (const std::string& bad : {std::string("{\"a\": 1}"), std::string("[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": 0.5}"),
                                 std::string("[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": 0.5}, {\"image_id\": 1}]"),
                                 std::string("[{\"image_id\": 1, \"note\": \"}, {\", \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": 0.5}]")}) {
    const fs::path path = temp_file("bad", bad);
    ds::coco::ResultsStream stream(path, 8);
    std::vector<ds::Detection> batch;
    EXPECT_THROW(while (stream.next(batch)) {}, ds::Error) << bad;
    fs::remove(path);
  }
  EXPECT_THROW(ds::coco::ResultsStream("/nonexistent/results.json"), ds::Error);
  // An empty list: no detections.
  const fs::path empty = temp_file("empty", " [ ]\n");
  ds::coco::ResultsStream stream(empty, 8);
  std::vector<ds::Detection> batch;
  EXPECT_FALSE(stream.next(batch));
  fs::remove(empty);
}

}  // namespace
