#include "pipeline/transforms/rescale.hpp"

#include <opencv2/imgproc.hpp>

#include "core/mask/rle.hpp"
#include "core/mask/segmentation.hpp"

namespace ds::pipeline {
namespace {

// A mask found on a reduced decode, at the stored image's size (nearest pixel).
std::shared_ptr<const mask::Segmentation> scaled_mask(const mask::Rle& rle, cv::Size stored) {
  const std::vector<std::uint8_t> column_major = mask::decode(rle);
  // Column-major h x w is row-major w x h: resize the transposed picture, read it back as it is.
  const cv::Mat transposed(static_cast<int>(rle.w), static_cast<int>(rle.h), CV_8U, const_cast<std::uint8_t*>(column_major.data()));
  cv::Mat resized;
  cv::resize(transposed, resized, cv::Size(stored.height, stored.width), 0, 0, cv::INTER_NEAREST);
  auto s = std::make_shared<mask::Segmentation>();
  s->rle = mask::encode({resized.data, resized.total()}, static_cast<std::uint32_t>(stored.height),
                        static_cast<std::uint32_t>(stored.width));
  return s;
}

}  // namespace

void RescaleToStored::apply(const Frame& f, std::vector<host::RawDetection>& detections) {
  if (f.stored.empty() || f.pixels.empty()) return;
  ++count_;
  const float sx = static_cast<float>(f.stored.width) / static_cast<float>(f.pixels.cols);
  const float sy = static_cast<float>(f.stored.height) / static_cast<float>(f.pixels.rows);
  for (host::RawDetection& d : detections) {
    d.x1 *= sx, d.x2 *= sx;
    d.y1 *= sy, d.y2 *= sy;
    if (d.mask && d.mask->rle) d.mask = scaled_mask(*d.mask->rle, f.stored);
  }
}

}  // namespace ds::pipeline
