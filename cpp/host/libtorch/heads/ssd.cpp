// SSD and SSDlite (torchvision.models.detection.ssd / ssdlite): DefaultBoxGenerator's boxes,
// softmax scores with class 0 the background, every anchor's box decoded (BoxCoder, weights
// 10, 10, 5, 5), then per class a score threshold and top-k.
#include <cmath>

#include "core/util/error.hpp"
#include "host/libtorch/heads/box_ops.hpp"
#include "host/libtorch/heads/dense_head.hpp"
#include "host/libtorch/heads/registry.hpp"

namespace ds::host::libtorch {
namespace {

using at::indexing::None;
using at::indexing::Slice;

class Ssd final : public DenseHead {
 public:
  Ssd(const HeadConfig& c, const std::string& where)
      : steps_(c.steps),
        clip_(c.clip),
        score_thresh_(c.score_thresh),
        topk_candidates_(c.topk_candidates),
        weights_(c.box_coder_weights),
        xform_clip_(c.bbox_xform_clip) {
    const std::size_t levels = c.aspect_ratios.size();
    if (c.scales.size() != levels + 1)
      throw Error(where + ".scales: an ssd head needs " + std::to_string(levels + 1) +
                  " scales (one per level of aspect_ratios, and one more)");
    if (!steps_.empty() && steps_.size() != levels)
      throw Error(where + ".steps: has " + std::to_string(steps_.size()) + " levels, aspect_ratios has " +
                  std::to_string(levels));
    // DefaultBoxGenerator._generate_wh_pairs, in double as Python computes it, then float32.
    for (std::size_t k = 0; k < levels; ++k) {
      const double s_k = c.scales[k], s_prime_k = std::sqrt(c.scales[k] * c.scales[k + 1]);
      std::vector<double> pairs{s_k, s_k, s_prime_k, s_prime_k};
      for (const double ar : c.aspect_ratios[k]) {
        const double sq_ar = std::sqrt(ar), w = c.scales[k] * sq_ar, h = c.scales[k] / sq_ar;
        pairs.insert(pairs.end(), {w, h, h, w});
      }
      wh_pairs_.push_back(at::tensor(pairs, at::kFloat).view({-1, 2}));
    }
  }

  // The regression first: one_stage checks it has 4 values per anchor.
  std::vector<std::string> outputs() const override { return {"cls_logits", "bbox_regression"}; }
  std::int64_t anchors_per_position(std::size_t level) const override { return wh_pairs_.at(level).size(0); }

  // DefaultBoxGenerator.forward, one level at a time (its rows are independent).
  std::vector<at::Tensor> anchors(const Grid& padded, const std::vector<Grid>& grids,
                                  const at::TensorOptions& options) const override {
    const at::Tensor x_y_size = at::tensor(std::vector<std::int64_t>{padded[1], padded[0]}, options.dtype(at::kLong));
    std::vector<at::Tensor> out;
    for (std::size_t k = 0; k < grids.size(); ++k) {
      const auto [gh, gw] = grids[k];
      const auto long_options = options.dtype(at::kLong);
      at::Tensor shifts_x = at::arange(0, gw, long_options) + 0.5;
      at::Tensor shifts_y = at::arange(0, gh, long_options) + 0.5;
      if (steps_.empty()) {
        shifts_x = shifts_x / gw;
        shifts_y = shifts_y / gh;
      } else {
        shifts_x = shifts_x / (static_cast<double>(padded[1]) / steps_[k]);
        shifts_y = shifts_y / (static_cast<double>(padded[0]) / steps_[k]);
      }
      const auto grid = at::meshgrid({shifts_y.to(at::kFloat), shifts_x.to(at::kFloat)}, "ij");
      const at::Tensor shift_x = grid[1].reshape(-1), shift_y = grid[0].reshape(-1);
      const std::int64_t a = wh_pairs_[k].size(0);
      std::vector<at::Tensor> repeated;
      for (std::int64_t i = 0; i < a; ++i) repeated.insert(repeated.end(), {shift_x, shift_y});
      const at::Tensor shifts = at::stack(repeated, -1).reshape({-1, 2});
      const at::Tensor wh = (clip_ ? wh_pairs_[k].clamp(0, 1) : wh_pairs_[k]).to(options.dtype(at::kFloat));
      const at::Tensor box = at::cat({shifts, wh.repeat({gh * gw, 1})}, 1);
      const at::Tensor centre = box.index({Slice(), Slice(None, 2)}), size = box.index({Slice(), Slice(2, None)});
      out.push_back(at::cat({(centre - 0.5 * size) * x_y_size, (centre + 0.5 * size) * x_y_size}, -1));
    }
    return out;
  }

  // SSD.postprocess_detections, before its NMS.
  Detections candidates(const std::vector<std::vector<at::Tensor>>& levels, const std::vector<at::Tensor>& anchors,
                        const Grid& image) const override {
    std::vector<at::Tensor> logits, regression;
    for (const auto& level : levels) {
      logits.push_back(level[0]);
      regression.push_back(level[1]);
    }
    const at::Tensor scores = at::softmax(at::cat(logits), -1);
    const at::Tensor boxes =
        clip_boxes(decode_single(at::cat(regression), at::cat(anchors), weights_, xform_clip_), image[0], image[1]);
    std::vector<at::Tensor> image_boxes, image_scores, image_labels;
    for (std::int64_t label = 1; label < scores.size(-1); ++label) {
      const at::Tensor score = scores.select(1, label);
      const at::Tensor keep = score > score_thresh_;
      const at::Tensor kept = score.index({keep});
      auto [top, idxs] = kept.topk(std::min(topk_candidates_, kept.size(0)));
      image_boxes.push_back(boxes.index({keep}).index({idxs}));
      image_labels.push_back(at::full_like(top, label, top.options().dtype(at::kLong)));
      image_scores.push_back(top);
    }
    return {at::cat(image_boxes), at::cat(image_scores), at::cat(image_labels)};
  }

 private:
  std::vector<at::Tensor> wh_pairs_;  // per level, [A, 2] relative (w, h), float32
  std::vector<int> steps_;
  bool clip_;
  double score_thresh_;
  std::int64_t topk_candidates_;
  std::array<double, 4> weights_;
  double xform_clip_;
};

}  // namespace

std::unique_ptr<DenseHead> make_ssd(const HeadConfig& c, const std::string& where) {
  return std::make_unique<Ssd>(c, where);
}

}  // namespace ds::host::libtorch
