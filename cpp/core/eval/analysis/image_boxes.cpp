#include "core/eval/analysis/image_boxes.hpp"

#include <algorithm>
#include <unordered_map>


namespace ds::analysis {

const char* Overlap::name() const {
  switch (matching) {
    case Matching::kBox: return "box IoU";
    case Matching::kMask: return "mask IoU";
    case Matching::kBoundary: return "boundary IoU";
  }
  return "IoU";
}

MatchOptions Overlap::match_options(const Image& image) const {
  MatchOptions o;
  if (matching == Matching::kBox) return o;
  o.masks = MatchOptions::MaskImage{static_cast<std::uint32_t>(std::max(image.height, 0)),
                                    static_cast<std::uint32_t>(std::max(image.width, 0)),
                                    matching == Matching::kBoundary ? boundary_dilation_ratio : 0.0};
  return o;
}

std::vector<std::int64_t> all_image_ids(const Dataset& gt) {
  std::vector<std::int64_t> ids;
  ids.reserve(gt.images.size());
  for (const Image& im : gt.images) ids.push_back(im.id);
  return ids;
}

std::vector<ImageBoxes> image_boxes(const Dataset& gt, std::span<const std::int64_t> image_ids,
                                    std::span<const Detection> dts, const Overlap& overlap) {
  std::unordered_map<std::int64_t, const Image*> by_id;
  by_id.reserve(gt.images.size());
  for (const Image& im : gt.images) by_id.emplace(im.id, &im);
  std::unordered_map<std::int64_t, std::size_t> slot;
  std::vector<ImageBoxes> out;
  for (const std::int64_t id : image_ids) {
    const auto it = by_id.find(id);
    if (it == by_id.end() || slot.contains(id)) continue;
    slot.emplace(id, out.size());
    out.emplace_back().image = it->second;
  }
  for (const Annotation& a : gt.annotations)
    if (const auto s = slot.find(a.image_id); s != slot.end()) out[s->second].gts.push_back(a);
  for (const Detection& d : dts)
    if (const auto s = slot.find(d.image_id); s != slot.end()) out[s->second].dts.push_back(d);
  for (ImageBoxes& im : out) {
    std::stable_sort(im.dts.begin(), im.dts.end(),
                     [](const Detection& a, const Detection& b) { return a.score > b.score; });
    if (im.dts.size() > kMaxDetections) im.dts.resize(kMaxDetections);
    std::vector<const Detection*> dts;
    for (const Detection& d : im.dts) dts.push_back(&d);
    std::vector<const Annotation*> gts;
    for (const Annotation& a : im.gts) gts.push_back(&a);
    im.ious.resize(dts.size() * gts.size());
    pair_ious(dts, gts, overlap.match_options(*im.image), im.ious);
  }
  return out;
}

}  // namespace ds::analysis
