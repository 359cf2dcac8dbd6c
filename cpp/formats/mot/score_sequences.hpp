#pragma once
// A tracker's MOT results files scored against MOT ground truth (HOTA, CLEAR, Identity as
// TrackEval 1.3): what `score --metric tracking` and ds.score(metrics="tracking") share.
// One sequence: gt a dataset file (a mot dataset.yaml, SEQ.yaml) or a MOT sequence folder, dt
// its RESULTS.txt. Several: gt a folder of sequence folders (MOT17/train), dt a folder of
// <sequence>.txt (TrackEval's tracker layout). Sequences are read and scored on workers.
#include <cstddef>
#include <string>

#include "core/eval/evaluator.hpp"

namespace ds::mot {

struct ScoredSequences {
  Metrics metrics;               // metrics.json's "tracking", its description and text
  std::size_t sequences = 0, frames = 0, boxes = 0;
};

// threads 0: one per core. Throws ds::Error naming the file (and line) that is wrong.
ScoredSequences score_sequences(const std::string& gt, const std::string& dt, std::size_t threads = 0);

}  // namespace ds::mot
