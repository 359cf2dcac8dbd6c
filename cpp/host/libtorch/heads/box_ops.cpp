#include "host/libtorch/heads/box_ops.hpp"

#include <ATen/core/dispatch/Dispatcher.h>

namespace ds::host::libtorch {
namespace {

using at::indexing::None;
using at::indexing::Slice;

// torchvision::nms, registered by torchvision's operator library (ops_library.cpp).
at::Tensor nms(const at::Tensor& boxes, const at::Tensor& scores, double iou_threshold) {
  static const auto op = c10::Dispatcher::singleton()
                             .findSchemaOrThrow("torchvision::nms", "")
                             .typed<at::Tensor(const at::Tensor&, const at::Tensor&, double)>();
  return op.call(boxes, scores, iou_threshold);
}

}  // namespace

at::Tensor clip_boxes(const at::Tensor& boxes, std::int64_t height, std::int64_t width) {
  const at::Tensor x = boxes.index({"...", Slice(0, None, 2)}).clamp(0, width);
  const at::Tensor y = boxes.index({"...", Slice(1, None, 2)}).clamp(0, height);
  return at::stack({x, y}, boxes.dim()).reshape(boxes.sizes());
}

at::Tensor batched_nms(const at::Tensor& boxes, const at::Tensor& scores, const at::Tensor& idxs, double iou) {
  if (boxes.numel() > (boxes.is_cpu() ? 4000 : 100'000)) {  // _batched_nms_vanilla
    at::Tensor keep_mask = at::zeros_like(scores, at::kBool);
    for (const at::Tensor& class_id : std::get<0>(at::_unique(idxs)).unbind()) {
      const at::Tensor curr = at::where(idxs == class_id)[0];
      const at::Tensor kept = nms(boxes.index({curr}), scores.index({curr}), iou);
      keep_mask.index_put_({curr.index({kept})}, true);
    }
    const at::Tensor keep = at::where(keep_mask)[0];
    return keep.index({std::get<1>(scores.index({keep}).sort(/*dim=*/-1, /*descending=*/true))});
  }
  // _batched_nms_coordinate_trick
  if (boxes.numel() == 0) return at::empty({0}, boxes.options().dtype(at::kLong));
  const at::Tensor max_coordinate = boxes.max();
  const at::Tensor offsets = idxs.to(boxes) * (max_coordinate + at::scalar_tensor(1, at::kLong).to(boxes));
  return nms(boxes + offsets.unsqueeze(1), scores, iou);
}

at::Tensor decode_single(const at::Tensor& rel_codes, const at::Tensor& anchors, const std::array<double, 4>& weights,
                         double clip) {
  const at::Tensor boxes = anchors.to(rel_codes.scalar_type());
  const at::Tensor widths = boxes.select(1, 2) - boxes.select(1, 0);
  const at::Tensor heights = boxes.select(1, 3) - boxes.select(1, 1);
  const at::Tensor ctr_x = boxes.select(1, 0) + 0.5 * widths;
  const at::Tensor ctr_y = boxes.select(1, 1) + 0.5 * heights;
  const at::Tensor dx = rel_codes.index({Slice(), Slice(0, None, 4)}) / weights[0];
  const at::Tensor dy = rel_codes.index({Slice(), Slice(1, None, 4)}) / weights[1];
  const at::Tensor dw = at::clamp_max(rel_codes.index({Slice(), Slice(2, None, 4)}) / weights[2], clip);
  const at::Tensor dh = at::clamp_max(rel_codes.index({Slice(), Slice(3, None, 4)}) / weights[3], clip);
  const at::Tensor pred_ctr_x = dx * widths.unsqueeze(1) + ctr_x.unsqueeze(1);
  const at::Tensor pred_ctr_y = dy * heights.unsqueeze(1) + ctr_y.unsqueeze(1);
  const at::Tensor pred_w = at::exp(dw) * widths.unsqueeze(1);
  const at::Tensor pred_h = at::exp(dh) * heights.unsqueeze(1);
  const at::Tensor c_to_c_h = at::scalar_tensor(0.5, pred_ctr_y.options()) * pred_h;
  const at::Tensor c_to_c_w = at::scalar_tensor(0.5, pred_ctr_x.options()) * pred_w;
  return at::stack({pred_ctr_x - c_to_c_w, pred_ctr_y - c_to_c_h, pred_ctr_x + c_to_c_w, pred_ctr_y + c_to_c_h}, 2)
      .flatten(1);
}

at::Tensor resize_boxes(const at::Tensor& boxes, const std::array<std::int64_t, 2>& from,
                        const std::array<std::int64_t, 2>& to) {
  const auto ratio = [&](int i) {
    return at::scalar_tensor(static_cast<double>(to[i]), boxes.options().dtype(at::kFloat)) /
           at::scalar_tensor(static_cast<double>(from[i]), boxes.options().dtype(at::kFloat));
  };
  const at::Tensor ratio_height = ratio(0), ratio_width = ratio(1);
  const auto parts = boxes.unbind(1);
  return at::stack({parts[0] * ratio_width, parts[1] * ratio_height, parts[2] * ratio_width, parts[3] * ratio_height},
                   1);
}

}  // namespace ds::host::libtorch
