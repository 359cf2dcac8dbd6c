#pragma once
// torchvision's box operations, op for op (the order of float operations is the result's):
// ops.boxes.clip_boxes_to_image, ops.batched_nms, _utils.BoxCoder.decode_single and
// transform.resize_boxes.
#include <ATen/ATen.h>

#include <array>

namespace ds::host::libtorch {

at::Tensor clip_boxes(const at::Tensor& boxes, std::int64_t height, std::int64_t width);

// Per-class NMS with torchvision::nms, by the strategy torchvision picks for the box count.
at::Tensor batched_nms(const at::Tensor& boxes, const at::Tensor& scores, const at::Tensor& idxs, double iou);

// Centre offsets and log sizes relative to `anchors` (xyxy), divided by `weights`, the log
// sizes clipped at `clip`.
at::Tensor decode_single(const at::Tensor& rel_codes, const at::Tensor& anchors, const std::array<double, 4>& weights,
                         double clip);

// From a (height, width) image to another.
at::Tensor resize_boxes(const at::Tensor& boxes, const std::array<std::int64_t, 2>& from,
                        const std::array<std::int64_t, 2>& to);

}  // namespace ds::host::libtorch
