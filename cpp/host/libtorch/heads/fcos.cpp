// FCOS (torchvision.models.detection.fcos): scores are sqrt(sigmoid(class) * sigmoid(centerness));
// boxes are distances from the anchor's centre, in anchor sizes (BoxLinearCoder, normalised).
#include "host/libtorch/heads/level_topk.hpp"
#include "host/libtorch/heads/registry.hpp"

namespace ds::host::libtorch {
namespace {

class Fcos final : public LevelTopK {
 public:
  using LevelTopK::LevelTopK;
  std::vector<std::string> outputs() const override { return {"cls_logits", "bbox_regression", "bbox_ctrness"}; }

 private:
  at::Tensor scores(const std::vector<at::Tensor>& level) const override {
    return at::sqrt(at::sigmoid(level[0]) * at::sigmoid(level[2]));
  }

  // BoxLinearCoder(normalize_by_size=True).decode, op for op.
  at::Tensor decode(const at::Tensor& regression, const at::Tensor& anchors) const override {
    const at::Tensor boxes = anchors.to(regression.scalar_type());
    const at::Tensor x0 = boxes.select(-1, 0), y0 = boxes.select(-1, 1), x1 = boxes.select(-1, 2),
                     y1 = boxes.select(-1, 3);
    const at::Tensor ctr_x = 0.5 * (x0 + x1), ctr_y = 0.5 * (y0 + y1);
    const at::Tensor w = x1 - x0, h = y1 - y0;
    const at::Tensor rel = regression * at::stack({w, h, w, h}, -1);
    return at::stack({ctr_x - rel.select(-1, 0), ctr_y - rel.select(-1, 1), ctr_x + rel.select(-1, 2),
                      ctr_y + rel.select(-1, 3)},
                     -1);
  }
};

}  // namespace

std::unique_ptr<DenseHead> make_fcos(const HeadConfig& c, const std::string& where) {
  return std::make_unique<Fcos>(c, where);
}

}  // namespace ds::host::libtorch
