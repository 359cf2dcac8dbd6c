#include "core/eval/analysis/confusion.hpp"

#include <algorithm>
#include <unordered_map>

#include "core/eval/analysis/analyses.hpp"
#include "core/util/json_writer.hpp"

namespace ds::analysis {

Confusion confusion_matrix(const Dataset& gt, const std::vector<ImageBoxes>& images, double iou,
                           double score_threshold) {
  Confusion c;
  c.iou = iou;
  c.score_threshold = score_threshold;
  std::vector<const Category*> cats;
  for (const Category& cat : gt.categories) cats.push_back(&cat);
  std::stable_sort(cats.begin(), cats.end(), [](const Category* a, const Category* b) { return a->id < b->id; });
  std::unordered_map<std::int64_t, std::size_t> index;
  for (const Category* cat : cats) {
    index.emplace(cat->id, c.category_ids.size());
    c.category_ids.push_back(cat->id);
    c.labels.push_back(cat->name);
  }
  c.labels.push_back("background");
  const std::size_t K = cats.size();
  c.counts.assign(K + 1, std::vector<std::int64_t>(K + 1, 0));

  std::vector<bool> taken;
  for (const ImageBoxes& im : images) {
    taken.assign(im.gts.size(), false);
    for (std::size_t d = 0; d < im.dts.size(); ++d) {
      const Detection& det = im.dts[d];
      const auto k = index.find(det.category_id);
      if (det.score < score_threshold || k == index.end()) continue;
      std::int32_t same = -1, any = -1;
      double best_same = -1, best_any = -1;
      bool in_crowd = false;
      for (std::size_t g = 0; g < im.gts.size(); ++g) {
        const Annotation& a = im.gts[g];
        const double v = im.iou(d, g);
        if (a.iscrowd) {
          in_crowd = in_crowd || (a.category_id == det.category_id && v >= iou);
          continue;
        }
        if (taken[g] || !index.contains(a.category_id) || v < iou) continue;
        // The highest IoU, the first of equal ones (as the image matching of the viewer).
        if (a.category_id == det.category_id && v > best_same) {
          best_same = v;
          same = static_cast<std::int32_t>(g);
        }
        if (v > best_any) {
          best_any = v;
          any = static_cast<std::int32_t>(g);
        }
      }
      const std::int32_t g = same >= 0 ? same : any;
      if (g >= 0) {
        taken[static_cast<std::size_t>(g)] = true;
        ++c.counts[index.at(im.gts[static_cast<std::size_t>(g)].category_id)][k->second];
      } else if (!in_crowd) {  // a detection inside a crowd region of its class is not an error
        ++c.counts[K][k->second];
      }
    }
    for (std::size_t g = 0; g < im.gts.size(); ++g) {
      const Annotation& a = im.gts[g];
      if (const auto k = index.find(a.category_id); !taken[g] && !a.iscrowd && k != index.end())
        ++c.counts[k->second][K];
    }
  }
  return c;
}

Metrics confusion_analysis(const AnalysisContext& context) {
  const Confusion c = confusion_matrix(context.gt, context.images, context.options.analysis_iou, context.score_cut);
  JsonWriter w(1);
  w.begin_object().field("iou", c.iou).field("score_threshold", c.score_threshold);
  w.key("labels").begin_array();
  for (const std::string& l : c.labels) w.value(l);
  w.end_array();
  w.key("category_ids").value(std::span<const std::int64_t>(c.category_ids));
  w.key("counts").begin_array();
  for (const auto& row : c.counts) w.value(std::span<const std::int64_t>(row));
  w.end_array();
  // Each ground-truth row as fractions of its ground truth (the background row: of all
  // background detections).
  w.key("normalized").begin_array();
  for (const auto& row : c.counts) {
    std::int64_t sum = 0;
    for (const std::int64_t n : row) sum += n;
    std::vector<std::optional<double>> norm(row.size());
    if (sum > 0)
      for (std::size_t j = 0; j < row.size(); ++j) norm[j] = static_cast<double>(row[j]) / static_cast<double>(sum);
    w.value(std::span<const std::optional<double>>(norm));
  }
  w.end_array().end_object();
  Metrics m;
  m.json_fields.emplace_back("confusion", w.take());
  char cut[96];
  std::snprintf(cut, sizeof cut, " %.2f, score >= %.2f", c.iou, c.score_threshold);
  Section s{"confusion", "Confusion matrix", "", std::string("one-to-one greedy matching by score at ") +
                                                     context.matched_by + cut};
  s.charts.push_back({"confusion", "confusion", "Confusion matrix", s.meaning});
  m.sections.push_back(std::move(s));
  return m;
}

}  // namespace ds::analysis
