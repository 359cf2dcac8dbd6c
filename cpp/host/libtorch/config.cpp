#include "host/libtorch/config.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include "core/config/config_node.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace ds::host::libtorch {
namespace {

// A typo in a key would otherwise be ignored silently (the Python path cannot tell either).
const std::set<std::string> kKeys = {"name", "module", "classes", "device", "model", "input", "score_threshold",
                                     "max_detections", "batch_size", "workers", "threads", "precision"};
const std::set<std::string> kModelKeys = {"format", "weights", "torchvision_ops", "head", "optimize"};
const std::set<std::string> kHeadKeys = {"kind", "min_size", "max_size", "fixed_size", "size_divisible", "image_mean",
                                         "image_std", "anchor_sizes", "aspect_ratios", "scales", "steps", "clip",
                                         "score_thresh", "nms_thresh", "topk_candidates", "detections_per_img",
                                         "box_coder_weights", "bbox_xform_clip"};
const std::set<std::string> kInputKeys = {"size", "mean", "std"};

void only_known(const ConfigNode& node, const std::set<std::string>& known) {
  node.only_keys(std::vector<std::string>(known.begin(), known.end()));
}

int integer_in(const ConfigNode& node, std::string_view key, int fallback, int lo, int hi) {
  const std::int64_t v = node.integer_or(key, fallback);
  if (v < lo || v > hi)
    node.fail(key, "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got " +
                       std::to_string(v));
  return static_cast<int>(v);
}

// pytorch_detect's _read_classes: lines stripped, trailing blank lines dropped, none empty.
std::vector<std::string> read_classes(const ConfigNode& root, const fs::path& file) {
  std::ifstream in(file);
  if (!in) root.fail("classes", "cannot read " + file.string());
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find_first_not_of(" \t\r\f\v");
    const auto last = line.find_last_not_of(" \t\r\f\v");
    lines.push_back(first == std::string::npos ? "" : line.substr(first, last - first + 1));
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) root.fail("classes", file.string() + ": no class names (the file is empty)");
  if (const auto it = std::find(lines.begin(), lines.end(), ""); it != lines.end())
    root.fail("classes", file.string() + ": line " + std::to_string(it - lines.begin() + 1) + " is empty");
  return lines;
}

std::array<float, 3> three_numbers(const ConfigNode& input, std::string_view key) {
  const YAML::Node n = input.node()[std::string(key)];
  if (!n.IsSequence() || n.size() != 3) input.fail(key, "expected a list of 3 numbers");
  std::array<float, 3> out{};
  for (std::size_t i = 0; i < 3; ++i) {
    try {
      out[i] = n[i].as<float>();
    } catch (const YAML::Exception&) {
      input.fail(key, "expected a list of 3 numbers");
    }
  }
  return out;
}

template <std::size_t N>
std::array<double, N> numbers(const ConfigNode& node, std::string_view key, std::array<double, N> fallback) {
  if (!node.has(key)) return fallback;
  const YAML::Node n = node.node()[std::string(key)];
  const std::string expected = "expected a list of " + std::to_string(N) + " numbers";
  if (!n.IsSequence() || n.size() != N) node.fail(key, expected);
  std::array<double, N> out{};
  for (std::size_t i = 0; i < N; ++i) {
    try {
      out[i] = n[i].as<double>();
    } catch (const YAML::Exception&) {
      node.fail(key, expected);
    }
    if (!std::isfinite(out[i])) node.fail(key, expected);
  }
  return out;
}

// [[a, b], [c], ...]: one non-empty list of positive numbers per feature level.
template <typename T>
std::vector<std::vector<T>> per_level(const ConfigNode& node, std::string_view key) {
  const YAML::Node n = node.node()[std::string(key)];
  const std::string expected = "expected one list of positive numbers per feature level, e.g. [[32], [64]]";
  if (!n || !n.IsSequence() || n.size() == 0) node.fail(key, expected);
  std::vector<std::vector<T>> out;
  for (const YAML::Node& level : n) {
    if (!level.IsSequence() || level.size() == 0) node.fail(key, expected);
    out.emplace_back();
    for (const YAML::Node& v : level) {
      try {
        out.back().push_back(v.as<T>());
      } catch (const YAML::Exception&) {
        node.fail(key, expected);
      }
      if (!(out.back().back() > 0) || !std::isfinite(static_cast<double>(out.back().back()))) node.fail(key, expected);
    }
  }
  return out;
}

