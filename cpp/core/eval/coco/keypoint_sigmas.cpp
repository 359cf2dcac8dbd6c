#include "core/eval/coco/keypoint_sigmas.hpp"

#include <algorithm>

#include "core/util/error.hpp"

namespace ds::coco {

Params keypoint_params(const Dataset& gt, std::span<const CategorySigmas> by_name) {
  Params p = Params::defaults(IouType::kKeypoints);
  const std::string source = gt.source.empty() ? "ground truth" : gt.source;
  for (const CategorySigmas& s : by_name) {
    const auto c = std::find_if(gt.categories.begin(), gt.categories.end(),
                                [&](const Category& cat) { return cat.name == s.category; });
    if (c == gt.categories.end())
      throw Error(s.where + ": no category '" + s.category + "' in " + source);
    if (c->keypoint_names.size() != s.sigmas.size())
      throw Error(s.where + ": " + std::to_string(s.sigmas.size()) + " sigmas, but category '" + s.category +
                  "' has " + std::to_string(c->keypoint_names.size()) + " keypoints (one sigma each)");
    p.kpt_oks_sigmas_by_category.emplace_back(c->id, s.sigmas);
  }
  for (const Category& c : gt.categories) {
    if (c.keypoint_names.empty() || c.keypoint_names.size() == p.kpt_oks_sigmas.size()) continue;
    const bool own = std::any_of(p.kpt_oks_sigmas_by_category.begin(), p.kpt_oks_sigmas_by_category.end(),
                                 [&](const auto& e) { return e.first == c.id; });
    if (!own)
      throw Error(source + ": category '" + c.name + "' has " + std::to_string(c.keypoint_names.size()) +
                  " keypoints, and the default sigmas are COCO's 17: give its own in the run config's 'sigmas:'");
  }
  return p;
}

}  // namespace ds::coco
