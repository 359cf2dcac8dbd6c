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

TEST(LibtorchSplit, WorkersTimesThreadsIsTheCores) {
  EXPECT_EQ(default_split(0, 0, 8), (std::array<int, 2>{8, 1}));  // measured fastest: a replica per core
  EXPECT_EQ(default_split(2, 0, 8), (std::array<int, 2>{2, 4}));
  EXPECT_EQ(default_split(0, 4, 8), (std::array<int, 2>{2, 4}));
  EXPECT_EQ(default_split(3, 5, 8), (std::array<int, 2>{3, 5}));  // both given: as given
  EXPECT_EQ(default_split(4, 0, 2), (std::array<int, 2>{4, 1}));  // never 0 threads
  EXPECT_EQ(default_split(0, 0, 0), (std::array<int, 2>{1, 1}));
}

}  // namespace
