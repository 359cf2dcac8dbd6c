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

// model.head: an AOTInductor package holding a one-stage torchvision detector's network alone
// (backbone and head: torch.export cannot capture the data-dependent top-k and NMS after it).
// The code torchvision runs around the network (transform, anchors, decoding, NMS) runs in C++
// (cpp/host/libtorch/heads/), with these values of the model's; `export --to aoti` writes them.
struct HeadConfig {
  std::string kind;  // an architecture of heads/registry.cpp: fcos, retinanet, ssd
  // GeneralizedRCNNTransform: normalise, resize (shorter side min_size, longer at most
  // max_size; or to fixed_size, [width, height] as torchvision orders it), pad the batch to a
  // multiple of size_divisible.
  int min_size = 800;
  int max_size = 1333;
  std::optional<std::array<int, 2>> fixed_size;
  int size_divisible = 32;
  std::array<double, 3> image_mean{0.485, 0.456, 0.406};
  std::array<double, 3> image_std{0.229, 0.224, 0.225};
  // Per feature level: aspect ratios; AnchorGenerator's anchor sizes (fcos, retinanet);
  // DefaultBoxGenerator's scales (one more than levels), steps and clip (ssd).
  std::vector<std::vector<double>> aspect_ratios;
  std::vector<std::vector<int>> anchor_sizes;
  std::vector<double> scales;
  std::vector<int> steps;
  bool clip = true;
  double score_thresh = 0.05;
  double nms_thresh = 0.5;
  int topk_candidates = 1000;
  int detections_per_img = 300;
  // BoxCoder (retinanet, ssd): weights and the clip of log-scale regressions.
  std::array<double, 4> box_coder_weights{1.0, 1.0, 1.0, 1.0};
  double bbox_xform_clip = 4.135166556742356;  // log(1000 / 16), torchvision's
};

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
  std::optional<HeadConfig> head;  // format aoti only: the package is the network alone
  // TorchScript only: freeze the module and fold and fuse it for inference at load
  // (torch.jit.optimize_for_inference: conv+bn folded, MKLDNN convolutions on the CPU).
  // At fp32 only: autocast (precision) needs the graph's own ops.
  bool optimize = true;
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
