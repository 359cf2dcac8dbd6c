#pragma once
// Identity metrics (Ristani et al. 2016) as TrackEval 1.3's metrics/identity.py: IDTP/IDFN/IDFP
// from the one-to-one matching of gt and tracker ids that maximises the frames they overlap at
// IoU >= 0.5 (no eps here, as TrackEval), then IDF1, IDR, IDP.
//
// TrackEval solves that matching as one (gt ids + tracker ids)^2 assignment with 1e10 entries. Its
// IDFN and IDFP depend only on the matched pairs' summed overlap counts, which every optimal
// matching shares (the costs are integers, exact in doubles), so we solve the same optimum on the
// pairs that overlap at all, one connected group of ids at a time: equal counts, far less work.
#include <span>

#include "core/eval/tracking/sequence.hpp"

namespace ds::tracking {

struct IdentityResult {
  double IDTP = 0, IDFN = 0, IDFP = 0;
  double IDF1 = 0, IDR = 0, IDP = 0;
};

IdentityResult identity_sequence(const SequenceData& data, double threshold = 0.5);
IdentityResult identity_combine(std::span<const IdentityResult> sequences);

}  // namespace ds::tracking
