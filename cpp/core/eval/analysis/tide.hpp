#pragma once
// TIDE (Bolya et al., ECCV 2020) as the authors' `tidecv` package computes it for boxes: every
// false positive and every missed ground truth gets one error type, and each type's dAP is the
// AP at IoU t_f gained by fixing that type alone. In AP points (0-100), like tidecv.
#include <array>
#include <cstddef>

#include "core/eval/analysis/image_boxes.hpp"
#include "core/eval/evaluator.hpp"

namespace ds::analysis {

// tidecv's order (TIDE._error_types) and short names.
enum class TideError : std::uint8_t { kCls, kLoc, kBoth, kDupe, kBkg, kMiss };
inline constexpr std::array<const char*, 6> kTideErrorNames = {"Cls", "Loc", "Both", "Dupe", "Bkg", "Miss"};

struct TideResult {
  double ap = 0;                    // mAP at the foreground threshold, tidecv's AP
  std::array<double, 6> main{};     // dAP per TideError, floored at 0 as tidecv does
  double false_pos = 0, false_neg = 0;  // the special errors (not floored)
  std::array<std::size_t, 6> counts{};
};

// t_f: a detection is right at IoU >= foreground; t_b: below background it hit nothing.
TideResult tide(const std::vector<ImageBoxes>& images, double foreground = 0.5, double background = 0.1);
// The same with detections_by_score(images) given (the analyses sort once for all).
TideResult tide(const std::vector<ImageBoxes>& images, std::span<const std::uint32_t> by_score,
                double foreground = 0.5, double background = 0.1);

struct AnalysisContext;
Metrics tide_analysis(const AnalysisContext& context);

}  // namespace ds::analysis
