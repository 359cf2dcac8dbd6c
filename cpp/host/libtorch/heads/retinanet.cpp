// RetinaNet (torchvision.models.detection.retinanet): per-class sigmoid scores; boxes from
// BoxCoder.decode_single (centre offsets and log sizes, weighted, the sizes clipped).
#include "host/libtorch/heads/box_ops.hpp"
#include "host/libtorch/heads/level_topk.hpp"
#include "host/libtorch/heads/registry.hpp"

namespace ds::host::libtorch {
namespace {

class RetinaNet final : public LevelTopK {
 public:
  RetinaNet(const HeadConfig& c, const std::string& where)
      : LevelTopK(c, where), weights_(c.box_coder_weights), clip_(c.bbox_xform_clip) {}
  std::vector<std::string> outputs() const override { return {"cls_logits", "bbox_regression"}; }

 private:
  at::Tensor scores(const std::vector<at::Tensor>& level) const override { return at::sigmoid(level[0]); }
  at::Tensor decode(const at::Tensor& regression, const at::Tensor& anchors) const override {
    return decode_single(regression, anchors, weights_, clip_);
  }

  std::array<double, 4> weights_;
  double clip_;
};

}  // namespace

std::unique_ptr<DenseHead> make_retinanet(const HeadConfig& c, const std::string& where) {
  return std::make_unique<RetinaNet>(c, where);
}

}  // namespace ds::host::libtorch
