// `score`: metrics for an existing COCO results file. No model, no torch, no OpenCV.
#include <chrono>
#include <future>
#include <iostream>

#include "app/cli/report.hpp"
#include "app/commands/commands.hpp"
#include "core/eval/coco/coco_evaluator.hpp"
#include "core/eval/coco/evaluate.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "formats/coco/coco_json.hpp"

namespace ds::cli {

int run_score(const ParsedArgs& args) {
  const auto gt_path = args.get("--gt");
  const auto dt_path = args.get("--dt");
  if (!gt_path) throw UsageError("--gt GT.json is required");
  if (!dt_path) throw UsageError("--dt RESULTS.json is required");
  const auto start = std::chrono::steady_clock::now();

  // The two files parse in parallel; the results file is usually the big one.
  auto gt_future = std::async(std::launch::async, [&] { return coco::read_instances(*gt_path, {}); });
  std::vector<Detection> dts = coco::read_results(*dt_path);
  const Dataset gt = gt_future.get();
  if (dts.empty()) throw Error(*dt_path + ": no detections in the results file");
  coco::check_result_images(gt, dts, *dt_path);
  const auto loaded = std::chrono::steady_clock::now();

  const int threads = static_cast<int>(args.get_int("--threads", 0));
  const coco::EvalResult result = coco::evaluate(gt, dts, coco::Params::defaults(), threads);
  const Metrics metrics = coco::coco_metrics(result, gt, dts);
  const auto done = std::chrono::steady_clock::now();

  if (!args.has("--quiet")) std::cout << metrics.text;
  if (args.verbose()) {
    const auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    std::cerr << "load " << ms(start, loaded) << " ms, evaluate " << ms(loaded, done) << " ms\n";
  }
  if (const auto out = args.get("--output")) {
    const JsonFields facts = {{"ground_truth", json_string(*gt_path)},
                              {"results", json_string(*dt_path)},
                              {"images", std::to_string(result.params.img_ids.size())},
                              {"detections", std::to_string(dts.size())}};
    write_file_atomic(*out, metrics_document(facts, {metrics}));
  }
  return 0;
}

}  // namespace ds::cli
