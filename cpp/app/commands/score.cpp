// `score`: metrics for an existing results file. No model, no torch, no OpenCV.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <future>
#include <iostream>
#include <utility>

#include "app/cli/report.hpp"
#include "app/commands/commands.hpp"
#include "app/commands/export_label_errors.hpp"
#include "app/commands/export_objects.hpp"
#include "core/config/run_config.hpp"
#include "core/eval/analysis/analyses.hpp"
#include "core/eval/analysis/image_boxes.hpp"
#include "core/eval/coco/coco_evaluator.hpp"
#include "core/eval/coco/evaluate.hpp"
#include "core/eval/coco/results.hpp"
#include "core/eval/coco/stream_evaluate.hpp"
#include "core/eval/per_class_csv.hpp"
#include "core/eval/run_evaluators.hpp"
#include "core/eval/score.hpp"
#include "core/eval/slices/slice_rules.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "formats/coco/coco_json.hpp"
#include "formats/dataset_file.hpp"
#include "formats/openimages/challenge_detections.hpp"

namespace ds::cli {
namespace {

// A number in [0, 1] (zero_ok) or (0, 1].
double fraction_arg(const ParsedArgs& args, const std::string& name, bool zero_ok) {
  const std::string v = *args.get(name);
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || !(zero_ok ? x >= 0 : x > 0) || !(x <= 1))
    throw UsageError(name + ": expected a number " + (zero_ok ? "from 0" : "above 0") + " to 1, got '" + v + "'");
  return x;
}

// "a,b,c": each name one of `known`, else a usage error naming the option and the known names.
std::vector<std::string> checked_list(const std::string& list, std::span<const std::string_view> known,
                                      const std::string& option, const std::string& what) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    names.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  for (const std::string& n : names)
    if (std::find(known.begin(), known.end(), n) == known.end()) {
      std::string all;
      for (const auto k : known) all += (all.empty() ? "" : ", ") + std::string(k);
      throw UsageError(option + ": unknown " + what + " '" + n + "' (known: " + all + ")");
    }
  return names;
}

// --analyses thresholds,tide (default: those run by default; none for none).
std::vector<std::string> analysis_list(const ParsedArgs& args) {
  const auto known = analysis_names();
  const std::optional<std::string> list = args.get("--analyses");
  if (list && *list == "none") return {};
  if (!list) {
    const auto defaults = default_analysis_names();
    return {defaults.begin(), defaults.end()};
  }
  return checked_list(*list, known, "--analyses", "analysis");
}

// --boundary-dilation-ratio R: a share of the image diagonal, in (0, 1). A bad value is the
// input's fault, as in a run config: one line, exit 1.
double dilation_ratio_arg(const std::string& v) {
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || !(x > 0 && x < 1))
    throw Error("--boundary-dilation-ratio: expected a number above 0 and below 1 (a share of the image diagonal), got '" + v + "'");
  return x;
}

// --calibration-bins N: a whole number from 1 to 1000000.
std::size_t count_arg(const std::string& name, const std::string& v) {
  char* end = nullptr;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (end == v.c_str() || *end != '\0' || n < 1 || n > 1000000)
    throw UsageError(name + ": expected a whole number from 1 to 1000000, got '" + v + "'");
  return static_cast<std::size_t>(n);
}

// --f-beta B: a positive number.
double beta_arg(const std::string& v) {
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || !(x > 0 && std::isfinite(x)))
    throw UsageError("--f-beta: expected a positive number, got '" + v + "'");
  return x;
}

// --metric coco,voc: names checked against the registry before any file is read.
std::vector<std::string> metric_names(const ParsedArgs& args) {
  return checked_list(args.get("--metric").value_or("coco"), evaluator_names(), "--metric", "metric");
}

// Why a score cannot stream its results (coco::stream_evaluate), or nothing when it can: COCO's
// box metric alone, whose numbers need only the match records, and the analyses that read each
// image's highest scoring detections (built image by image as the stream goes). calibration,
// f_scores, label_errors, slices, exports and the other metrics read every detection, so they
// take the whole file.
std::string stream_blocker(const ParsedArgs& args, std::span<const std::string> metrics,
                           std::span<const std::string> analyses, const std::string& dt_path) {
  if (metrics.size() != 1 || metrics.front() != "coco") return "only --metric coco (boxes) streams";
  for (const std::string& a : analyses)
    if (analysis_reads_detections(a)) return "the " + a + " analysis needs every detection";
  for (const char* option : {"--slices", "--export-objects", "--export-label-errors", "--report"})
    if (args.get(option) || args.has(option)) return std::string(option) + " needs every detection";
  if (std::filesystem::path(dt_path).extension() == ".csv") return "a challenge CSV is read whole";
  return {};
}

