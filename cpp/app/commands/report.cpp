// `report`: report.html from saved runs; and `score --report`, which the light front sends here.
#include <iostream>

#include "app/commands/commands.hpp"
#include "core/config/run_config.hpp"
#include "core/dataset/image_paths.hpp"
#include "core/eval/analysis/image_boxes.hpp"
#include "core/eval/analysis/per_image.hpp"
#include "core/eval/coco/results.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "formats/coco/coco_json.hpp"
#include "pipeline/report/candidate_crops.hpp"
#include "pipeline/report/gallery.hpp"
#include "pipeline/report/html_report.hpp"

namespace fs = std::filesystem;

namespace ds::cli {

int run_report(const ParsedArgs& args) {
  std::vector<fs::path> runs;
  for (const std::string& p : args.positional) {
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) throw Error(p + ": not found (give the metrics.json of a run)");
    runs.emplace_back(p);
  }
  const fs::path out = args.get("--output") ? fs::path(*args.get("--output")) : runs.front().parent_path() / "report.html";
  for (const fs::path& r : runs)
    if (same_file(out, r)) throw UsageError("--output " + out.string() + " is one of the runs; it would be overwritten");
  host::PythonRuntime python(args.verbose());
  pipeline::write_html_report(python, runs, out);
  std::cout << "wrote " << out.string() << "\n";
  return 0;
}

int run_score_report(const ParsedArgs& args) {
  if (const int rc = run_score(args); rc != 0 || !args.has("--report")) return rc;
  const fs::path metrics = *args.get("--output");
  std::string gallery = "[]\n";
  if (const auto images = args.get("--images")) {
    // Read again: run_score is the light front's, and keeps nothing.
    // Masks or keypoints when the run scored them: its analyses matched them, so the pictures
    // do too (and draw them).
    const std::string iou_type = args.get("--iou-type").value_or("bbox");
    const bool keypoints = iou_type == "keypoints";
    const bool masks = iou_type != "bbox" && !keypoints;
    Dataset gt = coco::read_instances_file(*args.get("--gt"), {}, false, masks);
    const std::vector<Detection> dts = masks       ? coco::read_mask_results(*args.get("--dt"))
                                       : keypoints ? coco::read_keypoint_results(*args.get("--dt"))
                                                   : coco::read_results(*args.get("--dt"));
    gt.image_dir = *images;
    if (!args.has("--allow-outside-images")) refuse_images_outside(gt, "--allow-outside-images");
    EvaluatorOptions options;
    options.analysis_matching = evaluator_matching(iou_type == "bbox" ? "coco" : "coco_" + iou_type);
    if (const auto file = args.get("--sigmas")) options.keypoint_sigmas = keypoint_sigmas(ConfigNode::load(*file));
    if (args.get("--boundary-dilation-ratio"))
      options.boundary_dilation_ratio = args.get_double("--boundary-dilation-ratio", options.boundary_dilation_ratio);
    if (args.get("--analysis-iou")) options.analysis_iou = args.get_double("--analysis-iou", 0.5);
    if (args.get("--score-threshold")) options.score_threshold = args.get_double("--score-threshold", 0);
    const analysis::WorstImages worst = analysis::find_worst_images(gt, analysis::all_image_ids(gt), dts, options);
    gallery = pipeline::gallery_json(gt, dts, worst.image_ids,
                                     {.score_threshold = worst.score_threshold, .iou = options.analysis_iou,
                                      .model = fs::path(*args.get("--dt")).filename().string(),
                                      .overlap = analysis::Overlap::of(options)});
    gallery = pipeline::with_candidate_crops(std::move(gallery), read_file(metrics), gt, dts);
  } else {
    std::cerr << "note: no --images: the report has no gallery of pictures\n";
  }
  write_file_atomic(pipeline::gallery_path(metrics), gallery);
  const fs::path out = metrics.parent_path() / "report.html";
  host::PythonRuntime python(args.verbose());
  pipeline::write_html_report(python, {metrics}, out);
  std::cout << "wrote " << out.string() << "\n";
  return 0;
}

void write_merged_report(const MergedRun& run, const fs::path& out_dir, host::PythonRuntime& python) {
  const fs::path metrics = out_dir / "metrics.json";
  const analysis::WorstImages worst = analysis::find_worst_images(run.dataset, run.image_ids, run.detections, run.options);
  const std::string gallery =
      pipeline::gallery_json(run.dataset, run.detections, worst.image_ids,
                             {.score_threshold = worst.score_threshold, .iou = run.options.analysis_iou,
                              .model = "merged shards", .overlap = analysis::Overlap::of(run.options)});
  write_file_atomic(pipeline::gallery_path(metrics),
                    pipeline::with_candidate_crops(gallery, read_file(metrics), run.dataset, run.detections));
  pipeline::write_html_report(python, {metrics}, out_dir / "report.html");
  std::cout << "wrote " << (out_dir / "report.html").string() << "\n";
}

int run_merge_report(const ParsedArgs& args) {
  if (!args.has("--report")) return run_merge(args);
  if (args.has("--metrics-only")) throw UsageError("merge: --report needs the detections: leave out --metrics-only");
  const fs::path config_path = args.positional.at(0);
  const fs::path out_dir = args.get("--output") ? fs::path(*args.get("--output")) : load_run_config(config_path).output;
  const std::vector<fs::path> dirs(args.positional.begin() + 1, args.positional.end());
  const MergedRun merged = merge_shards(config_path, dirs, out_dir, {});
  std::cout << "\n";
  host::PythonRuntime python(args.verbose());
  write_merged_report(merged, out_dir, python);
  return 0;
}

}  // namespace ds::cli
