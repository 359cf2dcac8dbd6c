#include "host/libtorch/heads/one_stage.hpp"

#include <algorithm>
#include <cmath>

#include "core/util/error.hpp"
#include "host/libtorch/heads/box_ops.hpp"

namespace ds::host::libtorch {
namespace {

using at::indexing::Slice;

}  // namespace

OneStageDetector::OneStageDetector(HeadConfig config, std::string where)
    : config_(std::move(config)), where_(std::move(where)), head_(make_dense_head(config_, where_)) {}

// GeneralizedRCNNTransform in eval mode: normalize, then resize (_resize_image_and_masks: to
// fixed_size, or by a scale computed in double as eager Python does), then batch_images.
OneStageDetector::Batch OneStageDetector::transform(const std::vector<at::Tensor>& images) const {
  Batch batch;
  std::vector<at::Tensor> resized;
  Grid largest{0, 0};
  const auto options = images.front().options();
  const at::Tensor mean =
      at::tensor(std::vector<double>(config_.image_mean.begin(), config_.image_mean.end()), options).view({3, 1, 1});
  const at::Tensor std =
      at::tensor(std::vector<double>(config_.image_std.begin(), config_.image_std.end()), options).view({3, 1, 1});
  for (const at::Tensor& image : images) {
    const auto h = image.size(-2), w = image.size(-1);
    batch.original.push_back({h, w});
    const at::Tensor normalised = (image - mean) / std;
    std::vector<std::int64_t> size;
    if (config_.fixed_size) {
      size = {(*config_.fixed_size)[1], (*config_.fixed_size)[0]};  // fixed_size is (width, height)
    } else {
      // interpolate(scale_factor=scale, recompute_scale_factor=True): the size is floor(side *
      // scale) and the kernel then works from the sizes alone.
      const double min_side = static_cast<double>(std::min(h, w)), max_side = static_cast<double>(std::max(h, w));
      const double scale = std::min(config_.min_size / min_side, config_.max_size / max_side);
      size = {static_cast<std::int64_t>(std::floor(static_cast<double>(h) * scale)),
              static_cast<std::int64_t>(std::floor(static_cast<double>(w) * scale))};
    }
    at::Tensor r = at::upsample_bilinear2d(normalised.unsqueeze(0), size, /*align_corners=*/false).squeeze(0);
    batch.resized.push_back({r.size(1), r.size(2)});
    largest = {std::max(largest[0], r.size(1)), std::max(largest[1], r.size(2))};
    resized.push_back(std::move(r));
  }
  const double stride = config_.size_divisible;
  const auto padded = [&](std::int64_t side) {
    return static_cast<std::int64_t>(std::ceil(static_cast<double>(side) / stride) * stride);
  };
  batch.images = at::zeros({static_cast<std::int64_t>(images.size()), 3, padded(largest[0]), padded(largest[1])},
                           options);
  for (std::size_t i = 0; i < resized.size(); ++i)
    batch.images[static_cast<std::int64_t>(i)]
        .index({Slice(), Slice(0, resized[i].size(1)), Slice(0, resized[i].size(2))})
        .copy_(resized[i]);
  return batch;
}

std::vector<Detections> OneStageDetector::postprocess(const std::vector<at::Tensor>& outputs,
                                                      const Batch& batch) const {
  const std::vector<std::string> names = head_->outputs();
  const std::size_t levels = config_.aspect_ratios.size();
  if (outputs.size() != levels * names.size())
    throw Error(where_ + ": the network returned " + std::to_string(outputs.size()) + " tensors; a " + config_.kind +
                " head with " + std::to_string(levels) + " levels (aspect_ratios) returns " +
                std::to_string(levels * names.size()) + " (" + std::to_string(names.size()) + " per level)");
  std::vector<Grid> grids;
  for (std::size_t l = 0; l < levels; ++l) grids.push_back({outputs[l].size(1), outputs[l].size(2)});
  for (std::size_t k = 0; k < names.size(); ++k)
    for (std::size_t l = 0; l < levels; ++l) {
      const at::Tensor& t = outputs[k * levels + l];
      const std::int64_t a = head_->anchors_per_position(l);
      // The box regression has 4 values per anchor, so it tells the network's anchor count.
      if (t.dim() != 4 || t.size(0) != batch.images.size(0) || t.size(1) != grids[l][0] ||
          t.size(2) != grids[l][1] || t.size(3) % a != 0 || (names[k] == "bbox_regression" && t.size(3) != 4 * a))
        throw Error(where_ + ": the network's " + names[k] + " at level " + std::to_string(l) + " has shape " +
                    c10::str(t.sizes()) + ", which does not fit " + std::to_string(a) +
                    " anchors per position (anchor_sizes, aspect_ratios) on a batch of " +
                    std::to_string(batch.images.size(0)));
    }
  const at::Tensor& padded = batch.images;
  const std::vector<at::Tensor> anchors = head_->anchors({padded.size(-2), padded.size(-1)}, grids, padded.options());
  std::vector<Detections> detections;
  for (std::int64_t index = 0; index < padded.size(0); ++index) {
    const auto i = static_cast<std::size_t>(index);
    std::vector<std::vector<at::Tensor>> per_level(levels);  // [H * W * A, K] each
    for (std::size_t l = 0; l < levels; ++l)
      for (std::size_t k = 0; k < names.size(); ++k)
        per_level[l].push_back(outputs[k * levels + l][index].reshape({anchors[l].size(0), -1}));
    const Detections c = head_->candidates(per_level, anchors, batch.resized[i]);
    const at::Tensor keep = batched_nms(c.boxes, c.scores, c.labels, config_.nms_thresh)
                                .slice(0, 0, config_.detections_per_img);
    detections.push_back({resize_boxes(c.boxes.index({keep}), batch.resized[i], batch.original[i]),
                          c.scores.index({keep}), c.labels.index({keep})});
  }
  return detections;
}

}  // namespace ds::host::libtorch
