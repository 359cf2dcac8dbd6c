// MOT results (a tracker's frame,id,bb_left,bb_top,w,h,conf,class,x,y lines): the input is the
// file. What the reader accepts is scored against a fixed 8-frame ground truth (pedestrians, a
// distractor, another class, a zero-marked line) with both preprocessings, so the matching and the
// metrics see whatever a reader lets through.
#include "formats/mot/mot_results.hpp"

#include "core/eval/tracking/tracking_evaluator.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  constexpr std::int64_t kFrames = 8;
  fuzz::expect_clean([&] {
    const mot::Results results =
        mot::read_results_text("fuzz.txt", std::string(reinterpret_cast<const char*>(data), size), kFrames);
    tracking::RawSequence raw;
    raw.name = "fuzz";
    raw.frames.resize(kFrames);
    for (std::size_t t = 0; t < raw.frames.size(); ++t) {
      tracking::RawFrame& f = raw.frames[t];
      const double x = 10.0 * static_cast<double>(t);
      const tracking::GtRole roles[] = {tracking::GtRole::kEvaluated, tracking::GtRole::kEvaluated,
                                        tracking::GtRole::kDistractor, tracking::GtRole::kOther};
      for (std::int64_t k = 0; k < 4; ++k) {
        f.gt_ids.push_back(k + 1);
        f.gt_boxes.push_back({x + 50.0 * static_cast<double>(k), 20, 30, 60});
        f.gt_roles.push_back(roles[k]);
        f.gt_zero_marked.push_back(t == 3 && k == 1);
      }
    }
    for (const mot::ResultRow& r : results.rows) {
      tracking::RawFrame& f = raw.frames[static_cast<std::size_t>(r.frame - 1)];
      f.tracker_ids.push_back(r.id);
      f.tracker_boxes.push_back({r.x, r.y, r.w, r.h});
    }
    std::vector<tracking::SequenceScores> scores;
    scores.push_back(tracking::score_sequence(raw, {true}));
    scores.push_back(tracking::score_sequence(raw, {false}));
    (void)tracking::tracking_metrics(scores, "fuzz");
  });
  return 0;
}
