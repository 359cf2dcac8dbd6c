#include "core/eval/coco/params.hpp"

#include "core/eval/coco/numpy_compat.hpp"

namespace ds::coco {

std::vector<double> coco_person_sigmas() {
  // np.array([...]) / 10.0: the division is done in float64 here too, so the values are the
  // same doubles (0.026 written as a literal is not 0.26 / 10.0).
  const double tenths[] = {.26, .25, .25, .35, .35, .79, .79, .72, .72,
                           .62, .62, 1.07, 1.07, .87, .87, .89, .89};
  std::vector<double> out;
  for (const double t : tenths) out.push_back(t / 10.0);
  return out;
}

Params Params::defaults(IouType type) {
  Params p;
  p.iou_type = type;
  p.iou_thrs = linspace(0.5, 0.95, 10);
  p.rec_thrs = linspace(0.0, 1.0, 101);
  if (type == IouType::kKeypoints) {
    p.max_dets = {20};
    p.area_rng = {{0.0, 1e10}, {1024.0, 9216.0}, {9216.0, 1e10}};
    p.area_lbl = {"all", "medium", "large"};
    p.kpt_oks_sigmas = coco_person_sigmas();
  } else {
    p.area_rng = {{0.0, 1e10}, {0.0, 1024.0}, {1024.0, 9216.0}, {9216.0, 1e10}};
  }
  return p;
}

}  // namespace ds::coco
