#pragma once
// One-stage torchvision detectors whose network alone is an AOTInductor package (model.head):
// what differs between architectures is how a level's outputs become scores and how a
// regression becomes a box. The rest (transform, anchors, top-k, NMS) is one_stage.cpp's.
// A new architecture is one file here plus one line in registry.cpp.
#include <ATen/ATen.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "host/libtorch/config.hpp"

namespace ds::host::libtorch {

struct Detections {
  at::Tensor boxes, scores, labels;
};

class DenseHead {
 public:
  virtual ~DenseHead() = default;
  // The network's outputs per level, in this order (the exporter writes them so): for each
  // name, one [N, H, W, A * K] tensor per feature level.
  virtual std::vector<std::string> outputs() const = 0;
  // One image at one level: the outputs() tensors as [H * W * A, K] -> scores [H * W * A, C].
  virtual at::Tensor scores(std::span<const at::Tensor> level) const = 0;
  // The regression rows of the kept anchors [n, 4] (outputs()[1]) -> boxes xyxy [n, 4].
  virtual at::Tensor decode(const at::Tensor& regression, const at::Tensor& anchors) const = 0;
};

// heads/registry.cpp. Throws ds::Error "<where>: unknown kind ... (known: ...)".
std::unique_ptr<DenseHead> make_dense_head(const HeadConfig& config, const std::string& where);

}  // namespace ds::host::libtorch