// `score` with the results streamed: read a piece at a time, matched image by image, only
// compact match records kept (docs/scale.md). Nothing when the full path must score them: the
// ground truth repeats annotation ids (and not --stream on), or the stream met something the
// whole-file reader words better (a syntax error's line, an empty list): that reader then runs.
std::optional<int> run_score_streamed(const ParsedArgs& args, const std::string& gt_path, const std::string& dt_path,
                                      bool forced, std::span<const std::string> analyses, EvaluatorOptions options) {
  const auto start = std::chrono::steady_clock::now();
  // The two files in parallel, as the whole-file path reads them: while the ground truth loads,
  // the first pieces of the results parse here (three at most: ~60 MB of detections), and the
  // first pass starts from them.
  auto gt_future = std::async(std::launch::async, [&] { return load_dataset_file(gt_path, ReadOptions{}); });
  auto first = std::make_shared<coco::ResultsStream>(dt_path);
  auto head = std::make_shared<std::deque<std::vector<Detection>>>();
  try {
    while (head->size() < 3 && gt_future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      std::vector<Detection> batch;
      if (!first->next(batch)) break;
      head->push_back(std::move(batch));
    }
  } catch (const Error&) {
    gt_future.wait();
    return std::nullopt;  // the whole-file path words it (and a bad --gt first, as it does)
  }
  std::optional<Dataset> loaded_gt;
  try {
    loaded_gt = gt_future.get();
  } catch (const Error&) {
    return std::nullopt;
  }
  const Dataset& gt = *loaded_gt;
  const coco::Params params = coco::Params::defaults();
  if (!coco::stream_fits(gt, params)) {
    if (forced) throw UsageError("--stream on: " + gt_path + " repeats annotation ids (pycocotools then swaps annotations across images): use --stream auto");
    return std::nullopt;
  }
  const auto loaded = std::chrono::steady_clock::now();
  // The analyses' per-image pairing, built as each image completes (the analyses explain the
  // box metric: box IoU).
  options.analysis_matching = evaluator_matching("coco");
  // They run beside COCO's accumulate once every image is in.
  std::optional<analysis::ImageBoxesBuilder> boxes;
  std::future<Metrics> analysed;
  coco::StreamHooks hooks;
  if (!analyses.empty()) {
    boxes.emplace(gt, analysis::Overlap::of(options));
    hooks.on_image = [&boxes](std::int64_t image_id, std::span<const Detection> dts) { boxes->add(image_id, dts); };
    hooks.on_matched = [&] {
      analysed = std::async(std::launch::async, [&, images = boxes->take()] {
        return analysis::run_analyses(gt, images, analyses, options);
      });
    };
  }
  coco::StreamedEvaluation streamed;
  try {
    streamed = coco::stream_evaluate(
        gt, [&] {
          // The first pass: the pieces read already, then the rest of that stream; a second
          // pass reads the file again.
          auto stream = first ? std::exchange(first, nullptr) : std::make_shared<coco::ResultsStream>(dt_path);
          auto ahead = std::exchange(head, std::make_shared<std::deque<std::vector<Detection>>>());
          return coco::DetectionBatches([stream, ahead](std::vector<Detection>& out) {
            if (ahead->empty()) return stream->next(out);
            out = std::move(ahead->front());
            ahead->pop_front();
            return true;
          });
        },
        params, dt_path, hooks);
  } catch (const Error&) {
    if (analysed.valid()) analysed.wait();  // it reads gt
    return std::nullopt;
  }
  if (streamed.detections == 0) {  // the whole-file path words it
    if (analysed.valid()) analysed.wait();
    return std::nullopt;
  }
  std::vector<Metrics> metrics = {coco::coco_metrics(streamed.result, gt, streamed.dt_count)};
  if (analysed.valid()) metrics.push_back(analysed.get());
  const auto done = std::chrono::steady_clock::now();
  if (!args.has("--quiet"))
    for (const Metrics& m : metrics) std::cout << m.text;
  if (args.verbose()) {
    const auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    std::cerr << "load " << ms(start, loaded) << " ms, streamed " << ms(loaded, done) << " ms ("
              << (streamed.grouped ? "one pass: grouped by image" : "two passes: bucketed by image") << ", "
              << streamed.record_bytes / (1u << 20) << " MiB of match records)\n";
  }
  if (const auto out = args.get("--output")) {
    const std::string document =
        metrics_document(score_facts(gt_path, dt_path, gt.images.size(), streamed.detections), metrics);
    write_file_atomic(*out, document);
    if (const std::optional<std::string> per_class = per_class_csv(document))
      write_file_atomic(per_class_csv_path(*out), *per_class);
  }
  return 0;
}

}  // namespace

