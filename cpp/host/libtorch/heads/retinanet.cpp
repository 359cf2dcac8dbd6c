// RetinaNet (torchvision.models.detection.retinanet): per-class sigmoid scores; boxes from
// BoxCoder.decode_single (centre offsets and log sizes, weighted, the sizes clipped).
#include <ATen/ATen.h>

#include "host/libtorch/heads/dense_head.hpp"
#include "host/libtorch/heads/registry.hpp"

namespace ds::host::libtorch {
namespace {

class RetinaNet final : public DenseHead {
 public:
  explicit RetinaNet(const HeadConfig& c) : weights_(c.box_coder_weights), clip_(c.bbox_xform_clip) {}

  std::vector<std::string> outputs() const override { return {"cls_logits", "bbox_regression"}; }

  at::Tensor scores(std::span<const at::Tensor> level) const override { return at::sigmoid(level[0]); }

  // BoxCoder.decode_single, op for op (the ops' order decides the float rounding).
  at::Tensor decode(const at::Tensor& rel_codes, const at::Tensor& anchors) const override {
    using at::indexing::None;
    using at::indexing::Slice;
    const at::Tensor boxes = anchors.to(rel_codes.scalar_type());
    const at::Tensor widths = boxes.select(1, 2) - boxes.select(1, 0);
    const at::Tensor heights = boxes.select(1, 3) - boxes.select(1, 1);
    const at::Tensor ctr_x = boxes.select(1, 0) + 0.5 * widths;
    const at::Tensor ctr_y = boxes.select(1, 1) + 0.5 * heights;
    const at::Tensor dx = rel_codes.index({Slice(), Slice(0, None, 4)}) / weights_[0];
    const at::Tensor dy = rel_codes.index({Slice(), Slice(1, None, 4)}) / weights_[1];
    const at::Tensor dw = at::clamp_max(rel_codes.index({Slice(), Slice(2, None, 4)}) / weights_[2], clip_);
    const at::Tensor dh = at::clamp_max(rel_codes.index({Slice(), Slice(3, None, 4)}) / weights_[3], clip_);
    const at::Tensor pred_ctr_x = dx * widths.unsqueeze(1) + ctr_x.unsqueeze(1);
    const at::Tensor pred_ctr_y = dy * heights.unsqueeze(1) + ctr_y.unsqueeze(1);
    const at::Tensor pred_w = at::exp(dw) * widths.unsqueeze(1);
    const at::Tensor pred_h = at::exp(dh) * heights.unsqueeze(1);
    const at::Tensor c_to_c_h = at::scalar_tensor(0.5, pred_ctr_y.options()) * pred_h;
    const at::Tensor c_to_c_w = at::scalar_tensor(0.5, pred_ctr_x.options()) * pred_w;
    return at::stack({pred_ctr_x - c_to_c_w, pred_ctr_y - c_to_c_h, pred_ctr_x + c_to_c_w, pred_ctr_y + c_to_c_h}, 2)
        .flatten(1);
  }

 private:
  std::array<double, 4> weights_;
  double clip_;
};

}  // namespace

std::unique_ptr<DenseHead> make_retinanet(const HeadConfig& c) { return std::make_unique<RetinaNet>(c); }

}  // namespace ds::host::libtorch
