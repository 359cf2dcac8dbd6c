#include "core/eval/coco/masks.hpp"

#include <algorithm>
#include <future>
#include <thread>
#include <unordered_map>

#include "core/mask/boundary.hpp"
#include "core/mask/segmentation.hpp"
#include "core/util/error.hpp"

namespace ds::coco {
namespace {

// fn(n) for n in [0, count) on `threads` threads; the first exception is rethrown here.
void parallel_for(std::size_t count, int threads, const std::function<void(std::size_t)>& fn) {
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t n_threads = std::clamp<std::size_t>(threads > 0 ? static_cast<std::size_t>(threads) : hw, 1, 64);
  std::vector<std::future<void>> running;
  for (std::size_t t = 0; t < n_threads; ++t)
    running.push_back(std::async(std::launch::async, [&, t] {
      for (std::size_t n = t; n < count; n += n_threads) fn(n);
    }));
  for (auto& r : running) r.get();
}

}  // namespace

RecordMasks record_masks(const Dataset& gt, std::span<const Detection> dts,
                         const std::function<bool(std::int64_t, std::int64_t)>& wanted, int threads) {
  std::unordered_map<std::int64_t, const Image*> images;
  images.reserve(gt.images.size());
  for (const Image& im : gt.images) images[im.id] = &im;  // the last image with an id, as a dict
  const auto image_of = [&](std::int64_t id) -> const Image& {
    const auto it = images.find(id);
    if (it == images.end()) throw Error("image " + std::to_string(id) + " is not in the ground truth");
    return *it->second;
  };
  const auto size_of = [](const Image& im) {
    return std::pair{static_cast<std::uint32_t>(std::max(im.height, 0)), static_cast<std::uint32_t>(std::max(im.width, 0))};
  };
  // One record's mask on its image: its own RLE as it is (annToRLE returns it unchanged), else
  // made into `made`. `who()` names the record, built only for an error.
  const auto mask_of = [&](const std::shared_ptr<const mask::Segmentation>& seg, std::int64_t image_id,
                           const auto& who, const char* what, mask::Rle& made) -> const mask::Rle* {
    if (!seg) throw Error(who() + ": no 'segmentation' (segm evaluation needs a mask for every " + what + ")");
    if (seg->rle) return &*seg->rle;
    try {
      const auto [h, w] = size_of(image_of(image_id));
      made = mask::to_rle(*seg, h, w);
      return &made;
    } catch (const Error& e) {
      throw Error(who() + ": 'segmentation': " + e.what());
    }
  };
  RecordMasks out;
  out.gt.resize(gt.annotations.size());
  out.gt_made.resize(gt.annotations.size());
  out.dt.resize(dts.size());
  out.dt_made.resize(dts.size());
  out.dt_area.resize(dts.size());
  parallel_for(gt.annotations.size(), threads, [&](std::size_t n) {
    const Annotation& a = gt.annotations[n];
    if (!wanted(a.image_id, a.category_id)) return;
    const auto who = [&] { return (gt.source.empty() ? "" : gt.source + ": ") + "annotation id " + std::to_string(a.id); };
    out.gt[n] = mask_of(a.segmentation, a.image_id, who, "object", out.gt_made[n]);
  });
  parallel_for(dts.size(), threads, [&](std::size_t n) {
    const Detection& d = dts[n];
    out.dt_area[n] = d.mask_area >= 0 ? d.mask_area : d.bbox.w * d.bbox.h;
    if (!wanted(d.image_id, d.category_id)) return;
    const auto who = [&] { return "detection [" + std::to_string(n) + "]"; };
    if (d.segmentation) {
      out.dt[n] = mask_of(d.segmentation, d.image_id, who, "detection", out.dt_made[n]);
    } else {
      // A model without masks: its box as the mask, as pycocotools' loadRes scores a result
      // that has a 'bbox' and no 'segmentation' (the file evaluate writes then reads the same).
      const auto [h, w] = size_of(image_of(d.image_id));
      out.dt_made[n] = mask::to_rle(mask::box_segmentation(d.bbox.x, d.bbox.y, d.bbox.w, d.bbox.h), h, w);
      out.dt[n] = &out.dt_made[n];
    }
  });
  return out;
}

void add_boundaries(RecordMasks& masks, double dilation_ratio, int threads) {
  masks.gt_boundary.assign(masks.gt.size(), {});
  masks.dt_boundary.assign(masks.dt.size(), {});
  // One list of both, so the threads share the work whatever the split between them.
  parallel_for(masks.gt.size() + masks.dt.size(), threads, [&](std::size_t n) {
    const bool gt = n < masks.gt.size();
    const std::size_t i = gt ? n : n - masks.gt.size();
    const mask::Rle* m = gt ? masks.gt[i] : masks.dt[i];
    if (m) (gt ? masks.gt_boundary : masks.dt_boundary)[i] = mask::boundary_of(*m, dilation_ratio);
  });
}

}  // namespace ds::coco
