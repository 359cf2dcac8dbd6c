#pragma once
// CLEAR MOT (Bernardin & Stiefelhagen 2008) exactly as TrackEval 1.3's metrics/clear.py: per frame
// a Hungarian match at IoU >= 0.5 that first keeps last frame's pairs (a bonus of 1000) and then
// maximises IoU; an id switch is a gt object matched to another tracker id than when it was last
// matched (any number of frames before); MT/PT/ML by the share of frames matched (> 0.8, >= 0.2);
// Frag counts the times a track is picked up again. Sequences combine by summing the counts.
#include <span>
#include <vector>

#include "core/eval/tracking/sequence.hpp"

namespace ds::tracking {

struct ClearResult {
  double CLR_TP = 0, CLR_FN = 0, CLR_FP = 0, IDSW = 0, MT = 0, PT = 0, ML = 0, Frag = 0, CLR_Frames = 0;
  double MOTA = 0, MOTP = 0, MODA = 0, CLR_Re = 0, CLR_Pr = 0, MTR = 0, PTR = 0, MLR = 0, sMOTA = 0;
  double CLR_F1 = 0, FP_per_frame = 0, MOTAL = 0, MOTP_sum = 0;
};

// Where tracks break, for the report (not TrackEval's output; its sums are IDSW and Frag).
struct ClearDetails {
  std::vector<double> idsw_per_frame, frag_per_frame;         // by timestep
  std::vector<double> gt_frames, gt_matched, gt_frag, gt_idsw;  // by (relabelled) gt id
};

ClearResult clear_sequence(const SequenceData& data, double threshold = 0.5, ClearDetails* details = nullptr);
ClearResult clear_combine(std::span<const ClearResult> sequences);

}  // namespace ds::tracking
