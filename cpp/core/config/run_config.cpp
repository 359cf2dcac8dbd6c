#include "core/config/run_config.hpp"

#include <cmath>

#include "core/eval/evaluator.hpp"
#include "core/eval/slices/slice_rules.hpp"
#include "core/trackers/registry.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"

namespace ds {

ConfigNode dataset_spec(const ConfigNode& config, std::string_view key) {
  const ConfigNode spec = config.child(key);
  if (spec.node().IsScalar()) {
    const auto file = resolve_relative_to(config.file(), spec.node().as<std::string>());
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) config.fail(key, "file not found: " + file.string());
    return ConfigNode::load(file);
  }
  if (!spec.node().IsMap()) config.fail(key, "expected a mapping (format: ...) or a path to a dataset.yaml");
  return spec;
}

ConfigNode load_dataset_spec(const std::filesystem::path& file) {
  const ConfigNode root = ConfigNode::load(file);
  if (root.has("format")) return root;
  if (root.has("dataset")) return dataset_spec(root);
  root.fail("", "expected a dataset spec ('format:' and its paths) or a run config with 'dataset:'");
}

bool RunConfig::reads_masks() const {
  return std::any_of(metrics.begin(), metrics.end(), [](const std::string& m) { return evaluator_reads_masks(m); });
}

bool RunConfig::scores_masks_only() const {
  return reads_masks() && std::find(metrics.begin(), metrics.end(), "coco") == metrics.end();
}

bool RunConfig::scores_keypoints() const {
  return std::find(metrics.begin(), metrics.end(), "coco_keypoints") != metrics.end();
}

Matching RunConfig::viewer_matching() const {
  if (scores_masks_only()) return Matching::kMask;
  if (scores_keypoints() && std::find(metrics.begin(), metrics.end(), "coco") == metrics.end()) return Matching::kKeypoints;
  return Matching::kBox;
}

