#include "core/eval/score_cell.hpp"
#include "core/eval/coco/slices.hpp"

#include <algorithm>
#include <cstdio>

#include "core/dataset/id_index.hpp"
#include "core/eval/coco/coco_evaluator.hpp"
#include "core/eval/coco/slice_bootstrap.hpp"
#include "core/eval/coco/summarize.hpp"
#include "core/util/error.hpp"
#include "core/util/json_writer.hpp"

namespace ds::coco {

EvalResult evaluate_slice(const EvalResult& all, std::span<const std::int64_t> slice_image_ids,
                          const std::vector<CategoryMatches>* matches) {
  const Params& p = all.params;
  const EvalArrays& e = all.arrays;
  const std::vector<CategoryMatches>& kept = matches ? *matches : all.matches;
  if (kept.size() != e.K) throw Error("slices: the evaluation kept no matches (internal error)");
  const IdIndex images(*p.img_ids);
  std::vector<std::uint8_t> keep(p.img_ids->size(), 0);
  EvalResult out;
  out.params = p;
  out.params.object_slices.clear();
  out.params.img_ids.emplace();
  for (const std::int64_t id : slice_image_ids)
    if (const auto i = images.find(id); i != IdIndex::npos && !keep[static_cast<std::size_t>(i)]) {
      keep[static_cast<std::size_t>(i)] = 1;
      out.params.img_ids->push_back(id);
    }
  std::sort(out.params.img_ids->begin(), out.params.img_ids->end());
  out.arrays = EvalArrays(e.T, e.R, e.K, e.A, e.M);
  CategoryMatches cm;
  AccumulateScratch scratch;
  for (std::size_t k = 0; k < e.K; ++k) {
    keep_images(kept[k], keep, e.A, e.T, cm);
    accumulate_category(cm, out.params, k, out.arrays, scratch);
  }
  return out;
}

namespace {

std::string strip(const std::string& key, const std::string& prefix) {
  return key.compare(0, prefix.size(), prefix) == 0 ? key.substr(prefix.size()) : key;
}

std::string cell(double v) { return score_cell(v, 3); }

std::string first_name(const std::vector<SummaryItem>& items) { return items.empty() ? "AP" : items.front().name; }

}  // namespace

Metrics slice_metrics(const EvalResult& all, const Dataset& gt, std::span<const Detection> dts,
                      std::span<const slices::ImageSlice> slices, const SliceNames& names, int threads,
                      std::size_t bootstrap_samples) {
  const bool afresh = has_duplicate_annotation_ids(gt);
  const std::string& prefix = names.key_prefix;
  Metrics m;
  JsonWriter w(1);
  w.begin_object();
  std::vector<SummaryItem> items;
  m.text = "\nSlices" + (names.short_label.empty() ? std::string() : " (" + names.short_label + ")") + ":\n";
  char line[256];
  std::snprintf(line, sizeof line, " %-24s %8s %7s %7s %7s\n", "slice", "images", "AP", "AP50", "AP75");
  m.text += line;
  std::vector<std::size_t> counts;
  std::vector<double> firsts;
  std::size_t object_slice = 0;  // position in all.object_matches
  for (const slices::ImageSlice& s : slices) {
    EvalResult r;
    // A slice of the objects changes which ground truth counts, so which one a detection takes:
    // the evaluation matched it in its own pass, from the same IoUs (all.object_matches).
    const std::vector<CategoryMatches>* matches = nullptr;
    if (s.objects && !afresh) {
      if (object_slice >= all.object_matches.size())
        throw Error("slices: the evaluation did not match the slices of the objects (internal error)");
      matches = &all.object_matches[object_slice++];
    }
    if (afresh) {
      Params p = all.params;
      p.img_ids.emplace();
      p.objects = s.objects;
      p.object_slices.clear();
      const IdIndex scored(*all.params.img_ids);
      for (const std::int64_t id : s.image_ids)
        if (scored.contains(id)) p.img_ids->push_back(id);
      r = evaluate(gt, dts, p, threads);
    } else {
      r = evaluate_slice(all, s.image_ids, matches);
      r.params.objects = s.objects;  // what its counts count (coco_metrics), not matched again
    }
    // The whole evaluation's fields, computed the same way over the slice.
    const Metrics one = coco_metrics(r, gt, dts);
    w.key(s.name).begin_object().field("images", static_cast<std::int64_t>(r.params.img_ids->size()));
    for (const auto& [key, json] : one.json_fields)
      if (key != prefix + "pr_curves") w.key(strip(key, prefix)).raw(json);
    items = summarize(r);
    if (bootstrap_samples > 0) {
      // The interval of the slice's first number (AP), over its images resampled: from the
      // whole run's matching, so with repeated annotation ids (afresh) there is none.
      const std::optional<BootstrapInterval> ci =
          afresh ? std::nullopt : bootstrap_slice_ap(all, s.image_ids, bootstrap_samples, 0, matches);
      w.key(first_name(items) + "_ci").begin_object();
      if (ci)
        w.field("low", ci->low).field("high", ci->high).field("samples", static_cast<std::int64_t>(ci->samples));
      else
        w.key("low").null().key("high").null().field("samples", std::int64_t{0});
      w.end_object();
    }
    w.end_object();
    counts.push_back(r.params.img_ids->size());
    firsts.push_back(items.empty() ? -1.0 : items.front().value);
    const auto v = [&](std::size_t i) { return i < items.size() ? items[i].value : -1.0; };
    std::snprintf(line, sizeof line, " %-24.24s %8zu %s %s %s\n", s.name.c_str(), counts.back(), cell(v(0)).c_str(),
                  cell(v(1)).c_str(), cell(v(2)).c_str());
    m.text += line;
  }
  w.end_object();
  m.json_fields.emplace_back(prefix + "slices", w.take());

  Section sec;
  sec.id = names.section_id;
  sec.title = names.title;
  sec.short_label = names.short_label;
  sec.meaning = "the same COCO numbers over each slice's images alone (pycocotools with params.imgIds set to the "
                "slice): the run's matching, accumulated again";
  const std::string first = items.empty() ? std::string("AP") : items.front().name;
  for (std::size_t i = 0; i < slices.size(); ++i)
    sec.values.push_back({prefix + "slices." + slices[i].name + "." + first, slices[i].name + " " + first,
                          first + " over the " + std::to_string(counts[i]) + " images of slice '" + slices[i].name + "'",
                          firsts[i], true, ValueFormat::kFraction, false});
  sec.primary = sec.values.empty() ? std::string() : sec.values.front().key;
  Table t{prefix + "slices", "Slices", "each slice's COCO numbers", "slice", "slice", {}, ""};
  t.columns.push_back({"images", "images", "images in the slice (that the run scored)", true, ValueFormat::kCount});
  const std::string sim = all.params.iou_type == IouType::kKeypoints ? "OKS" : "IoU";
  for (const SummaryItem& it : items) {
    char thr[32];
    if (it.iou_thr)
      std::snprintf(thr, sizeof thr, " %.2f", *it.iou_thr);
    else
      std::snprintf(thr, sizeof thr, " %.2f:%.2f", all.params.iou_thrs.front(), all.params.iou_thrs.back());
    t.columns.push_back({it.name, it.name, std::string(it.is_ap ? "average precision" : "average recall") + " at " +
                                               sim + thr + (it.area == "all" ? ", all areas" : ", " + it.area + " objects") +
                                               ", " + std::to_string(it.max_dets) + " detection" +
                                               (it.max_dets == 1 ? "" : "s") + " per image"});
  }
  // The interval beside the number it bounds: images, AP, its 2.5% and 97.5%, the rest.
  if (bootstrap_samples > 0) {
    const std::string samples = std::to_string(bootstrap_samples);
    const auto at = [&](std::ptrdiff_t i) { return t.columns.begin() + std::min<std::ptrdiff_t>(i, std::ssize(t.columns)); };
    t.columns.insert(at(2), {first + "_ci.low", first + " 2.5%",
                             "the 2.5th percentile of " + first + " over " + samples +
                                 " bootstrap samples of the slice's images (seeded, resampled with replacement)"});
    t.columns.insert(at(3), {first + "_ci.high", first + " 97.5%",
                             "the 97.5th percentile of " + first + " over " + samples + " bootstrap samples"});
  }
  sec.tables.push_back(std::move(t));
  if (all.params.use_cats)
    for (std::size_t i = 0; i < slices.size(); ++i) {
      Table pc{prefix + "slices." + slices[i].name + ".per_class", "Per class, slice " + slices[i].name,
               "each category's COCO numbers over the slice's images", "category_id", "name", {}, ""};
      pc.columns = {{"AP", "AP", "average precision at " + sim + " 0.50:0.95, all areas"},
                    {"AP50", "AP50", "average precision at " + sim + " 0.50, all areas"},
                    {"AP75", "AP75", "average precision at " + sim + " 0.75, all areas"},
                    {"AR", "AR", "average recall at " + sim + " 0.50:0.95, all areas"},
                    {"gt", "GT", "ground truth objects (not crowd) in the slice", true, ValueFormat::kCount},
                    {"detections", "detections", "detections of the category in the slice", true, ValueFormat::kCount}};
      sec.tables.push_back(std::move(pc));
    }
  m.sections.push_back(std::move(sec));
  return m;
}

}  // namespace ds::coco