// [a, b, ...]: a non-empty list of positive numbers.
template <typename T>
std::vector<T> positive_list(const ConfigNode& node, std::string_view key) {
  const YAML::Node n = node.node()[std::string(key)];
  const std::string expected = "expected a list of positive numbers";
  if (!n.IsSequence() || n.size() == 0) node.fail(key, expected);
  std::vector<T> out;
  for (const YAML::Node& v : n) {
    try {
      out.push_back(v.as<T>());
    } catch (const YAML::Exception&) {
      node.fail(key, expected);
    }
    if (!(out.back() > 0) || !std::isfinite(static_cast<double>(out.back()))) node.fail(key, expected);
  }
  return out;
}

double fraction(const ConfigNode& node, std::string_view key, double fallback) {
  const double v = node.number_or(key, fallback);
  if (!(v >= 0 && v <= 1)) node.fail(key, "expected a number from 0 to 1");
  return v;
}

HeadConfig read_head(const ConfigNode& head) {
  if (!head.node().IsMap()) head.fail("", "expected a mapping (kind:, min_size:, anchor_sizes:, ...)");
  only_known(head, kHeadKeys);
  HeadConfig h;
  h.kind = head.string("kind");
  h.min_size = integer_in(head, "min_size", h.min_size, 1, 1 << 16);
  h.max_size = integer_in(head, "max_size", h.max_size, 1, 1 << 16);
  h.size_divisible = integer_in(head, "size_divisible", h.size_divisible, 1, 1024);
  h.image_mean = numbers(head, "image_mean", h.image_mean);
  h.image_std = numbers(head, "image_std", h.image_std);
  if (std::find(h.image_std.begin(), h.image_std.end(), 0.0) != h.image_std.end())
    head.fail("image_std", "values must be non-zero");
  if (head.has("fixed_size")) {
    const auto wh = numbers(head, "fixed_size", std::array<double, 2>{});
    if (wh[0] < 1 || wh[1] < 1 || wh[0] > (1 << 16) || wh[1] > (1 << 16) || wh[0] != std::floor(wh[0]) ||
        wh[1] != std::floor(wh[1]))
      head.fail("fixed_size", "expected [width, height] (positive integers)");
    h.fixed_size = std::array<int, 2>{static_cast<int>(wh[0]), static_cast<int>(wh[1])};
  }
  h.aspect_ratios = per_level<double>(head, "aspect_ratios");
  if (head.has("anchor_sizes")) {
    h.anchor_sizes = per_level<int>(head, "anchor_sizes");
    if (h.aspect_ratios.size() != h.anchor_sizes.size())
      head.fail("aspect_ratios", "has " + std::to_string(h.aspect_ratios.size()) + " levels, anchor_sizes has " +
                                     std::to_string(h.anchor_sizes.size()));
  }
  if (head.has("scales")) h.scales = positive_list<double>(head, "scales");
  if (head.has("steps")) h.steps = positive_list<int>(head, "steps");
  h.clip = head.flag_or("clip", true);
  h.score_thresh = fraction(head, "score_thresh", h.score_thresh);
  h.nms_thresh = fraction(head, "nms_thresh", h.nms_thresh);
  h.topk_candidates = integer_in(head, "topk_candidates", h.topk_candidates, 1, 1'000'000);
  h.detections_per_img = integer_in(head, "detections_per_img", h.detections_per_img, 1, 1'000'000);
  h.box_coder_weights = numbers(head, "box_coder_weights", h.box_coder_weights);
  if (std::find(h.box_coder_weights.begin(), h.box_coder_weights.end(), 0.0) != h.box_coder_weights.end())
    head.fail("box_coder_weights", "values must be non-zero");
  h.bbox_xform_clip = head.number_or("bbox_xform_clip", h.bbox_xform_clip);
  if (!std::isfinite(h.bbox_xform_clip)) head.fail("bbox_xform_clip", "expected a number");
  return h;
}

}  // namespace

