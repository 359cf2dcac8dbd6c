#include "host/libtorch/heads/level_topk.hpp"

#include "core/util/error.hpp"
#include "host/libtorch/heads/box_ops.hpp"

namespace ds::host::libtorch {
namespace {

// AnchorGenerator.generate_anchors: zero-centred anchors of each size and aspect ratio, rounded.
at::Tensor cell_anchors(const std::vector<int>& sizes, const std::vector<double>& ratios) {
  const at::Tensor scales = at::tensor(std::vector<float>(sizes.begin(), sizes.end()));
  const at::Tensor aspect = at::tensor(std::vector<double>(ratios.begin(), ratios.end()), at::kFloat);
  const at::Tensor h_ratios = at::sqrt(aspect);
  const at::Tensor w_ratios = 1 / h_ratios;
  const at::Tensor ws = (w_ratios.unsqueeze(1) * scales.unsqueeze(0)).view(-1);
  const at::Tensor hs = (h_ratios.unsqueeze(1) * scales.unsqueeze(0)).view(-1);
  return (at::stack({-ws, -hs, ws, hs}, 1) / 2).round();
}

}  // namespace

LevelTopK::LevelTopK(const HeadConfig& config, const std::string& where)
    : score_thresh_(config.score_thresh), topk_candidates_(config.topk_candidates) {
  if (config.anchor_sizes.empty())
    throw Error(where + ".anchor_sizes: a " + config.kind + " head needs the anchor sizes of each feature level");
  for (std::size_t l = 0; l < config.anchor_sizes.size(); ++l)
    cell_anchors_.push_back(cell_anchors(config.anchor_sizes[l], config.aspect_ratios.at(l)));
}

// AnchorGenerator.grid_anchors: the cell anchors at every position, the stride being the padded
// size over the grid's (integer division).
std::vector<at::Tensor> LevelTopK::anchors(const Grid& padded, const std::vector<Grid>& grids,
                                           const at::TensorOptions& options) const {
  std::vector<at::Tensor> out;
  for (std::size_t l = 0; l < grids.size(); ++l) {
    const auto [gh, gw] = grids[l];
    const at::Tensor stride_h = at::scalar_tensor(padded[0] / gh, options.dtype(at::kLong));
    const at::Tensor stride_w = at::scalar_tensor(padded[1] / gw, options.dtype(at::kLong));
    const at::Tensor shifts_x = at::arange(0, gw, options.dtype(at::kInt)) * stride_w;
    const at::Tensor shifts_y = at::arange(0, gh, options.dtype(at::kInt)) * stride_h;
    const auto grid = at::meshgrid({shifts_y, shifts_x}, "ij");
    const at::Tensor shift_x = grid[1].reshape(-1), shift_y = grid[0].reshape(-1);
    const at::Tensor shifts = at::stack({shift_x, shift_y, shift_x, shift_y}, 1);
    const at::Tensor base = cell_anchors_[l].to(options.dtype(at::kFloat));
    out.push_back((shifts.view({-1, 1, 4}) + base.view({1, -1, 4})).reshape({-1, 4}));
  }
  return out;
}

// The loop body of FCOS / RetinaNet.postprocess_detections, before its NMS.
Detections LevelTopK::candidates(const std::vector<std::vector<at::Tensor>>& levels,
                                 const std::vector<at::Tensor>& anchors, const Grid& image) const {
  std::vector<at::Tensor> boxes, scores, labels;
  for (std::size_t l = 0; l < levels.size(); ++l) {
    const at::Tensor all = this->scores(levels[l]);
    const std::int64_t num_classes = all.size(-1);
    const at::Tensor flat = all.flatten();
    const at::Tensor keep = flat > score_thresh_;
    at::Tensor topk_idxs = at::where(keep)[0];
    const std::int64_t k = std::min(topk_candidates_, topk_idxs.size(0));
    auto [top_scores, idxs] = flat.index({keep}).topk(k);
    topk_idxs = topk_idxs.index({idxs});
    const at::Tensor anchor_idxs = at::div(topk_idxs, num_classes, "floor");
    labels.push_back(topk_idxs.remainder(num_classes));
    boxes.push_back(clip_boxes(decode(levels[l][1].index({anchor_idxs}), anchors[l].index({anchor_idxs})), image[0],
                               image[1]));
    scores.push_back(top_scores);
  }
  return {at::cat(boxes), at::cat(scores), at::cat(labels)};
}

}  // namespace ds::host::libtorch
