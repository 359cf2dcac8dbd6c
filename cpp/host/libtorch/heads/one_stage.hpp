#pragma once
// What torchvision's one-stage detectors do around their network, in C++ and op for op, so
// that an AOTInductor package of the network alone (model.head) gives the whole model's
// detections: GeneralizedRCNNTransform (normalise, resize, pad into a batch), the head's
// candidates (dense_head.hpp: anchors, scores, decoding, top-k), batched NMS, at most
// detections_per_img, and the boxes mapped back to the input images.
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "host/libtorch/config.hpp"
#include "host/libtorch/heads/dense_head.hpp"

namespace ds::host::libtorch {

class OneStageDetector {
 public:
  // `where` names the config's key in errors ("file: model.head").
  OneStageDetector(HeadConfig config, std::string where);

  struct Batch {
    at::Tensor images;           // [N, 3, H, W], padded
    std::vector<Grid> resized;   // each image's size in it
    std::vector<Grid> original;  // each image's size before resizing
  };
  // Images as pytorch_detect hands them to a model (RGB, [0, 1], 3xHxW float) -> the network's input.
  Batch transform(const std::vector<at::Tensor>& images) const;

  // The network's outputs for `batch` -> per image boxes (xyxy, in the original images'
  // pixels), scores and labels, best first, at most detections_per_img.
  std::vector<Detections> postprocess(const std::vector<at::Tensor>& outputs, const Batch& batch) const;

 private:
  HeadConfig config_;
  std::string where_;
  std::unique_ptr<DenseHead> head_;
};

}  // namespace ds::host::libtorch