int run_score(const ParsedArgs& args) {
  const auto gt_path = args.get("--gt");
  const auto dt_path = args.get("--dt");
  if (!gt_path) throw UsageError("--gt GT.json (or DATASET.yaml) is required");
  if (!dt_path) throw UsageError("--dt RESULTS.json is required");
  if (const auto m = args.get("--metric"); m && m->find("tracking") != std::string::npos) {
    if (*m != "tracking") throw UsageError("--metric tracking scores a tracker's MOT results: give it alone");
    return run_score_tracking(args);
  }
  const std::string iou_type = args.get("--iou-type").value_or("bbox");
  if (iou_type != "bbox" && iou_type != "segm" && iou_type != "boundary" && iou_type != "keypoints")
    throw UsageError("--iou-type: unknown type '" + iou_type + "' (bbox, segm, boundary, keypoints)");
  // segm, boundary and keypoints are one metric each (coco_segm, coco_boundary, coco_keypoints);
  // LVIS' masks are lvis_segm (--iou-type segm --metric lvis).
  const bool lvis_masks = iou_type == "segm" && args.get("--metric") == std::optional<std::string>("lvis");
  const std::string type_metric = iou_type == "bbox" ? "" : lvis_masks ? "lvis_segm" : metric_for_iou_type(iou_type);
  if (!type_metric.empty() && !lvis_masks && args.get("--metric") && *args.get("--metric") != type_metric)
    throw UsageError("--iou-type " + iou_type + " scores the metric " + type_metric +
                     ": leave out --metric, or give --metric " + type_metric + " alone");
  if (args.has("--report") && !args.get("--output"))
    throw UsageError("--report needs --output METRICS.json: report.html goes beside it");
  const std::vector<std::string> metrics_wanted =
      type_metric.empty() ? metric_names(args) : std::vector<std::string>{type_metric};
  const bool boundary = std::find(metrics_wanted.begin(), metrics_wanted.end(), "coco_boundary") != metrics_wanted.end();
  const bool keypoints = std::find(metrics_wanted.begin(), metrics_wanted.end(), "coco_keypoints") != metrics_wanted.end();
  if (args.get("--boundary-dilation-ratio") && !boundary)
    throw UsageError("--boundary-dilation-ratio applies to boundary IoU: add --iou-type boundary");
  const bool masks = std::any_of(metrics_wanted.begin(), metrics_wanted.end(),
                                 [](const std::string& m) { return evaluator_reads_masks(m); });
  const std::vector<std::string> analyses_wanted = analysis_list(args);
  EvaluatorOptions options;
  options.threads = static_cast<int>(args.get_int("--threads", 0));
  if (args.get("--analysis-iou")) options.analysis_iou = fraction_arg(args, "--analysis-iou", false);
  if (args.get("--score-threshold")) options.score_threshold = fraction_arg(args, "--score-threshold", true);
  if (args.get("--calibration-iou")) options.calibration_iou = fraction_arg(args, "--calibration-iou", false);
  if (const auto v = args.get("--calibration-bins")) options.calibration_bins = count_arg("--calibration-bins", *v);
  if (const auto v = args.get("--f-beta")) options.f_beta = beta_arg(*v);
  if (const auto r = args.get("--boundary-dilation-ratio")) options.boundary_dilation_ratio = dilation_ratio_arg(*r);
  if (const auto file = args.get("--sigmas")) {
    if (!keypoints) throw UsageError("--sigmas applies to --iou-type keypoints");
    const ConfigNode config = ConfigNode::load(*file);
    if (!config.has("sigmas")) config.fail("sigmas", "missing (a mapping of category name -> list of sigmas)");
    options.keypoint_sigmas = keypoint_sigmas(config);
  }
  if (const auto file = args.get("--slices")) {
    if (std::none_of(metrics_wanted.begin(), metrics_wanted.end(), [](const std::string& m) { return m.starts_with("coco"); }))
      throw UsageError("--slices applies to the COCO metrics (coco, coco_segm, coco_boundary, coco_keypoints)");
    slices::SliceSpecs specs = slices::read_slices(*file);
    if (const auto v = args.get("--slice-bootstrap"))
      specs.bootstrap_samples = *v == "0" ? 0 : count_arg("--slice-bootstrap", *v);
    options.slices = std::make_shared<const slices::SliceSpecs>(std::move(specs));
  } else if (args.get("--slice-bootstrap")) {
    throw UsageError("--slice-bootstrap applies to --slices");
  }
  if (const auto out = args.get("--output")) {
    // Checked before the (possibly long) evaluation, and never onto an input.
    if (same_file(*out, *dt_path)) throw UsageError("--output " + *out + " is the --dt file; it would be overwritten");
    if (same_file(*out, *gt_path)) throw UsageError("--output " + *out + " is the --gt file; it would be overwritten");
    std::error_code ec;
    if (std::filesystem::is_directory(*out, ec) || out->ends_with('/'))
      throw UsageError("--output " + *out + " is a folder; give a file name such as metrics.json");
    const std::filesystem::path per_class = per_class_csv_path(*out);
    for (const auto& [what, input] : {std::pair{"--dt", *dt_path}, std::pair{"--gt", *gt_path}})
      if (same_file(per_class.string(), input))
        throw UsageError("--output " + *out + ": " + per_class.string() + " (written beside it) is the " + what +
                         " file; it would be overwritten");
  }
  std::vector<ExportGuard> guards = {{"the --gt file", *gt_path}, {"the --dt file", *dt_path}};
  if (const auto out = args.get("--output")) {
    guards.emplace_back("the --output file", *out);
    guards.emplace_back("the per-class CSV beside --output", per_class_csv_path(*out));
  }
  const std::optional<ObjectExport> export_objects = object_export(args, options.analysis_iou, guards);
  if (export_objects) guards.emplace_back("the --export-objects file", export_objects->path);
  const std::optional<LabelErrorExport> export_label_errors = label_error_export(args, guards);

  // --stream auto (default): stream when nothing needs every detection; on: stream or refuse.
  const std::string stream = args.get("--stream").value_or("auto");
  if (stream != "auto" && stream != "on" && stream != "off")
    throw UsageError("--stream: expected auto, on or off, got '" + stream + "'");
  if (stream != "off") {
    const std::string blocker = stream_blocker(args, metrics_wanted, analyses_wanted, *dt_path);
    if (stream == "on" && !blocker.empty()) throw UsageError("--stream on: " + blocker);
    if (blocker.empty())
      if (const std::optional<int> rc =
              run_score_streamed(args, *gt_path, *dt_path, stream == "on", analyses_wanted, options))
        return *rc;
  }
  const auto start = std::chrono::steady_clock::now();

  // The two files parse in parallel; the results file is usually the big one. The ground truth
  // is a COCO json or any dataset.yaml / run config; a challenge CSV names images and classes
  // by the ground truth's ids, so it is read after it.
  auto gt_future = std::async(std::launch::async, [&] {
    ReadOptions read;
    read.masks = masks;
    return load_dataset_file(*gt_path, read);
  });
  const bool challenge_csv = std::filesystem::path(*dt_path).extension() == ".csv";
  std::vector<Detection> dts = challenge_csv ? std::vector<Detection>{}
                               : masks       ? coco::read_mask_results(*dt_path)
                               : keypoints   ? coco::read_keypoint_results(*dt_path)
                                             : coco::read_results(*dt_path);
  const Dataset gt = gt_future.get();
  if (challenge_csv) dts = openimages::read_challenge_detections(*dt_path, gt);
  check_score_inputs(gt, dts, *dt_path, keypoints);
  if (coco::has_duplicate_annotation_ids(gt))
    std::cerr << "warning: " << *gt_path
              << ": annotation ids repeat; like pycocotools, each repeated id is scored as the "
                 "last annotation with that id\n";
  const auto loaded = std::chrono::steady_clock::now();

  const std::vector<Metrics> metrics = score_metrics(gt, dts, metrics_wanted, analyses_wanted, options);
  const auto done = std::chrono::steady_clock::now();

  if (!args.has("--quiet"))
    for (const Metrics& m : metrics) std::cout << m.text;
  if (args.verbose()) {
    const auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    std::cerr << "load " << ms(start, loaded) << " ms, evaluate " << ms(loaded, done) << " ms\n";
  }
  if (const auto out = args.get("--output")) {
    const JsonFields facts = score_facts(*gt_path, *dt_path, gt.images.size(), dts.size());
    const std::string document = metrics_document(facts, metrics);
    write_file_atomic(*out, document);
    if (const std::optional<std::string> per_class = per_class_csv(document))
      write_file_atomic(per_class_csv_path(*out), *per_class);
  }
  if (export_objects) {
    // What the analyses compare: the first metric's matching (make_evaluators sets it there).
    EvaluatorOptions matching = options;
    matching.analysis_matching = evaluator_matching(metrics_wanted.front());
    write_object_export(*export_objects, gt, analysis::all_image_ids(gt), dts, matching);
  }
  if (export_label_errors)
    write_label_error_export(*export_label_errors, gt, analysis::all_image_ids(gt), dts, options, *gt_path);
  return 0;
}

}  // namespace ds::cli
