#pragma once
// Pascal VOC average precision from a ranked list's precision/recall, as the devkit's
// VOCevaldet.m and its Python port (voc_eval.py) compute it.
#include <span>

namespace ds::voc {

enum class Interpolation {
  kElevenPoint,  // VOC2007: mean of the best precision at recall >= 0, 0.1, ..., 1
  kAllPoint,     // VOC2010 and later: area under the monotone precision envelope
};

// `recall` ascending and `precision` at each detection of the ranked list (same length).
double average_precision(std::span<const double> recall, std::span<const double> precision,
                         Interpolation interpolation);

}  // namespace ds::voc
