#pragma once
// A run config: what `evaluate`, `view` and `render` run.
//   dataset: {format: coco, annotations: ..., images: ...}   # or a path to a dataset.yaml
//   model: models/shapes-fcos.yaml                            # a model config
//   output: ../runs/demo                                      # relative to this file
//   metrics: [coco]                                           # optional
//   iou_type: [bbox, segm]                                    # optional: what coco scores
//                                                             # (bbox, segm, boundary, keypoints)
//   boundary_dilation_ratio: 0.02                             # optional (iou_type boundary)
//   sigmas: {hand: [0.025, ...]}                              # optional: OKS sigmas by category
//   analyses: [thresholds, confusion, tide, per_image]        # optional; [] for none
//   analysis_iou: 0.5                                         # optional
//   calibration_bins: 10                                      # optional (analysis calibration)
//   calibration_iou: 0.5                                      # optional (analysis calibration)
//   f_beta: 1                                                 # optional (analysis f_scores)
//   slices: slices.yaml                                       # optional: COCO numbers per slice
//   slice_bootstrap: 200                                      # optional: samples per slice interval (0: none)
//   score_threshold: 0.3                                      # optional (default: best F1)
//   class_map: {model name: dataset name}                     # optional
//   allow_unmatched_classes: true                             # optional (default false)
//   tracker: bytetrack                                        # optional: a tracker's name, or
//   tracker: {type: bytetrack, lost_track_buffer: 60}         #   its name and parameters
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config_node.hpp"
#include "core/eval/evaluator.hpp"

namespace ds {

struct RunConfig {
  std::filesystem::path file;
  ConfigNode dataset;                       // the dataset spec
  std::optional<std::filesystem::path> model;
  std::filesystem::path output;
  std::vector<std::string> metrics;
  std::vector<std::string> analyses;  // run after the metrics (default: all of them)
  double analysis_iou = 0.5;
  double boundary_dilation_ratio = 0.02;  // coco_boundary's (Boundary IoU's boundary width)
  std::optional<double> score_threshold;  // the cut of confusion and per_image; none: best F1
  std::map<std::string, std::string> class_map;
  // keypoints: OKS sigmas of categories other than COCO's 17-keypoint person (`sigmas:`).
  std::vector<CategorySigmas> keypoint_sigmas;
  // Run even when no model class matches a dataset category (`allow_unmatched_classes: true`);
  // by default that is an error: every detection would be dropped and AP read 0.
  bool allow_unmatched_classes = false;
  // The calibration and f_scores analyses' options (EvaluatorOptions has their meaning).
  std::size_t calibration_bins = 10;
  double calibration_iou = 0.5;
  double f_beta = 1.0;
  // `slices:`, the path of a SLICES.yaml (core/eval/slices/slice_rules.hpp), read with the
  // config; null: none.
  std::shared_ptr<const slices::SliceSpecs> slices;
  // `tracker:`: the run tracks its detections (a pipeline transform) before they are scored; the
  // name and, for the mapping form, the mapping (its parameters, checked at load).
  std::optional<std::string> tracker;
  std::optional<ConfigNode> tracker_params;
  // A metric scores masks: the dataset must be read with them (ReadOptions::masks).
  bool reads_masks() const;
  // It scores masks and not boxes (iou_type: segm): the viewer then matches by masks too.
  bool scores_masks_only() const;
  // It scores keypoints (coco_keypoints): detections carry them through files.
  bool scores_keypoints() const;
  // What render and view match ground truth and detections by (unless --iou-type says): boxes
  // when the run scores boxes, else masks when it scores masks (segm, boundary), else OKS when
  // it scores keypoints.
  Matching viewer_matching() const;
};

RunConfig load_run_config(const std::filesystem::path& file);

// `sigmas:` of a config (category name -> one OKS sigma per keypoint); empty when absent.
// Errors name the file, line and key.
std::vector<CategorySigmas> keypoint_sigmas(const ConfigNode& config);

// The dataset spec under `key` of `config`: an inline mapping, or a path to a dataset.yaml.
ConfigNode dataset_spec(const ConfigNode& config, std::string_view key = "dataset");

// The dataset spec a file gives: the file itself when it is a dataset.yaml (`format:` at the
// top), else its `dataset:` (a run config).
ConfigNode load_dataset_spec(const std::filesystem::path& file);

// Checks that `file` is a model config we can hand to Python: a YAML mapping with `module:`.
// Returns the module name.
std::string model_module(const std::filesystem::path& file);

}  // namespace ds
