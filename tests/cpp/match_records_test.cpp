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

#include "core/eval/coco/match_records.hpp"
#include "core/util/error.hpp"
#include "random_coco_run.hpp"

namespace {

namespace fs = std::filesystem;

// Ids out of file order (shards are file ranges, accumulate orders images by id); some images
// past maxDets.
ds::Dataset random_run(std::vector<ds::Detection>& dts) { return ds::testing::random_run(dts); }

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