std::vector<CategorySigmas> keypoint_sigmas(const ConfigNode& root) {
  std::vector<CategorySigmas> out;
  const auto sigmas = root.optional_child("sigmas");
  if (!sigmas) return out;
  // OKS sigmas by category name, for skeletons other than COCO's 17 person keypoints. Their
  // count is checked against the dataset's categories when the metric is made.
  if (!sigmas->node().IsMap()) root.fail("sigmas", "expected a mapping of category name -> list of sigmas");
  for (const std::string& name : sigmas->keys()) {
    const YAML::Node list = sigmas->node()[name];
    if (!list.IsSequence() || list.size() == 0) sigmas->fail(name, "expected a list of numbers (one sigma per keypoint)");
    CategorySigmas entry{name, {}, sigmas->where(name)};
    for (const YAML::Node& v : list) {
      double x = 0;
      try {
        x = v.as<double>();
      } catch (const YAML::Exception&) {
        sigmas->fail(name, "expected numbers, got '" + v.as<std::string>("?") + "'");
      }
      if (!(x > 0) || !std::isfinite(x)) sigmas->fail(name, "sigmas must be positive numbers");
      entry.sigmas.push_back(x);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

RunConfig load_run_config(const std::filesystem::path& file) {
  const ConfigNode root = ConfigNode::load(file);
  if (root.has("format") && !root.has("dataset")) {
    // A dataset.yaml given where a run config goes (`evaluate DATASET.yaml --model M.yaml`, as
    // `yolo val data=...`): a run of that dataset with the default metrics and analyses.
    std::vector<std::string> analyses;
    for (const std::string_view a : default_analysis_names()) analyses.emplace_back(a);
    return {file, root, std::nullopt, file.parent_path() / "runs" / file.stem(), {"coco"}, analyses,
            0.5, 0.02, std::nullopt, {}};
  }
  // Every key a run config may have (run_config.hpp); a typo fails here, naming the line.
  static const std::vector<std::string> kKeys = {"dataset",  "model",        "output",
                                                 "metrics",  "iou_type",     "boundary_dilation_ratio",
                                                 "sigmas",   "analyses",     "analysis_iou",
                                                 "score_threshold", "class_map",
                                                 "calibration_bins", "calibration_iou", "f_beta", "allow_unmatched_classes",
                                                 "slices", "slice_bootstrap", "tracker"};
  root.only_keys(kKeys);
  RunConfig cfg{file, dataset_spec(root), std::nullopt, {}, {}, {}, 0.5, 0.02, std::nullopt, {}};
  if (root.has("model")) cfg.model = root.existing_file("model");
  cfg.output = root.has("output") ? root.path("output") : file.parent_path() / "runs" / file.stem();
  cfg.metrics = root.strings_or("metrics", {"coco"});
  if (root.node()["metrics"].IsDefined() && cfg.metrics.empty())
    root.fail("metrics", "empty list: name at least one metric (coco, voc, voc07) or leave the key out");
  const auto known = evaluator_names();
  for (const std::string& m : cfg.metrics)
    if (std::find(known.begin(), known.end(), m) == known.end())
      root.fail("metrics", "unknown metric '" + m + "'");
  if (root.has("iou_type")) {
    // What the coco metric scores, as pycocotools' iouType: boxes, masks, boundaries (Boundary
    // IoU, faster-coco-eval's iouType), or several.
    const std::vector<std::string> types = root.strings_or("iou_type", {});
    if (types.empty()) root.fail("iou_type", "empty list: give bbox, segm, boundary, keypoints or a list such as [bbox, segm]");
    for (const std::string& t : types)
      if (t != "bbox" && t != "segm" && t != "boundary" && t != "keypoints")
        root.fail("iou_type", "unknown type '" + t + "' (bbox, segm, boundary, keypoints)");
    if (std::find(cfg.metrics.begin(), cfg.metrics.end(), "coco") == cfg.metrics.end())
      root.fail("iou_type", "applies to the coco metric, which 'metrics' leaves out");
    const bool bbox = std::find(types.begin(), types.end(), "bbox") != types.end();
    const auto listed = [&](std::string_view m) { return std::find(cfg.metrics.begin(), cfg.metrics.end(), m) != cfg.metrics.end(); };
    // After coco, in the order bbox, segm, boundary, keypoints: each inserted right after coco,
    // the last first.
    const auto after_coco = [&] { return std::find(cfg.metrics.begin(), cfg.metrics.end(), "coco") + 1; };
    for (const char* t : {"keypoints", "boundary", "segm"}) {
      const std::string metric = std::string("coco_") + t;
      if (std::find(types.begin(), types.end(), t) != types.end() && !listed(metric)) cfg.metrics.insert(after_coco(), metric);
    }
    if (!bbox) cfg.metrics.erase(std::find(cfg.metrics.begin(), cfg.metrics.end(), "coco"));
  }
  std::vector<std::string> all_analyses;
  for (const std::string_view a : analysis_names()) all_analyses.emplace_back(a);
  std::vector<std::string> defaults;
  for (const std::string_view a : default_analysis_names()) defaults.emplace_back(a);
  cfg.analyses = root.strings_or("analyses", defaults);
  for (const std::string& a : cfg.analyses)
    if (std::find(all_analyses.begin(), all_analyses.end(), a) == all_analyses.end())
      root.fail("analyses", "unknown analysis '" + a + "'");
  if (root.has("analysis_iou")) {
    cfg.analysis_iou = root.number_or("analysis_iou", 0.5);
    if (!(cfg.analysis_iou > 0 && cfg.analysis_iou <= 1)) root.fail("analysis_iou", "expected a number above 0, at most 1");
  }
  if (root.has("calibration_bins")) {
    const double n = root.number_or("calibration_bins", 10);
    if (!(n >= 1 && n <= 1e6 && n == std::floor(n))) root.fail("calibration_bins", "expected a whole number from 1 to 1000000");
    cfg.calibration_bins = static_cast<std::size_t>(n);
  }
  if (root.has("calibration_iou")) {
    cfg.calibration_iou = root.number_or("calibration_iou", 0.5);
    if (!(cfg.calibration_iou > 0 && cfg.calibration_iou <= 1)) root.fail("calibration_iou", "expected a number above 0, at most 1");
  }
  if (root.has("slices")) {
    if (std::none_of(cfg.metrics.begin(), cfg.metrics.end(), [](const std::string& m) { return m.starts_with("coco"); }))
      root.fail("slices", "applies to the COCO metrics, which 'metrics' leaves out");
    slices::SliceSpecs specs = slices::read_slices(root.existing_file("slices"));
    if (root.has("slice_bootstrap")) {
      const std::int64_t n = root.integer_or("slice_bootstrap", 200);
      if (n < 0) root.fail("slice_bootstrap", "expected 0 (no intervals) or a positive number of samples");
      specs.bootstrap_samples = static_cast<std::size_t>(n);
    }
    cfg.slices = std::make_shared<const slices::SliceSpecs>(std::move(specs));
  } else if (root.has("slice_bootstrap")) {
    root.fail("slice_bootstrap", "applies to 'slices', which the config leaves out");
  }
  if (root.has("f_beta")) {
    cfg.f_beta = root.number_or("f_beta", 1);
    if (!(cfg.f_beta > 0 && std::isfinite(cfg.f_beta))) root.fail("f_beta", "expected a positive number");
  }
  if (root.has("boundary_dilation_ratio")) {
    cfg.boundary_dilation_ratio = root.number_or("boundary_dilation_ratio", 0.02);
    if (!(cfg.boundary_dilation_ratio > 0 && cfg.boundary_dilation_ratio < 1))
      root.fail("boundary_dilation_ratio", "expected a number above 0 and below 1 (a share of the image diagonal)");
    if (std::find(cfg.metrics.begin(), cfg.metrics.end(), "coco_boundary") == cfg.metrics.end())
      root.fail("boundary_dilation_ratio", "applies to boundary IoU: add boundary to iou_type (or coco_boundary to metrics)");
  }
  if (root.has("score_threshold")) {
    cfg.score_threshold = root.number_or("score_threshold", 0);
    if (!(*cfg.score_threshold >= 0 && *cfg.score_threshold <= 1))
      root.fail("score_threshold", "expected a number from 0 to 1");
  }
  cfg.keypoint_sigmas = keypoint_sigmas(root);
  if (!cfg.keypoint_sigmas.empty() &&
      std::find(cfg.metrics.begin(), cfg.metrics.end(), "coco_keypoints") == cfg.metrics.end())
    root.fail("sigmas", "applies to the coco_keypoints metric (iou_type: keypoints)");
  if (const auto map = root.optional_child("class_map")) {
    if (!map->node().IsMap()) root.fail("class_map", "expected a mapping of model class -> dataset class");
    for (const std::string& k : map->keys()) cfg.class_map[k] = map->string(k);
  }
  cfg.allow_unmatched_classes = root.flag_or("allow_unmatched_classes", false);
  if (root.has("tracker")) {
    // A name, or a mapping with `type:` and the tracker's parameters; made once here so that a
    // typo fails at load, naming its line.
    if (root.node()["tracker"].IsScalar()) {
      cfg.tracker = root.string("tracker");
    } else {
      ConfigNode t = root.child("tracker");
      if (!t.node().IsMap()) root.fail("tracker", "expected a tracker's name, or a mapping {type: NAME, parameters...}");
      cfg.tracker = t.string("type");
      cfg.tracker_params = t;
    }
    if (!trackers::is_tracker(*cfg.tracker)) root.fail("tracker", trackers::unknown_tracker(*cfg.tracker));
    trackers::make_tracker(*cfg.tracker, cfg.tracker_params ? &*cfg.tracker_params : nullptr);
  }
  return cfg;
}

namespace {

std::int64_t integer_in(const ConfigNode& node, std::string_view key, std::int64_t lo, std::int64_t hi) {
  const std::int64_t v = node.integer_or(key, lo);
  if (v < lo || v > hi)
    node.fail(key, "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got " +
                       std::to_string(v));
  return v;
}

}  // namespace

std::string model_module(const std::filesystem::path& file) {
  const ConfigNode model = ConfigNode::load(file);
  const std::string module = model.string("module");
  // The keys every inferencer shares, checked here so that a typo fails in milliseconds, with
  // the line, before Python and torch start (~4 s).
  integer_in(model, "threads", 0, 1024);
  integer_in(model, "batch_size", 1, 4096);
  integer_in(model, "max_detections", 1, 1'000'000);
  if (model.has("score_threshold")) {
    const double t = model.number_or("score_threshold", 0);
    if (!(t >= 0 && t <= 1)) model.fail("score_threshold", "expected a number from 0 to 1");
  }
  if (model.has("classes") && model.node()["classes"].IsScalar()) model.existing_file("classes");
  if (const auto m = model.optional_child("model"); m && m->node().IsMap() && m->has("weights"))
    m->existing_file("weights");
  return module;
}

}  // namespace ds
