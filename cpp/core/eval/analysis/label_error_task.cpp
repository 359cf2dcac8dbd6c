#include "core/eval/analysis/label_error_task.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "core/util/error.hpp"

namespace ds::analysis {

std::string suspect_label(bool wrong_label, const std::string& name) {
  return std::string(wrong_label ? "suspect wrong_label: " : "suspect missing_annotation: ") + name;
}

Dataset label_error_task(const Dataset& gt, std::span<const Detection> dts, std::span<const LabelError> errors) {
  Dataset out;
  out.image_dir = gt.image_dir;
  out.source = gt.source;
  out.categories = gt.categories;
  std::unordered_map<std::int64_t, std::string> names;
  std::int64_t next_category = 1;
  for (const Category& c : gt.categories) {
    names.emplace(c.id, c.name);
    next_category = std::max(next_category, c.id + 1);
  }
  std::int64_t next_annotation = 1;
  for (const Annotation& a : gt.annotations) next_annotation = std::max(next_annotation, a.id + 1);

  std::unordered_set<std::int64_t> flagged;
  for (const LabelError& e : errors) flagged.insert(e.image_id);
  for (const Image& im : gt.images)
    if (flagged.contains(im.id)) out.images.push_back(im);
  for (const Annotation& a : gt.annotations)
    if (flagged.contains(a.image_id)) out.annotations.push_back(a);

  std::map<std::string, std::int64_t> suspect_ids;  // label -> category id
  for (const LabelError& e : errors) {
    if (e.dt_id < 1 || static_cast<std::size_t>(e.dt_id) > dts.size())
      throw Error("label errors: detection " + std::to_string(e.dt_id) + " is not in the results (a bug)");
    const Detection& d = dts[static_cast<std::size_t>(e.dt_id - 1)];
    const auto name = names.find(d.category_id);
    const std::string label =
        suspect_label(e.wrong_label, name == names.end() ? std::to_string(d.category_id) : name->second);
    auto [it, fresh] = suspect_ids.try_emplace(label, next_category);
    if (fresh) {
      Category c;
      c.id = next_category++;
      c.name = label;
      c.supercategory = "suspect";
      out.categories.push_back(std::move(c));
    }
    Annotation a;
    a.id = next_annotation++;
    a.image_id = e.image_id;
    a.category_id = it->second;
    a.bbox = d.bbox;
    a.area = d.bbox.w * d.bbox.h;
    out.annotations.push_back(std::move(a));
  }
  return out;
}

LabelErrorTask find_label_error_task(const Dataset& gt, std::span<const Detection> dts,
                                     std::span<const std::int64_t> image_ids, const EvaluatorOptions& options) {
  const std::vector<LabelError> found =
      label_errors(gt, dts, image_ids, options.analysis_iou, options.score_threshold.value_or(kLabelErrorScore));
  return {label_error_task(gt, dts, found), found.size()};
}

}  // namespace ds::analysis
