#pragma once
// A reduced decode of a huge image (Frame::stored set): the model's boxes, keypoints and masks
// scaled back to the stored image's pixels, which every sink and file speaks.
#include <cstddef>

#include "pipeline/transform.hpp"

namespace ds::pipeline {

class RescaleToStored final : public Transform {
 public:
  std::string_view stage() const override { return "post"; }
  void apply(const Frame& frame, std::vector<host::RawDetection>& detections) override;
  std::size_t frames_rescaled() const { return count_; }

 private:
  std::size_t count_ = 0;
};

}  // namespace ds::pipeline
