// module: libtorch's model config: defaults mirror pytorch_detect's, mistakes name file and key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/util/error.hpp"
#include "host/libtorch/config.hpp"

namespace fs = std::filesystem;
using namespace ds::host::libtorch;

namespace {

class LibtorchConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ds_libtorch_config_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "c.names") << "cat \n dog\n\n";
    std::ofstream(dir_ / "m.pt") << "x";
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& extra) {
    const fs::path p = dir_ / "m.yaml";
    std::ofstream(p) << "module: libtorch\nclasses: c.names\nmodel: {format: torchscript, weights: m.pt}\n" << extra;
    return p;
  }

  // A format aoti config whose model.head is `head` (YAML flow mapping body).
  fs::path write_head(const std::string& head, const std::string& extra = "") {
    const fs::path p = dir_ / "h.yaml";
    std::ofstream(p) << "module: libtorch\nclasses: c.names\nmodel:\n  format: aoti\n  weights: m.pt\n  head: {" << head
                     << "}\n"
                     << extra;
    return p;
  }

  std::string error_of_path(const fs::path& p) {
    try {
      read_config(p);
    } catch (const ds::Error& e) {
      return e.what();
    }
    return "";
  }

  std::string error_of(const std::string& extra) {
    try {
      read_config(write(extra));
    } catch (const ds::Error& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

TEST_F(LibtorchConfig, DefaultsArePytorchDetects) {
  const Config c = read_config(write(""));
  EXPECT_EQ(c.name, "m");
  EXPECT_EQ(c.class_names, (std::vector<std::string>{"cat", "dog"}));  // stripped, trailing blank dropped
  EXPECT_EQ(c.device, "auto");
  EXPECT_FLOAT_EQ(c.score_threshold, 0.05f);
  EXPECT_EQ(c.max_detections, 100);
  EXPECT_EQ(c.batch_size, 4);
  EXPECT_EQ(c.precision, Precision::fp32);
  EXPECT_EQ(c.torchvision_ops, "auto");
  EXPECT_FALSE(c.input_size);
}

TEST_F(LibtorchConfig, ReadsEveryKey) {
  const Config c = read_config(write("input: {size: 64, mean: [0.5, 0.5, 0.5], std: [2, 2, 2]}\n"
                                     "workers: 3\nthreads: 2\nprecision: bf16\ndevice: cuda:1\n"));
  ASSERT_TRUE(c.input_size);
  EXPECT_EQ(*c.input_size, (std::array<int, 2>{64, 64}));
  EXPECT_EQ((*c.std)[1], 2.0f);
  EXPECT_EQ(c.workers, 3);
  EXPECT_EQ(c.threads, 2);
  EXPECT_EQ(c.precision, Precision::bf16);
  EXPECT_EQ(c.device, "cuda:1");
}

TEST_F(LibtorchConfig, MistakesNameTheKey) {
  EXPECT_NE(error_of("wokers: 2\n").find("wokers: unknown key"), std::string::npos);
  EXPECT_NE(error_of("precision: fp8\n").find("precision: unknown precision 'fp8'"), std::string::npos);
  EXPECT_NE(error_of("input: {std: [1, 0, 1]}\n").find("input.std: values must be non-zero"), std::string::npos);
  EXPECT_NE(error_of("input: {size: [1, 2, 3]}\n").find("input.size"), std::string::npos);
  EXPECT_NE(error_of("score_threshold: 2\n").find("score_threshold"), std::string::npos);
  EXPECT_NE(error_of("device: tpu\n").find("device: unknown device 'tpu'"), std::string::npos);
  EXPECT_EQ(error_of(""), "");
}

TEST_F(LibtorchConfig, TorchScriptIsOptimisedUnlessSaidOtherwise) {
  EXPECT_TRUE(read_config(write("")).optimize);
  const fs::path p = dir_ / "o.yaml";
  std::ofstream(p) << "module: libtorch\nclasses: c.names\nmodel: {weights: m.pt, optimize: false}\n";
  EXPECT_FALSE(read_config(p).optimize);
}

constexpr const char* kFcosHead =
    "kind: fcos, min_size: 240, max_size: 320, image_mean: [0.5, 0.5, 0.5], image_std: [0.25, 0.25, 0.25], "
    "anchor_sizes: [[2], [4]], aspect_ratios: [[1.0], [0.5, 1.0]], nms_thresh: 0.6, detections_per_img: 100";

TEST_F(LibtorchConfig, ReadsAHead) {
  const Config c = read_config(write_head(kFcosHead));
  ASSERT_TRUE(c.head);
  EXPECT_EQ(c.format, Format::aoti);
  EXPECT_EQ(c.head->kind, "fcos");
  EXPECT_EQ(c.head->min_size, 240);
  EXPECT_EQ(c.head->max_size, 320);
  EXPECT_EQ(c.head->size_divisible, 32);  // torchvision's default
  EXPECT_EQ(c.head->image_std[2], 0.25);
  EXPECT_EQ(c.head->anchor_sizes, (std::vector<std::vector<int>>{{2}, {4}}));
  EXPECT_EQ(c.head->aspect_ratios[1], (std::vector<double>{0.5, 1.0}));
  EXPECT_EQ(c.head->nms_thresh, 0.6);
  EXPECT_EQ(c.head->topk_candidates, 1000);
  EXPECT_EQ(c.head->detections_per_img, 100);
  EXPECT_EQ(c.head->box_coder_weights, (std::array<double, 4>{1, 1, 1, 1}));
}

TEST_F(LibtorchConfig, ReadsAnSsdHead) {
  const Config c = read_config(write_head(
      "kind: ssd, fixed_size: [256, 192], size_divisible: 1, aspect_ratios: [[2], [2, 3]], "
      "scales: [0.2, 0.5, 0.9], steps: [8, 16], clip: false, box_coder_weights: [10, 10, 5, 5]"));
  ASSERT_TRUE(c.head && c.head->fixed_size);
  EXPECT_EQ(*c.head->fixed_size, (std::array<int, 2>{256, 192}));  // (width, height), torchvision's order
  EXPECT_TRUE(c.head->anchor_sizes.empty());
  EXPECT_EQ(c.head->scales, (std::vector<double>{0.2, 0.5, 0.9}));
  EXPECT_EQ(c.head->steps, (std::vector<int>{8, 16}));
  EXPECT_FALSE(c.head->clip);
  EXPECT_EQ(c.head->box_coder_weights, (std::array<double, 4>{10, 10, 5, 5}));
  const std::string base = "kind: ssd, aspect_ratios: [[2]]";
  EXPECT_NE(error_of_path(write_head(base + ", fixed_size: [256]")).find("model.head.fixed_size"), std::string::npos);
  EXPECT_NE(error_of_path(write_head(base + ", fixed_size: [256, 0.5]"))
                .find("model.head.fixed_size: expected [width, height] (positive integers)"),
            std::string::npos);
  EXPECT_NE(error_of_path(write_head(base + ", scales: [0.2, -1]"))
                .find("model.head.scales: expected a list of positive numbers"),
            std::string::npos);
  EXPECT_NE(error_of_path(write_head(base + ", steps: 8")).find("model.head.steps"), std::string::npos);
}

TEST_F(LibtorchConfig, HeadMistakesNameTheKey) {
  const std::string head = kFcosHead;
  const std::string base = "kind: fcos, anchor_sizes: [[2], [4]], aspect_ratios: [[1.0], [0.5, 1.0]]";
  EXPECT_NE(error_of_path(write_head(base + ", max_size: 0")).find("h.yaml:6: model.head.max_size: expected an integer"),
            std::string::npos);
  EXPECT_NE(error_of_path(write_head("min_size: 3, anchor_sizes: [[2]], aspect_ratios: [[1]]")).find("model.head.kind"),
            std::string::npos);
  EXPECT_NE(error_of_path(write_head("kind: fcos, anchor_sizes: [[2], [4]], aspect_ratios: [[1.0]]"))
                .find("model.head.aspect_ratios: has 1 levels, anchor_sizes has 2"),
            std::string::npos);
  EXPECT_NE(error_of_path(write_head("kind: fcos, anchor_sizes: [[2], []], aspect_ratios: [[1], [1]]"))
                .find("model.head.anchor_sizes: expected one list of positive numbers per feature level"),
            std::string::npos);
  EXPECT_NE(error_of_path(write_head("kind: fcos, anchor_sizes: [[-2]], aspect_ratios: [[1]]")).find("anchor_sizes"),
            std::string::npos);
  EXPECT_NE(error_of_path(write_head(base + ", image_std: [1, 0, 1]")).find("model.head.image_std: values must be non-zero"),
            std::string::npos);
  EXPECT_NE(error_of_path(write_head(base + ", nms_thresh: 1.5")).find("model.head.nms_thresh: expected a number from 0 to 1"),
            std::string::npos);
  EXPECT_NE(error_of_path(write_head(head + ", strides: [4]")).find("model.head.strides: unknown key"), std::string::npos);
  EXPECT_NE(error_of_path(write_head(head, "precision: bf16\n"))
                .find("precision: an AOTInductor package runs at the precision it was compiled with"),
            std::string::npos);
  const fs::path p = dir_ / "t.yaml";
  std::ofstream(p) << "module: libtorch\nclasses: c.names\nmodel: {weights: m.pt, head: {kind: fcos}}\n";
  EXPECT_NE(error_of_path(p).find("model.head: only for format aoti"), std::string::npos);
}

TEST(LibtorchSplit, WorkersTimesThreadsIsTheCores) {
  EXPECT_EQ(default_split(0, 0, 8), (std::array<int, 2>{8, 1}));  // measured fastest: a replica per core
  EXPECT_EQ(default_split(2, 0, 8), (std::array<int, 2>{2, 4}));
  EXPECT_EQ(default_split(0, 4, 8), (std::array<int, 2>{2, 4}));
  EXPECT_EQ(default_split(3, 5, 8), (std::array<int, 2>{3, 5}));  // both given: as given
  EXPECT_EQ(default_split(4, 0, 2), (std::array<int, 2>{4, 1}));  // never 0 threads
  EXPECT_EQ(default_split(0, 0, 0), (std::array<int, 2>{1, 1}));
}

}  // namespace
