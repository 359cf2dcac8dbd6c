#include "app/commands/view_options.hpp"

#include "core/util/error.hpp"

namespace fs = std::filesystem;

namespace ds::cli {

viewer::SessionOptions session_options(const ParsedArgs& args) {
  viewer::SessionOptions o;
  o.config = args.positional.at(0);
  for (const std::string& m : args.get_all("--model")) o.models.emplace_back(m);
  if (const auto r = args.get("--results")) {
    if (!o.models.empty()) throw UsageError("give either --model or --results, not both");
    std::error_code ec;
    if (!fs::exists(*r, ec)) throw Error(*r + ": results file not found (--results)");
    o.results = fs::path(*r);
    if (fs::is_directory(*o.results, ec)) {  // a run's folder: the detections evaluate (or detect) wrote there
      const fs::path dir = *o.results;
      o.results = dir / "detections.json";
      if (!fs::is_regular_file(*o.results, ec)) o.results = dir / "detections.jsonl";
      if (!fs::is_regular_file(*o.results, ec))
        throw Error(*r + ": no detections.json or detections.jsonl in this folder (--results takes a run's folder, a COCO "
                         "results file, detect's detections.jsonl or MOT results such as tracks.txt)");
    }
  }
  if (const auto out = args.get("--output")) o.output = fs::path(*out);
  const std::int64_t limit = args.get_int("--limit", 0);
  if (limit < 0) throw UsageError("--limit must be 0 (all) or more");
  o.limit = static_cast<std::size_t>(limit);
  o.verbose = args.verbose();
  o.skip_bad = args.has("--skip-bad");
  if (const auto t = args.get("--iou-type")) {
    if (*t != "bbox" && *t != "segm" && *t != "keypoints")
      throw UsageError("--iou-type: unknown type '" + *t + "' (bbox, segm, keypoints)");
    o.matching = *t == "segm" ? Matching::kMask : *t == "keypoints" ? Matching::kKeypoints : Matching::kBox;
  }
  return o;
}

double score_threshold(const ParsedArgs& args) {
  const double t = args.get_double("--score-threshold", 0.5);
  if (!(t >= 0 && t <= 1)) throw UsageError("--score-threshold must be between 0 and 1");
  return t;
}

}  // namespace ds::cli
