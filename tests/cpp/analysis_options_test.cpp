// The calibration and f_scores options in a run config, and which analyses run by default.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/config/run_config.hpp"
#include "core/eval/evaluator.hpp"
#include "core/eval/run_evaluators.hpp"
#include "core/util/error.hpp"

namespace ds {
namespace {

std::filesystem::path write_config(const std::string& name, const std::string& extra) {
  const auto dir = std::filesystem::temp_directory_path() / "ds_analysis_options_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name) << "dataset: {format: coco, annotations: a.json, images: .}\n" << extra;
  return dir / name;
}

bool has(const std::vector<std::string>& names, const std::string& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

TEST(AnalysisOptions, CalibrationAndFScoresAreAskedForByName) {
  const RunConfig plain = load_run_config(write_config("plain.yaml", ""));
  EXPECT_TRUE(has(plain.analyses, "thresholds"));
  EXPECT_FALSE(has(plain.analyses, "calibration"));
  EXPECT_FALSE(has(plain.analyses, "f_scores"));
  const RunConfig asked = load_run_config(write_config("asked.yaml", "analyses: [calibration, f_scores]\n"));
  EXPECT_EQ(asked.analyses, (std::vector<std::string>{"calibration", "f_scores"}));
}

TEST(AnalysisOptions, RunConfigReachesTheEvaluators) {
  const RunConfig cfg = load_run_config(
      write_config("options.yaml", "analyses: [calibration]\ncalibration_bins: 15\ncalibration_iou: 0.75\nf_beta: 0.5\n"));
  const EvaluatorOptions o = evaluator_options(cfg);
  EXPECT_EQ(o.calibration_bins, 15u);
  EXPECT_EQ(o.calibration_iou, 0.75);
  EXPECT_EQ(o.f_beta, 0.5);
}

TEST(AnalysisOptions, BadValuesNameTheKey) {
  for (const char* bad : {"calibration_bins: 0\n", "calibration_bins: 2.5\n", "calibration_iou: 0\n",
                          "calibration_iou: 1.5\n", "f_beta: -1\n"}) {
    try {
      load_run_config(write_config("bad.yaml", bad));
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      const std::string key(bad, std::string_view(bad).find(':'));
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace ds
