#pragma once
// A `module: libtorch` model config, read and checked without torch (fast, and testable alone).
// The keys are pytorch_detect's (python_modules/pytorch_detect.py), plus workers and precision.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ds::host::libtorch {

enum class Format { torchscript, aoti };
enum class Precision { fp32, fp16, bf16 };

struct Config {
  std::filesystem::path file;
  std::string name;
  std::filesystem::path classes_file;
  std::vector<std::string> class_names;
  std::string device = "auto";  // auto | cpu | cuda | cuda:N (checked when torch is up)
  Format format = Format::torchscript;
  std::filesystem::path weights;
  // torchvision's operator library: "auto" (the venv's torchvision), "none", or a path.
  std::string torchvision_ops = "auto";
  std::optional<std::array<int, 2>> input_size;  // [height, width]
  std::optional<std::array<float, 3>> mean, std;  // RGB, after /255
  float score_threshold = 0.05f;
  int max_detections = 100;
  int batch_size = 4;  // images per forward call of one worker
  int workers = 0;     // 0: the measured default (see default_split)
  int threads = 0;     // intra-op threads per worker; 0: cores / workers
  Precision precision = Precision::fp32;
};

// Throws ds::Error "file:line: key: problem".
Config read_config(const std::filesystem::path& file);

// workers x threads for `cores` when the config leaves them at 0. One single-threaded replica per
// core was fastest here (docs/benchmarks.md): small convolutions scale poorly across threads.
std::array<int, 2> default_split(int workers, int threads, int cores);

const char* precision_name(Precision p);

}  // namespace ds::host::libtorch
