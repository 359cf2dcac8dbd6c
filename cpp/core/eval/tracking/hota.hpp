#pragma once
// HOTA (Luiten et al. 2020) exactly as TrackEval 1.3's metrics/hota.py: per localisation threshold
// alpha in np.arange(0.05, 0.99, 0.05) (19 values), detection (DetA, DetRe, DetPr), association
// (AssA, AssRe, AssPr) and localisation (LocA) accuracy; the Hungarian matching per frame
// maximises global alignment x IoU. Sequences combine as TrackEval's combine_sequences.
#include <array>
#include <span>
#include <string_view>

#include "core/eval/tracking/sequence.hpp"

namespace ds::tracking {

inline constexpr std::size_t kAlphas = 19;
using AlphaArray = std::array<double, kAlphas>;

// np.arange(0.05, 0.99, 0.05): 0.05 + i * 0.05, as NumPy computes it.
const AlphaArray& hota_alphas();

struct HotaResult {
  AlphaArray HOTA{}, DetA{}, AssA{}, DetRe{}, DetPr{}, AssRe{}, AssPr{}, LocA{}, OWTA{};
  AlphaArray HOTA_TP{}, HOTA_FN{}, HOTA_FP{};
  double HOTA0 = 0, LocA0 = 0, HOTALocA0 = 0;  // 'HOTA(0)', 'LocA(0)', 'HOTALocA(0)'

  // The per-alpha arrays by TrackEval's names, in its float_array_fields order.
  static constexpr std::array<std::string_view, 9> kArrayFields = {"HOTA", "DetA", "AssA", "DetRe", "DetPr",
                                                                   "AssRe", "AssPr", "LocA", "OWTA"};
  const AlphaArray& array(std::string_view name) const;
};

HotaResult hota_sequence(const SequenceData& data);
HotaResult hota_combine(std::span<const HotaResult> sequences);

// TrackEval reports an array field as its mean over the alphas (np.mean: pairwise summation).
double alpha_mean(const AlphaArray& values);

}  // namespace ds::tracking
