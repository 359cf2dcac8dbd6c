#include "core/eval/coco/params.hpp"

#include "core/eval/coco/numpy_compat.hpp"

namespace ds::coco {

Params Params::defaults() {
  Params p;
  p.iou_thrs = linspace(0.5, 0.95, 10);
  p.rec_thrs = linspace(0.0, 1.0, 101);
  p.area_rng = {{0.0, 1e10}, {0.0, 1024.0}, {1024.0, 9216.0}, {9216.0, 1e10}};
  return p;
}

}  // namespace ds::coco
