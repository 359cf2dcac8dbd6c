// Compact match records (evaluate --shard / merge): a run split into 2, 7 and 16 contiguous
// shards, each evaluated alone and written as records, merges to the one run's precision,
// recall and scores arrays bit for bit (images out of id order across shards, tied scores,
// crowd regions, images with more detections than maxDets); and bad files are refused by name.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/eval/coco/match_records.hpp"
#include "core/util/error.hpp"

namespace {

namespace fs = std::filesystem;

ds::Dataset random_run(std::vector<ds::Detection>& dts) {
  std::mt19937 rng(7);
  const auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  ds::Dataset d;
  d.source = "gt.json";
  for (const std::int64_t c : {3, 1, 9, 4}) d.categories.push_back({c, "c" + std::to_string(c)});
  // Ids out of file order: shards are file ranges, accumulate orders images by id.
  for (int i = 0; i < 90; ++i) {
    ds::Image im;
    im.id = (i * 37) % 90 + 1;
    im.file_name = std::to_string(im.id) + ".jpg";
    im.width = 200;
    im.height = 200;
    d.images.push_back(im);
  }
  std::int64_t ann_id = 1;
  for (const ds::Image& im : d.images) {
    const int n_gt = static_cast<int>(uni(0, 6));
    std::vector<ds::Box> boxes;
    for (int g = 0; g < n_gt; ++g) {
      ds::Annotation a;
      a.id = ann_id++;
      a.image_id = im.id;
      a.category_id = d.categories[static_cast<std::size_t>(uni(0, 4))].id;
      const double s = uni(4, 120);
      a.bbox = {uni(0, 150), uni(0, 150), s, s * uni(0.5, 1.5)};
      a.area = a.bbox.w * a.bbox.h;
      a.iscrowd = uni(0, 1) < 0.08;
      boxes.push_back(a.bbox);
      d.annotations.push_back(a);
    }
    // Some images get more than maxDets (100) detections.
    const int n_dt = uni(0, 1) < 0.1 ? 130 : static_cast<int>(uni(0, 25));
    for (int k = 0; k < n_dt; ++k) {
      ds::Detection det;
      det.image_id = im.id;
      det.category_id = d.categories[static_cast<std::size_t>(uni(0, 4))].id;
      if (!boxes.empty() && uni(0, 1) < 0.6) {
        const ds::Box& b = boxes[static_cast<std::size_t>(uni(0, static_cast<double>(boxes.size())))];
        det.bbox = {b.x + uni(-6, 6), b.y + uni(-6, 6), b.w * uni(0.8, 1.2), b.h * uni(0.8, 1.2)};
      } else {
        det.bbox = {uni(0, 150), uni(0, 150), uni(4, 100), uni(4, 100)};
      }
      det.score = std::round(uni(0, 1) * 20) / 20;  // many ties
      dts.push_back(det);
    }
  }
  return d;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("ds_match_records_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<fs::path> write_shards(const ds::Dataset& gt, const std::vector<ds::Detection>& dts, std::size_t n,
                                   const fs::path& dir) {
  std::vector<fs::path> files;
  const std::size_t I = gt.images.size();
  for (std::size_t s = 0; s < n; ++s) {
    ds::coco::Params p = ds::coco::Params::defaults();
    p.img_ids.emplace();
    for (std::size_t i = I * s / n; i < I * (s + 1) / n; ++i) p.img_ids->push_back(gt.images[i].id);
    const ds::coco::EvalResult r = ds::coco::evaluate(gt, dts, p, 1, true);
    files.push_back(dir / ("records." + std::to_string(s) + ".bin"));
    std::ofstream(files.back(), std::ios::binary)
        << ds::coco::write_match_records(r, ds::coco::group_detection_counts(r, dts));
  }
  return files;
}

TEST(MatchRecords, ShardsMergeToTheOneRunBitForBit) {
  std::vector<ds::Detection> dts;
  const ds::Dataset gt = random_run(dts);
  const ds::coco::EvalResult one = ds::coco::evaluate(gt, dts, ds::coco::Params::defaults(), 1);
  std::vector<std::size_t> dt_count(one.params.cat_ids->size(), 0);
  for (const ds::Detection& d : dts)
    for (std::size_t k = 0; k < dt_count.size(); ++k) dt_count[k] += d.category_id == (*one.params.cat_ids)[k];
  for (const std::size_t n : {2u, 7u, 16u}) {
    const fs::path dir = temp_dir(std::to_string(n));
    std::vector<fs::path> files = write_shards(gt, dts, n, dir);
    std::reverse(files.begin(), files.end());  // the order given does not matter
    ds::coco::Params p = ds::coco::Params::defaults();
    p.img_ids.emplace();
    for (const ds::Image& im : gt.images) p.img_ids->push_back(im.id);
    const ds::coco::MergedRecords m = ds::coco::merge_match_records(files, p);
    EXPECT_TRUE(same_bits(m.result.arrays.precision, one.arrays.precision)) << n << " shards";
    EXPECT_TRUE(same_bits(m.result.arrays.recall, one.arrays.recall)) << n << " shards";
    EXPECT_TRUE(same_bits(m.result.arrays.scores, one.arrays.scores)) << n << " shards";
    EXPECT_EQ(m.dt_count, dt_count);
    // Not a tautology: the run has true positives and a curve.
    EXPECT_GT(*std::max_element(one.arrays.precision.begin(), one.arrays.precision.end()), 0.0);
    fs::remove_all(dir);
  }
}

TEST(MatchRecords, BadFilesAreRefusedByName) {
  std::vector<ds::Detection> dts;
  const ds::Dataset gt = random_run(dts);
  const fs::path dir = temp_dir("bad");
  const std::vector<fs::path> files = write_shards(gt, dts, 2, dir);
  ds::coco::Params p = ds::coco::Params::defaults();
  p.img_ids.emplace();
  for (const ds::Image& im : gt.images) p.img_ids->push_back(im.id);
  const auto refused = [&](std::vector<fs::path> given, const ds::coco::Params& params, const std::string& says) {
    try {
      ds::coco::merge_match_records(given, params);
      ADD_FAILURE() << "accepted: " << says;
    } catch (const ds::Error& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused({files[0], files[0], files[1]}, p, "two shards");  // a shard given twice
  ds::coco::Params fewer = p;
  fewer.img_ids->resize(10);
  refused(files, fewer, "not one of the run's images");
  ds::coco::Params other = p;
  other.max_dets = {1, 10, 50};
  refused(files, other, "other params");
  // Truncated, and not records at all.
  const fs::path cut = dir / "cut.bin";
  {
    std::ifstream in(files[0], std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() - 3);
  }
  refused({cut, files[1]}, p, "cut.bin: truncated");
  const fs::path json = dir / "detections.json";
  std::ofstream(json) << "[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1, 1], \"score\": 1}]";
  refused({json, files[1]}, p, "detections.json: not a match records file");
  fs::remove_all(dir);
}

}  // namespace
