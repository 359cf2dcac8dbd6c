#include "host/libtorch/heads/one_stage.hpp"

#include <ATen/core/dispatch/Dispatcher.h>

#include <algorithm>
#include <cmath>

#include "core/util/error.hpp"

namespace ds::host::libtorch {
namespace {

using at::indexing::Slice;

// AnchorGenerator.generate_anchors: zero-centred anchors of each size and aspect ratio, rounded.
at::Tensor cell_anchors(const std::vector<int>& sizes, const std::vector<double>& ratios) {
  const at::Tensor scales = at::tensor(std::vector<float>(sizes.begin(), sizes.end()));
  const at::Tensor aspect = at::tensor(std::vector<float>(ratios.begin(), ratios.end()));
  const at::Tensor h_ratios = at::sqrt(aspect);
  const at::Tensor w_ratios = 1 / h_ratios;
  const at::Tensor ws = (w_ratios.unsqueeze(1) * scales.unsqueeze(0)).view(-1);
  const at::Tensor hs = (h_ratios.unsqueeze(1) * scales.unsqueeze(0)).view(-1);
  return (at::stack({-ws, -hs, ws, hs}, 1) / 2).round();
}

// torchvision::nms, registered by torchvision's operator library (ops_library.cpp).
at::Tensor nms(const at::Tensor& boxes, const at::Tensor& scores, double iou_threshold) {
  static const auto op = c10::Dispatcher::singleton()
                             .findSchemaOrThrow("torchvision::nms", "")
                             .typed<at::Tensor(const at::Tensor&, const at::Tensor&, double)>();
  return op.call(boxes, scores, iou_threshold);
}

// torchvision.ops.batched_nms: per-class NMS, with its two strategies chosen as it does.
at::Tensor batched_nms(const at::Tensor& boxes, const at::Tensor& scores, const at::Tensor& idxs, double iou) {
  if (boxes.numel() > (boxes.is_cpu() ? 4000 : 100'000)) {
    at::Tensor keep_mask = at::zeros_like(scores, at::kBool);
    for (const at::Tensor& class_id : std::get<0>(at::_unique(idxs)).unbind()) {
      const at::Tensor curr = at::where(idxs == class_id)[0];
      const at::Tensor kept = nms(boxes.index({curr}), scores.index({curr}), iou);
      keep_mask.index_put_({curr.index({kept})}, true);
    }
    const at::Tensor keep = at::where(keep_mask)[0];
    return keep.index({std::get<1>(scores.index({keep}).sort(/*dim=*/-1, /*descending=*/true))});
  }
  if (boxes.numel() == 0) return at::empty({0}, boxes.options().dtype(at::kLong));
  const at::Tensor max_coordinate = boxes.max();
  const at::Tensor offsets = idxs.to(boxes) * (max_coordinate + at::scalar_tensor(1, at::kLong).to(boxes));
  return nms(boxes + offsets.unsqueeze(1), scores, iou);
}

// ops.boxes.clip_boxes_to_image
at::Tensor clip(const at::Tensor& boxes, std::int64_t height, std::int64_t width) {
  const at::Tensor x = boxes.index({"...", Slice(0, at::indexing::None, 2)}).clamp(0, width);
  const at::Tensor y = boxes.index({"...", Slice(1, at::indexing::None, 2)}).clamp(0, height);
  return at::stack({x, y}, boxes.dim()).reshape(boxes.sizes());
}

// transform.resize_boxes: from the resized image back to the original.
at::Tensor resize_boxes(const at::Tensor& boxes, const std::array<std::int64_t, 2>& from,
                        const std::array<std::int64_t, 2>& to) {
  const auto ratio = [&](int i) {
    return at::scalar_tensor(static_cast<double>(to[i]), boxes.options().dtype(at::kFloat)) /
           at::scalar_tensor(static_cast<double>(from[i]), boxes.options().dtype(at::kFloat));
  };
  const at::Tensor ratio_height = ratio(0), ratio_width = ratio(1);
  const auto parts = boxes.unbind(1);
  return at::stack({parts[0] * ratio_width, parts[1] * ratio_height, parts[2] * ratio_width, parts[3] * ratio_height},
                   1);
}

}  // namespace

OneStageDetector::OneStageDetector(HeadConfig config, std::string where)
    : config_(std::move(config)), where_(std::move(where)), head_(make_dense_head(config_, where_ + ".kind")) {
  for (std::size_t l = 0; l < config_.anchor_sizes.size(); ++l)
    cell_anchors_.push_back(cell_anchors(config_.anchor_sizes[l], config_.aspect_ratios[l]));
}

// GeneralizedRCNNTransform in eval mode: normalize, then resize (_resize_image_and_masks, the
// scale computed in double as eager Python does), then batch_images.
OneStageDetector::Batch OneStageDetector::transform(const std::vector<at::Tensor>& images) const {
  Batch batch;
  std::vector<at::Tensor> resized;
  std::array<std::int64_t, 2> largest{0, 0};
  for (const at::Tensor& image : images) {
    const auto h = image.size(-2), w = image.size(-1);
    batch.original.push_back({h, w});
    const at::Tensor mean = at::tensor(std::vector<double>(config_.image_mean.begin(), config_.image_mean.end()),
                                       image.options());
    const at::Tensor std = at::tensor(std::vector<double>(config_.image_std.begin(), config_.image_std.end()),
                                      image.options());
    const at::Tensor normalised = (image - mean.view({3, 1, 1})) / std.view({3, 1, 1});
    const double min_side = static_cast<double>(std::min(h, w)), max_side = static_cast<double>(std::max(h, w));
    const double scale = std::min(config_.min_size / min_side, config_.max_size / max_side);
    // interpolate(scale_factor=scale, recompute_scale_factor=True): the size is floor(side *
    // scale) and the kernel then works from the sizes alone.
    const std::vector<std::int64_t> size{static_cast<std::int64_t>(std::floor(static_cast<double>(h) * scale)),
                                         static_cast<std::int64_t>(std::floor(static_cast<double>(w) * scale))};
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
                           images.front().options());
  for (std::size_t i = 0; i < resized.size(); ++i)
    batch.images[static_cast<std::int64_t>(i)]
        .index({Slice(), Slice(0, resized[i].size(1)), Slice(0, resized[i].size(2))})
        .copy_(resized[i]);
  return batch;
}

// AnchorGenerator.forward: one grid of anchors per level, the same for every image.
std::vector<at::Tensor> OneStageDetector::anchors(const at::Tensor& padded,
                                                  const std::vector<std::array<std::int64_t, 2>>& grids) const {
  std::vector<at::Tensor> out;
  const auto int32 = padded.options().dtype(at::kInt);
  for (std::size_t l = 0; l < grids.size(); ++l) {
    const auto [gh, gw] = grids[l];
    const std::int64_t stride_h = padded.size(-2) / gh, stride_w = padded.size(-1) / gw;
    const at::Tensor base = cell_anchors_[l].to(padded.options().dtype(at::kFloat));
    const at::Tensor shifts_x = at::arange(0, gw, int32) * at::scalar_tensor(stride_w, padded.options().dtype(at::kLong));
    const at::Tensor shifts_y = at::arange(0, gh, int32) * at::scalar_tensor(stride_h, padded.options().dtype(at::kLong));
    const auto grid = at::meshgrid({shifts_y, shifts_x}, "ij");
    const at::Tensor shift_x = grid[1].reshape(-1), shift_y = grid[0].reshape(-1);
    const at::Tensor shifts = at::stack({shift_x, shift_y, shift_x, shift_y}, 1);
    out.push_back((shifts.view({-1, 1, 4}) + base.view({1, -1, 4})).reshape({-1, 4}));
  }
  return out;
}

std::vector<Detections> OneStageDetector::postprocess(const std::vector<at::Tensor>& outputs,
                                                      const Batch& batch) const {
  const std::size_t levels = config_.anchor_sizes.size(), names = head_->outputs().size();
  if (outputs.size() != levels * names)
    throw Error(where_ + ": the network returned " + std::to_string(outputs.size()) + " tensors; a " + config_.kind +
                " head with " + std::to_string(levels) + " levels (anchor_sizes) returns " +
                std::to_string(levels * names) + " (" + std::to_string(names) + " per level)");
  std::vector<std::array<std::int64_t, 2>> grids;
  for (std::size_t l = 0; l < levels; ++l) {
    const at::Tensor& t = outputs[l];
    if (t.dim() != 4 || t.size(0) != batch.images.size(0))
      throw Error(where_ + ": the network's output " + std::to_string(l) +
                  " is not [N, H, W, A * K] for this batch (is this package an `export --to aoti` of a " +
                  config_.kind + "?)");
    grids.push_back({t.size(1), t.size(2)});
  }
  const std::vector<at::Tensor> level_anchors = anchors(batch.images, grids);
  std::vector<Detections> detections;
  for (std::int64_t index = 0; index < batch.images.size(0); ++index) {
    const auto [height, width] = batch.resized[static_cast<std::size_t>(index)];
    std::vector<at::Tensor> image_boxes, image_scores, image_labels;
    for (std::size_t l = 0; l < levels; ++l) {
      const std::int64_t anchors_here = level_anchors[l].size(0);
      std::vector<at::Tensor> level;  // [H * W * A, K] each
      for (std::size_t k = 0; k < names; ++k) {
        const at::Tensor& t = outputs[k * levels + l];
        const std::int64_t per_position = cell_anchors_[l].size(0);
        // The box regression has 4 values per anchor, so it tells the network's anchor count.
        if (t.dim() != 4 || t.size(1) != grids[l][0] || t.size(2) != grids[l][1] || t.size(3) % per_position != 0 ||
            (k == 1 && t.size(3) != 4 * per_position))
          throw Error(where_ + ": the network's " + head_->outputs()[k] + " at level " + std::to_string(l) +
                      " has shape " + c10::str(t.sizes()) + ", which does not fit " + std::to_string(per_position) +
                      " anchors per position (anchor_sizes x aspect_ratios)");
        level.push_back(t[index].reshape({anchors_here, -1}));
      }
      const at::Tensor scores_all = head_->scores(level).flatten();
      const std::int64_t num_classes = level[0].size(1);
      const at::Tensor keep = scores_all > config_.score_thresh;
      at::Tensor scores = scores_all.index({keep});
      at::Tensor topk_idxs = at::where(keep)[0];
      const std::int64_t k = std::min<std::int64_t>(config_.topk_candidates, topk_idxs.size(0));
      auto [top_scores, idxs] = scores.topk(k);
      topk_idxs = topk_idxs.index({idxs});
      const at::Tensor anchor_idxs = at::div(topk_idxs, num_classes, "floor");
      const at::Tensor labels = topk_idxs.remainder(num_classes);
      const at::Tensor boxes = head_->decode(level[1].index({anchor_idxs}), level_anchors[l].index({anchor_idxs}));
      image_boxes.push_back(clip(boxes, height, width));
      image_scores.push_back(top_scores);
      image_labels.push_back(labels);
    }
    const at::Tensor boxes = at::cat(image_boxes), scores = at::cat(image_scores), labels = at::cat(image_labels);
    const at::Tensor keep = batched_nms(boxes, scores, labels, config_.nms_thresh).slice(0, 0, config_.detections_per_img);
    detections.push_back({resize_boxes(boxes.index({keep}), batch.resized[static_cast<std::size_t>(index)],
                                       batch.original[static_cast<std::size_t>(index)]),
                          scores.index({keep}), labels.index({keep})});
  }
  return detections;
}

}  // namespace ds::host::libtorch
