#pragma once
// FCOS's and RetinaNet's shared shape: AnchorGenerator's anchors (anchor_sizes x aspect_ratios
// per position), and per level a score threshold and top-k over (anchor, class) pairs before the
// kept anchors' regressions are decoded. A subclass gives the scores and the decoding.
#include "host/libtorch/heads/dense_head.hpp"

namespace ds::host::libtorch {

class LevelTopK : public DenseHead {
 public:
  LevelTopK(const HeadConfig& config, const std::string& where);

  std::int64_t anchors_per_position(std::size_t level) const override { return cell_anchors_.at(level).size(0); }
  std::vector<at::Tensor> anchors(const Grid& padded, const std::vector<Grid>& grids,
                                  const at::TensorOptions& options) const override;
  Detections candidates(const std::vector<std::vector<at::Tensor>>& levels, const std::vector<at::Tensor>& anchors,
                        const Grid& image) const override;

 protected:
  // One level of one image (outputs() as [H * W * A, K]) -> scores [H * W * A, C].
  virtual at::Tensor scores(const std::vector<at::Tensor>& level) const = 0;
  // The kept anchors' regressions (outputs()[1] rows) [n, 4] -> boxes xyxy [n, 4].
  virtual at::Tensor decode(const at::Tensor& regression, const at::Tensor& anchors) const = 0;

 private:
  double score_thresh_;
  std::int64_t topk_candidates_;
  std::vector<at::Tensor> cell_anchors_;  // per level, [A, 4] float32, on the CPU
};

}  // namespace ds::host::libtorch
