#pragma once
// One-stage torchvision detectors whose network alone is an AOTInductor package (model.head).
// one_stage.cpp does what every such detector does around its network (transform, NMS, boxes
// back to the image); a DenseHead is what differs between architectures: the anchors, and how
// one image's outputs become candidate boxes. A new architecture is one file here plus one
// line in registry.cpp (and its outputs in python_modules/exported_body.py).
#include <ATen/ATen.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "host/libtorch/config.hpp"

namespace ds::host::libtorch {

struct Detections {
  at::Tensor boxes, scores, labels;
};

using Grid = std::array<std::int64_t, 2>;  // a feature level's (height, width)

class DenseHead {
 public:
  virtual ~DenseHead() = default;
  // The network's outputs, in this order (the exporter writes them so): for each name, one
  // [N, H, W, A * K] tensor per feature level.
  virtual std::vector<std::string> outputs() const = 0;
  // A, per level: the anchors at each position.
  virtual std::int64_t anchors_per_position(std::size_t level) const = 0;
  // Each level's anchors, [H * W * A, 4] xyxy in the padded batch's pixels.
  virtual std::vector<at::Tensor> anchors(const Grid& padded, const std::vector<Grid>& grids,
                                          const at::TensorOptions& options) const = 0;
  // One image's candidates before NMS. levels[l][k]: output k at level l as [H * W * A, K];
  // boxes clipped to `image` (its resized height, width).
  virtual Detections candidates(const std::vector<std::vector<at::Tensor>>& levels,
                                const std::vector<at::Tensor>& anchors, const Grid& image) const = 0;
};

// heads/registry.cpp. Throws ds::Error "<where>: unknown kind ... (known: ...)".
std::unique_ptr<DenseHead> make_dense_head(const HeadConfig& config, const std::string& where);

}  // namespace ds::host::libtorch
