#include "core/eval/analysis/image_boxes.hpp"

#include <algorithm>
#include <bit>
#include <exception>
#include <unordered_map>
#include <unordered_set>

#include "core/dataset/id_index.hpp"
#include "core/util/parallel.hpp"

#include "core/eval/coco/keypoint_sigmas.hpp"
#include "core/eval/coco/oks.hpp"


namespace ds::analysis {

const char* Overlap::name() const {
  switch (matching) {
    case Matching::kBox: return "box IoU";
    case Matching::kMask: return "mask IoU";
    case Matching::kBoundary: return "boundary IoU";
    case Matching::kKeypoints: return "OKS";
  }
  return "IoU";
}

Overlap Overlap::for_dataset(const Dataset& gt) const {
  Overlap out = *this;
  if (matching != Matching::kKeypoints || oks_vars) return out;
  const coco::Params p = coco::keypoint_params(gt, keypoint_sigmas);
  auto vars = std::make_shared<std::unordered_map<std::int64_t, std::vector<double>>>();
  for (const Category& c : gt.categories) {
    if (c.keypoint_names.empty()) continue;  // scored only where it names keypoints
    const std::vector<double>* sigmas = &p.kpt_oks_sigmas;
    for (const auto& [id, own] : p.kpt_oks_sigmas_by_category)
      if (id == c.id) sigmas = &own;
    if (sigmas->size() == c.keypoint_names.size()) vars->emplace(c.id, coco::oks_vars(*sigmas));
  }
  out.oks_vars = std::move(vars);
  return out;
}

MatchOptions Overlap::match_options(const Image& image) const {
  MatchOptions o;
  if (matching == Matching::kBox) return o;
  if (matching == Matching::kKeypoints) {
    o.oks_vars = oks_vars.get();
    return o;
  }
  o.masks = MatchOptions::MaskImage{static_cast<std::uint32_t>(std::max(image.height, 0)),
                                    static_cast<std::uint32_t>(std::max(image.width, 0)),
                                    matching == Matching::kBoundary ? boundary_dilation_ratio : 0.0};
  return o;
}

std::vector<ImageMatch> match_images(const std::vector<ImageBoxes>& images, double iou_threshold) {
  std::vector<ImageMatch> out;
  out.reserve(images.size());
  for (const ImageBoxes& im : images) out.push_back(im.match(iou_threshold));
  return out;
}

// An LSD radix sort (stable, four passes of 16 bits) on keys that order as the scores do,
// descending: a fifth of a comparison sort's time on a run's half a million detections.
std::vector<std::uint32_t> detections_by_score(const std::vector<ImageBoxes>& images) {
  struct Keyed {
    std::uint64_t key;
    std::uint32_t n;
  };
  std::vector<Keyed> keyed, tmp;
  for (const ImageBoxes& im : images)
    for (const Detection& d : im.dts) {
      // The double's bits, made to order as unsigned integers do (0 and -0 alike: they compare
      // equal), then inverted for descending.
      std::uint64_t bits = std::bit_cast<std::uint64_t>(d.score == 0 ? 0.0 : d.score);
      bits = (bits >> 63) ? ~bits : bits | (std::uint64_t{1} << 63);
      keyed.push_back({~bits, static_cast<std::uint32_t>(keyed.size())});
    }
  tmp.resize(keyed.size());
  std::vector<std::uint32_t> count(65537);
  for (int shift = 0; shift < 64; shift += 16) {
    const auto digit = [&](const Keyed& k) { return static_cast<std::size_t>((k.key >> shift) & 0xFFFF); };
    std::fill(count.begin(), count.end(), 0);
    for (const Keyed& k : keyed) ++count[digit(k) + 1];
    if (count[digit(keyed.empty() ? Keyed{} : keyed.front()) + 1] == keyed.size()) continue;  // one digit: nothing moves
    for (std::size_t b = 0; b < 65536; ++b) count[b + 1] += count[b];
    for (const Keyed& k : keyed) tmp[count[digit(k)]++] = k;
    keyed.swap(tmp);
  }
  std::vector<std::uint32_t> out(keyed.size());
  for (std::size_t n = 0; n < keyed.size(); ++n) out[n] = keyed[n].n;
  return out;
}

std::vector<std::int64_t> all_image_ids(const Dataset& gt) {
  std::vector<std::int64_t> ids;
  ids.reserve(gt.images.size());
  for (const Image& im : gt.images) ids.push_back(im.id);
  return ids;
}

namespace {

// Keypoints: only categories with keypoints are compared (as the keypoint metric scores them),
// and a person without labelled keypoints is ignored there: here it is a crowd region, which
// absorbs what matches it and is never missed.
bool scored(const Overlap& ready, std::int64_t category_id) {
  return !ready.oks_vars || ready.oks_vars->contains(category_id);
}

void add_truth(ImageBoxes& im, const Annotation& a, const Overlap& ready) {
  im.gts.push_back(a);
  if (ready.oks_vars && a.num_keypoints == 0) im.gts.back().iscrowd = true;
}

// An image whose dt_source names its detections in `dts`: keeps the `max_detections` highest
// scoring (stably), copies them and computes every pair's IoU.
void pair_up(ImageBoxes& im, std::span<const Detection> dts, const Overlap& ready, std::size_t max_detections) {
  // Stable by score: ties by position, which is unique, so an unstable sort on both will do
  // (and is a third of stable_sort's time on ~100 detections an image).
  std::sort(im.dt_source.begin(), im.dt_source.end(), [&](std::size_t a, std::size_t b) {
    return dts[a].score > dts[b].score || (dts[a].score == dts[b].score && a < b);
  });
  if (im.dt_source.size() > max_detections) im.dt_source.resize(max_detections);
  im.dts.reserve(im.dt_source.size());
  for (const std::size_t n : im.dt_source) im.dts.push_back(dts[n]);
  std::vector<const Detection*> dt_ptrs;
  for (const Detection& d : im.dts) dt_ptrs.push_back(&d);
  std::vector<const Annotation*> gt_ptrs;
  for (const Annotation& a : im.gts) gt_ptrs.push_back(&a);
  im.ious.resize(dt_ptrs.size() * gt_ptrs.size());
  pair_ious(dt_ptrs, gt_ptrs, ready.match_options(*im.image), im.ious);
}

}  // namespace

namespace {

// The images `image_ids` names (each once, in that order; ids not in the dataset skipped), each
// with its ground truth and no detections yet; `slot` finds an image id's place among them.
std::vector<ImageBoxes> truth_only(const Dataset& gt, std::span<const std::int64_t> image_ids, const Overlap& ready,
                                   IdIndex& slot) {
  std::unordered_map<std::int64_t, const Image*> by_id;
  by_id.reserve(gt.images.size());
  for (const Image& im : gt.images) by_id.emplace(im.id, &im);
  std::unordered_set<std::int64_t> taken;
  std::vector<ImageBoxes> out;
  std::vector<std::int64_t> ids;  // out's, for the index
  for (const std::int64_t id : image_ids) {
    const auto it = by_id.find(id);
    if (it == by_id.end() || !taken.insert(id).second) continue;
    ids.push_back(id);
    out.emplace_back().image = it->second;
  }
  // Every detection and annotation looks its image up: a flat table where ids allow.
  slot = IdIndex(ids);
  for (const Annotation& a : gt.annotations)
    if (const std::int32_t s = slot.find(a.image_id); s != IdIndex::npos && scored(ready, a.category_id))
      add_truth(out[static_cast<std::size_t>(s)], a, ready);
  return out;
}

}  // namespace

std::vector<ImageBoxes> image_boxes(const Dataset& gt, std::span<const std::int64_t> image_ids,
                                    std::span<const Detection> dts, const Overlap& overlap,
                                    std::size_t max_detections) {
  const Overlap ready = overlap.for_dataset(gt);
  IdIndex slot;
  std::vector<ImageBoxes> out = truth_only(gt, image_ids, ready, slot);
  for (std::size_t n = 0; n < dts.size(); ++n)
    if (const std::int32_t s = slot.find(dts[n].image_id); s != IdIndex::npos && scored(ready, dts[n].category_id))
      out[static_cast<std::size_t>(s)].dt_source.push_back(n);
  // Each image on its own: the images spread over the cores.
  constexpr std::size_t kBlock = 64;
  const std::size_t blocks = (out.size() + kBlock - 1) / kBlock;
  // The first error of a thread (a mask that cannot be read) is rethrown here.
  on_cores(blocks, [&](const auto& take) {
    for (std::size_t b = take(); b < blocks; b = take())
      for (std::size_t i = b * kBlock; i < std::min(out.size(), (b + 1) * kBlock); ++i)
        pair_up(out[i], dts, ready, max_detections);
  });
  return out;
}

ImageBoxesBuilder::ImageBoxesBuilder(const Dataset& gt, const Overlap& overlap, std::size_t max_detections)
    : ready_(overlap.for_dataset(gt)), max_detections_(max_detections) {
  images_ = truth_only(gt, all_image_ids(gt), ready_, slot_);
}

void ImageBoxesBuilder::add(std::int64_t image_id, std::span<const Detection> dts) {
  const std::int32_t s = slot_.find(image_id);
  if (s == IdIndex::npos) return;
  ImageBoxes& im = images_[static_cast<std::size_t>(s)];
  im.dts.clear();
  im.dt_source.clear();
  for (std::size_t n = 0; n < dts.size(); ++n)
    if (scored(ready_, dts[n].category_id)) im.dt_source.push_back(n);
  pair_up(im, dts, ready_, max_detections_);
  std::vector<std::size_t>().swap(im.dt_source);  // positions in this call's span, not in the results
}

}  // namespace ds::analysis