Config read_config(const fs::path& file) {
  const ConfigNode root = ConfigNode::load(file);
  only_known(root, kKeys);
  Config c;
  c.file = file;
  c.name = root.string_or("name", file.stem().string());
  c.classes_file = root.existing_file("classes");
  c.class_names = read_classes(root, c.classes_file);
  c.device = root.string_or("device", "auto");
  if (const std::string& d = c.device; d != "auto" && d != "cpu" && d != "cuda" && d.rfind("cuda:", 0) != 0)
    root.fail("device", "unknown device '" + d + "' (use auto, cpu, cuda or cuda:N)");

  const ConfigNode model = root.child("model");
  if (!model.node().IsMap()) root.fail("model", "expected a mapping (format:, weights:)");
  only_known(model, kModelKeys);
  const std::string format = model.string_or("format", "torchscript");
  if (format == "torchscript") c.format = Format::torchscript;
  else if (format == "aoti") c.format = Format::aoti;
  else model.fail("format", "module: libtorch runs format torchscript or aoti, not '" + format + "'");
  c.weights = model.existing_file("weights");
  c.torchvision_ops = model.string_or("torchvision_ops", "auto");
  if (c.torchvision_ops != "auto" && c.torchvision_ops != "none")
    c.torchvision_ops = model.path("torchvision_ops").string();
  if (model.has("head")) {
    if (c.format != Format::aoti)
      model.fail("head", "only for format aoti (a package holding the network alone); a TorchScript file holds its own");
    c.head = read_head(model.child("head"));
  }
  c.optimize = model.flag_or("optimize", true);

  if (const auto input = root.optional_child("input")) {
    if (!input->node().IsMap()) root.fail("input", "expected a mapping (size:, mean:, std:)");
    only_known(*input, kInputKeys);
    if (input->has("size")) {
      const YAML::Node s = input->node()["size"];
      std::array<int, 2> hw{};
      try {
        if (s.IsScalar()) hw = {s.as<int>(), s.as<int>()};
        else if (s.IsSequence() && s.size() == 2) hw = {s[0].as<int>(), s[1].as<int>()};
        else input->fail("size", "expected [height, width] (positive integers)");
      } catch (const YAML::Exception&) {
        input->fail("size", "expected [height, width] (positive integers)");
      }
      if (hw[0] <= 0 || hw[1] <= 0) input->fail("size", "expected [height, width] (positive integers)");
      c.input_size = hw;
    }
    if (input->has("mean")) c.mean = three_numbers(*input, "mean");
    if (input->has("std")) {
      c.std = three_numbers(*input, "std");
      if (std::find(c.std->begin(), c.std->end(), 0.0f) != c.std->end()) input->fail("std", "values must be non-zero");
    }
  }
  const double t = root.number_or("score_threshold", 0.05);
  if (!(t >= 0 && t <= 1)) root.fail("score_threshold", "expected a number from 0 to 1");
  c.score_threshold = static_cast<float>(t);
  c.max_detections = integer_in(root, "max_detections", 100, 1, 1'000'000);
  c.batch_size = integer_in(root, "batch_size", 4, 1, 4096);
  c.workers = integer_in(root, "workers", 0, 0, 256);
  c.threads = integer_in(root, "threads", 0, 0, 1024);
  const std::string precision = root.string_or("precision", "fp32");
  if (precision == "fp32") c.precision = Precision::fp32;
  else if (precision == "fp16") c.precision = Precision::fp16;
  else if (precision == "bf16") c.precision = Precision::bf16;
  else root.fail("precision", "unknown precision '" + precision + "' (use fp32, fp16 or bf16)");
  if (c.format == Format::aoti && c.precision != Precision::fp32)
    root.fail("precision", "an AOTInductor package runs at the precision it was compiled with (use fp32 here, or "
                           "format torchscript for autocast)");
  return c;
}

std::array<int, 2> default_split(int workers, int threads, int cores) {
  cores = std::max(1, cores);
  if (workers == 0 && threads == 0) return {cores, 1};
  if (workers == 0) return {std::max(1, cores / threads), threads};
  if (threads == 0) return {workers, std::max(1, cores / workers)};
  return {workers, threads};
}

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::fp16: return "fp16";
    case Precision::bf16: return "bf16";
    default: return "fp32";
  }
}

}  // namespace ds::host::libtorch
