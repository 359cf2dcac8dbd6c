#include "core/eval/coco/incremental.hpp"

#include <algorithm>
#include <atomic>
#include <thread>
#include <cmath>
#include <cstring>
#include <numeric>

#include "core/eval/coco/iou.hpp"
#include "core/eval/coco/matching.hpp"
#include "core/eval/coco/summarize.hpp"
#include "core/mask/iou.hpp"
#include "core/util/error.hpp"

namespace ds::coco {
namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

const char* format_name(BoxFormat f) {
  switch (f) {
    case BoxFormat::kXyxy: return "xyxy";
    case BoxFormat::kXywh: return "xywh";
    case BoxFormat::kCxcywh: return "cxcywh";
  }
  return "?";
}

// torchvision's box_convert(boxes, in_fmt, "xywh") on a tensor of type T: the same operations in
// the same precision (0.5 * w is exact, so contraction could not change it either).
template <class T>
Box to_xywh(const T* b, BoxFormat f) {
  if (f == BoxFormat::kXywh) return {double(b[0]), double(b[1]), double(b[2]), double(b[3])};
  T x1, y1, x2, y2;
  if (f == BoxFormat::kXyxy) {
    x1 = b[0]; y1 = b[1]; x2 = b[2]; y2 = b[3];
  } else {
    const T half = T(0.5);
    const T hw = half * b[2], hh = half * b[3];
    x1 = b[0] - hw; y1 = b[1] - hh; x2 = b[0] + hw; y2 = b[1] + hh;
  }
  const T w = x2 - x1, h = y2 - y1;
  return {double(x1), double(y1), double(w), double(h)};
}

// The input's own numbers are checked (x2 < x1 is an xyxy box given in another format).
template <class T>
Box checked_box(const T* b, BoxFormat f, std::size_t row, const std::string& where) {
  for (int c = 0; c < 4; ++c)
    if (!std::isfinite(double(b[c])))
      throw Error(where + ": 'boxes' row " + std::to_string(row) + ": " + number(double(b[c])) +
                  " is not a finite number");
  const auto fail = [&](const std::string& what) {
    throw Error(where + ": 'boxes' row " + std::to_string(row) + " [" + number(double(b[0])) + ", " +
                number(double(b[1])) + ", " + number(double(b[2])) + ", " + number(double(b[3])) + "]: " +
                what + " (box_format '" + format_name(f) + "')");
  };
  if (f == BoxFormat::kXyxy) {
    if (b[2] < b[0]) fail("x2 < x1: not an xyxy box");
    if (b[3] < b[1]) fail("y2 < y1: not an xyxy box");
  } else {
    if (b[2] < 0) fail("negative width");
    if (b[3] < 0) fail("negative height");
  }
  return to_xywh(b, f);
}

// Row-major h x w bytes -> pycocotools' column-major RLE.
mask::Rle encode_row_major(const std::uint8_t* m, std::uint32_t h, std::uint32_t w,
                           std::vector<std::uint8_t>& scratch) {
  scratch.resize(std::size_t(h) * w);
  for (std::uint32_t y = 0; y < h; ++y) {
    const std::uint8_t* row = m + std::size_t(y) * w;
    for (std::uint32_t x = 0; x < w; ++x) scratch[std::size_t(x) * h + y] = row[x];
  }
  return mask::encode(scratch, h, w);
}

// One side of one image, checked and converted.
struct Side {
  std::vector<Box> boxes;
  std::vector<mask::Rle> masks;
  std::vector<double> mask_area;
};

void check_lengths(const ImageArrays& a, bool detections, const std::string& where) {
  const std::string side = detections ? "preds" : "target";
  const auto check = [&](std::size_t n, const char* key, bool optional) {
    if (optional && n == 0) return;
    if (n != a.rows)
      throw Error(where + ": " + side + " '" + key + "' has " + std::to_string(n) + " values for " +
                  std::to_string(a.rows) + " records (its 'labels' and other keys)");
  };
  check(a.labels.size(), "labels", false);
  if (detections) check(a.scores.size(), "scores", false);
  check(a.crowd.size(), "iscrowd", true);
  check(a.area.size(), "area", true);
  for (std::size_t i = 0; i < a.scores.size(); ++i)
    if (!std::isfinite(a.scores[i]))
      throw Error(where + ": preds 'scores' row " + std::to_string(i) + ": " + number(a.scores[i]) +
                  " is not a finite number");
  for (std::size_t i = 0; i < a.area.size(); ++i)
    if (!std::isfinite(a.area[i]))
      throw Error(where + ": target 'area' row " + std::to_string(i) + ": " + number(a.area[i]) +
                  " is not a finite number");
}

Side convert(const ImageArrays& a, bool detections, const IncrementalOptions& o, bool boxes, bool masks,
             std::vector<std::uint8_t>& scratch, const std::string& where) {
  const std::string side = detections ? "preds" : "target";
  check_lengths(a, detections, where);
  Side s;
  if (boxes) {
    if (!a.boxes_f32 && !a.boxes_f64 && a.rows) throw Error(where + ": " + side + " 'boxes' is missing");
    s.boxes.reserve(a.rows);
    for (std::size_t r = 0; r < a.rows; ++r)
      s.boxes.push_back(a.boxes_f32 ? checked_box(a.boxes_f32 + 4 * r, o.box_format, r, where + ": " + side)
                                    : checked_box(a.boxes_f64 + 4 * r, o.box_format, r, where + ": " + side));
  }
  if (masks) {
    if (!a.masks && a.rows) throw Error(where + ": " + side + " 'masks' is missing");
    const std::size_t plane = std::size_t(a.mask_h) * a.mask_w;
    for (std::size_t r = 0; r < a.rows; ++r) {
      s.masks.push_back(encode_row_major(a.masks + r * plane, a.mask_h, a.mask_w, scratch));
      s.mask_area.push_back(mask::area(s.masks.back()));
    }
  }
  return s;
}

bool has(const std::vector<IouType>& types, IouType t) {
  return std::find(types.begin(), types.end(), t) != types.end();
}

// --- bytes ----------------------------------------------------------------------------------

struct Writer {
  std::string out;
  template <class T>
  void put(const T& v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
  template <class T>
  void put_vector(const std::vector<T>& v) {
    put<std::uint64_t>(v.size());
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
};

struct Reader {
  std::string_view in;
  std::size_t at = 0;
  void need(std::size_t n) {
    if (in.size() - at < n) throw Error("IncrementalEvaluator: truncated state");
  }
  template <class T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, in.data() + at, sizeof v);
    at += sizeof v;
    return v;
  }
  template <class T>
  std::vector<T> get_vector() {
    const auto n = get<std::uint64_t>();
    if (n > (in.size() - at) / sizeof(T)) throw Error("IncrementalEvaluator: truncated state");
    std::vector<T> v(n);
    std::memcpy(v.data(), in.data() + at, n * sizeof(T));
    at += n * sizeof(T);
    return v;
  }
};

}  // namespace

IncrementalEvaluator::IncrementalEvaluator(IncrementalOptions options)
    : options_(std::move(options)), background_(std::make_unique<Background>()) {
  Params& p = options_.params;
  if (options_.iou_types.empty()) throw Error("iou_type: give bbox, segm or both");
  for (const IouType t : options_.iou_types)
    if (t != IouType::kBbox && t != IouType::kSegm) throw Error("iou_type: only bbox and segm are evaluated incrementally");
  if (p.iou_thrs.empty() || p.rec_thrs.empty() || p.max_dets.empty() || p.area_rng.empty())
    throw Error("params: iouThrs, recThrs, maxDets and areaRng must not be empty");
  for (const int m : p.max_dets)
    if (m < 0) throw Error("params: maxDets must not be negative (got " + std::to_string(m) + ")");
  std::sort(p.max_dets.begin(), p.max_dets.end());
  if (!options_.micro && !options_.macro) options_.macro = true;
  for (const IouType t : options_.iou_types)
    for (const bool micro : {true, false}) {
      if (micro ? !options_.micro : !options_.macro) continue;
      RecordSet set;
      set.type = t;
      set.micro = micro;
      set.keep_ious = options_.keep_ious;
      sets_.push_back(std::move(set));
    }
}

std::size_t IncrementalEvaluator::set_index(std::size_t type_index, bool micro) const {
  const IouType t = options_.iou_types.at(type_index);
  for (std::size_t n = 0; n < sets_.size(); ++n)
    if (sets_[n].type == t && sets_[n].micro == micro) return n;
  throw Error(std::string("IncrementalEvaluator: no ") + (micro ? "micro" : "per-label") + " records were kept");
}

std::vector<std::uint64_t> IncrementalEvaluator::evaluated_images() const {
  std::vector<std::uint64_t> out;
  std::size_t skip = 0;
  for (std::uint64_t i = 0; i < images_; ++i) {
    if (skip < left_out_.size() && left_out_[skip] == i) {
      ++skip;
      continue;
    }
    out.push_back(i);
  }
  return out;
}

std::vector<std::int64_t> IncrementalEvaluator::classes() const {
  std::vector<std::int64_t> out;
  for (const auto& [c, _] : classes_) out.push_back(c);
  return out;
}

void IncrementalEvaluator::add_image(const ImageArrays& gt_in, const ImageArrays& dt_in, const std::string& where) {
  const std::vector<IouType>& types = options_.iou_types;
  const bool boxes = has(types, IouType::kBbox), masks = has(types, IouType::kSegm);
  std::vector<std::uint8_t> scratch;
  Side gs = convert(gt_in, false, options_, boxes, masks, scratch, where);
  Side ds_ = convert(dt_in, true, options_, boxes, masks, scratch, where);
  const std::uint64_t position = images_;

  // The records as torchmetrics' COCO dicts hold them (bbox xywh, area, iscrowd, score); ids
  // only need to be non-zero (pycocotools reads a match to id 0 as none).
  std::vector<Annotation> gts(gt_in.rows);
  for (std::size_t g = 0; g < gt_in.rows; ++g) {
    Annotation& a = gts[g];
    a.id = 1;
    a.image_id = static_cast<std::int64_t>(position);
    a.category_id = gt_in.labels[g];
    if (boxes) a.bbox = gs.boxes[g];
    a.iscrowd = !gt_in.crowd.empty() && gt_in.crowd[g] != 0;
    // torchmetrics: the given area when above 0, else the mask's (segm among its types) or w * h.
    if (!gt_in.area.empty() && gt_in.area[g] > 0) a.area = gt_in.area[g];
    else a.area = masks ? gs.mask_area[g] : a.bbox.w * a.bbox.h;
  }
  std::vector<Detection> dts(dt_in.rows);
  for (std::size_t d = 0; d < dt_in.rows; ++d) {
    Detection& x = dts[d];
    x.image_id = static_cast<std::int64_t>(position);
    x.category_id = dt_in.labels[d];
    if (boxes) x.bbox = ds_.boxes[d];
    x.score = dt_in.scores[d];
  }

  for (const std::int64_t l : gt_in.labels) classes_[l] = true;
  for (const std::int64_t l : dt_in.labels) classes_[l] = true;
  ++images_;
  // torchmetrics leaves an image without masks out of its COCO datasets when masks are all it
  // has (segm alone): its detections are then never scored.
  const bool segm_only = masks && !boxes;
  if (!segm_only || gt_in.rows) ++gt_images_;
  if (!segm_only || dt_in.rows) ++dt_images_;
  if (segm_only && !gt_in.rows) {
    left_out_.push_back(position);
    return;
  }
  Pending job{position, std::move(gts), std::move(dts), std::move(gs.masks), std::move(ds_.masks), std::move(ds_.mask_area)};
  if (!options_.background) {
    match(job);
    return;
  }
  Background& bg = *background_;
  std::unique_lock lock(bg.mutex);
  if (!bg.thread.joinable())
    bg.thread = std::jthread([this](std::stop_token stop) { run_background(stop); });
  // A bounded queue: update() never gets more than this many images ahead of the matching.
  bg.space.wait(lock, [&] { return bg.queue.size() < 256; });
  bg.queue.push_back(std::move(job));
  lock.unlock();
  bg.ready.notify_one();
}

void IncrementalEvaluator::run_background(std::stop_token stop) {
  Background& bg = *background_;
  std::unique_lock lock(bg.mutex);
  while (true) {
    if (!bg.ready.wait(lock, stop, [&] { return !bg.queue.empty(); })) return;  // stopped
    Pending job = std::move(bg.queue.front());
    bg.queue.pop_front();
    bg.busy = true;
    lock.unlock();
    bg.space.notify_one();
    match(job);  // cannot throw for checked input; sets_ belong to this thread while it runs
    lock.lock();
    bg.busy = false;
    if (bg.queue.empty()) bg.idle.notify_all();
  }
}

void IncrementalEvaluator::drain() const {
  if (!background_) return;
  Background& bg = *background_;
  std::unique_lock lock(bg.mutex);
  bg.idle.wait(lock, [&] { return bg.queue.empty() && !bg.busy; });
}

IncrementalEvaluator::~IncrementalEvaluator() {
  // The stop wakes the thread's wait (condition_variable_any with its stop_token).
  if (background_ && background_->thread.joinable()) {
    background_->thread.request_stop();
    background_->thread.join();
  }
}

void IncrementalEvaluator::match(Pending& job) {
  const Params& p = options_.params;
  const std::size_t A = p.area_rng.size(), T = p.iou_thrs.size();
  const auto max_det = static_cast<std::size_t>(p.max_dets.back());
  const std::uint64_t position = job.position;
  const std::vector<Annotation>& gts = job.gts;
  const std::vector<Detection>& dts = job.dts;
  struct MaskView {
    const std::vector<mask::Rle>& masks;
  };
  const MaskView gs{job.gt_masks};
  struct DtView {
    const std::vector<mask::Rle>& masks;
    const std::vector<double>& mask_area;
  };
  const DtView ds_{job.dt_masks, job.dt_mask_area};
  std::vector<std::uint32_t> gi, di;
  std::vector<const Annotation*> gptr;
  std::vector<const Detection*> dptr;
  std::vector<const mask::Rle*> gmask, dmask;
  std::vector<std::uint8_t> crowd;
  std::vector<double> ious, dt_areas;
  MatchScratch ms;
  for (RecordSet& set : sets_) {
    const auto cat = [&](std::int64_t label) { return set.micro ? std::int64_t{0} : label; };
    gi.resize(gts.size());
    std::iota(gi.begin(), gi.end(), 0u);
    std::stable_sort(gi.begin(), gi.end(), [&](auto a, auto b) { return cat(gts[a].category_id) < cat(gts[b].category_id); });
    di.resize(dts.size());
    std::iota(di.begin(), di.end(), 0u);
    // By category, then descending score (pycocotools' mergesort of -score), input order on ties.
    std::stable_sort(di.begin(), di.end(), [&](auto a, auto b) {
      const std::int64_t ca = cat(dts[a].category_id), cb = cat(dts[b].category_id);
      return ca != cb ? ca < cb : dts[a].score > dts[b].score;
    });
    std::size_t g = 0, d = 0;
    while (g < gi.size() || d < di.size()) {
      const std::int64_t c = std::min(g < gi.size() ? cat(gts[gi[g]].category_id) : INT64_MAX,
                                      d < di.size() ? cat(dts[di[d]].category_id) : INT64_MAX);
      gptr.clear(); gmask.clear(); crowd.clear();
      for (; g < gi.size() && cat(gts[gi[g]].category_id) == c; ++g) {
        gptr.push_back(&gts[gi[g]]);
        if (set.type == IouType::kSegm) {
          gmask.push_back(&gs.masks[gi[g]]);
          crowd.push_back(gts[gi[g]].iscrowd);
        }
      }
      dptr.clear(); dmask.clear(); dt_areas.clear();
      for (; d < di.size() && cat(dts[di[d]].category_id) == c; ++d) {
        if (dptr.size() >= max_det) continue;
        dptr.push_back(&dts[di[d]]);
        if (set.type == IouType::kSegm) {
          dmask.push_back(&ds_.masks[di[d]]);
          dt_areas.push_back(ds_.mask_area[di[d]]);
        }
      }
      const std::size_t n_gt = gptr.size(), n_dt = dptr.size();
      ious.assign(n_gt * n_dt, 0.0);
      if (set.type == IouType::kSegm) mask::iou(dmask, gmask, crowd, ious);
      else box_iou(dptr, gptr, ious);
      ImageGroup group;
      group.gts = gptr;
      group.dts = dptr;
      group.ious = ious;
      group.dt_areas = dt_areas;

      CategoryRecords& rec = set.categories[c];
      CategoryMatches& cm = rec.matches;
      if (cm.counted_gt.empty()) cm.reset(A);
      cm.has_images = true;
      rec.segments.push_back({position, static_cast<std::uint32_t>(cm.scores.size())});
      for (std::size_t k = 0; k < n_dt; ++k) {
        cm.scores.push_back(dptr[k]->score);
        cm.rank.push_back(static_cast<std::uint32_t>(k));
      }
      const std::size_t first = cm.status.size();
      cm.status.resize(first + n_dt * A * T);
      const std::span<DtStatus> status(cm.status.data() + first, n_dt * A * T);
      for (std::size_t a = 0; a < A; ++a)
        cm.counted_gt[a] += match_image(group, p.area_rng[a], p.iou_thrs, n_dt ? status.subspan(a * T) : status, A * T, ms);
      if (set.keep_ious && n_gt && n_dt) {
        KeptIous& k = set.ious;
        k.image.push_back(static_cast<std::int64_t>(position));
        k.category.push_back(c);
        k.rows.push_back(static_cast<std::uint32_t>(n_dt));
        k.cols.push_back(static_cast<std::uint32_t>(n_gt));
        k.offset.push_back(k.values.size());
        for (const double v : ious) k.values.push_back(static_cast<float>(v));
      }
    }
  }
}

const KeptIous& IncrementalEvaluator::ious(std::size_t type_index, bool micro) const {
  drain();
  return sets_.at(set_index(type_index, micro)).ious;
}

EvalResult IncrementalEvaluator::accumulate(std::size_t type_index, bool micro) const {
  drain();
  const RecordSet& set = sets_.at(set_index(type_index, micro));
  EvalResult r;
  r.params = options_.params;
  r.params.iou_type = set.type;
  std::vector<std::int64_t> cats = micro ? std::vector<std::int64_t>{0} : classes();
  r.params.cat_ids = cats;
  r.params.img_ids.emplace();
  const Params& p = r.params;
  r.arrays = EvalArrays(p.iou_thrs.size(), p.rec_thrs.size(), cats.size(), p.area_rng.size(), p.max_dets.size());
  // Categories are independent (each writes its own cells): one thread per core takes them in turn.
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    AccumulateScratch scratch;
    for (std::size_t k = next++; k < cats.size(); k = next++) {
      const auto it = set.categories.find(cats[k]);
      if (it != set.categories.end()) accumulate_category(it->second.matches, p, k, r.arrays, scratch);
    }
  };
  const std::size_t n_threads = std::min<std::size_t>(cats.size(), std::max(1u, std::thread::hardware_concurrency()));
  if (n_threads <= 1 || options_.threads == 1) {
    work();
  } else {
    std::vector<std::jthread> pool;
    for (std::size_t n = 0; n < n_threads; ++n) pool.emplace_back(work);
  }
  return r;
}

std::string IncrementalEvaluator::serialize() const {
  drain();
  Writer w;
  w.put<std::uint64_t>(images_);
  w.put<std::uint64_t>(gt_images_);
  w.put<std::uint64_t>(dt_images_);
  w.put_vector(classes());
  w.put_vector(left_out_);
  w.put<std::uint64_t>(sets_.size());
  for (const RecordSet& set : sets_) {
    w.put<std::uint64_t>(set.categories.size());
    for (const auto& [c, rec] : set.categories) {
      w.put(c);
      w.put<std::uint8_t>(rec.matches.has_images);
      w.put_vector(rec.matches.counted_gt);
      w.put_vector(rec.segments);
      w.put_vector(rec.matches.scores);
      w.put_vector(rec.matches.rank);
      w.put_vector(rec.matches.status);
    }
    w.put_vector(set.ious.image);
    w.put_vector(set.ious.category);
    w.put_vector(set.ious.rows);
    w.put_vector(set.ious.cols);
    w.put_vector(set.ious.offset);
    w.put_vector(set.ious.values);
  }
  return std::move(w.out);
}

IncrementalEvaluator IncrementalEvaluator::merge(IncrementalOptions options, std::span<const std::string> states) {
  IncrementalEvaluator out(std::move(options));
  const std::size_t W = states.size();
  std::vector<Reader> readers;
  std::vector<std::uint64_t> counts(W);
  std::vector<std::vector<std::uint64_t>> left_out(W);
  for (std::size_t r = 0; r < W; ++r) {
    readers.push_back(Reader{states[r]});
    Reader& in = readers.back();
    counts[r] = in.get<std::uint64_t>();
    out.images_ += counts[r];
    out.gt_images_ += in.get<std::uint64_t>();
    out.dt_images_ += in.get<std::uint64_t>();
    for (const std::int64_t c : in.get_vector<std::int64_t>()) out.classes_[c] = true;
    left_out[r] = in.get_vector<std::uint64_t>();
    if (in.get<std::uint64_t>() != out.sets_.size())
      throw Error("IncrementalEvaluator: the processes' metrics were made with different options");
  }
  // Rank r's i-th image goes where torchmetrics' gather puts it: after every image with a smaller
  // index on any rank, and after the i-th of the ranks before r.
  const auto global = [&](std::size_t r, std::uint64_t i) {
    std::uint64_t pos = 0;
    for (std::size_t q = 0; q < W; ++q) pos += std::min(counts[q], i) + (q < r && counts[q] > i ? 1 : 0);
    return pos;
  };
  for (std::size_t r = 0; r < W; ++r)
    for (const std::uint64_t i : left_out[r]) out.left_out_.push_back(global(r, i));
  std::sort(out.left_out_.begin(), out.left_out_.end());
  for (RecordSet& set : out.sets_) {
    struct Part {
      std::uint64_t pos;
      const CategoryRecords* rec;
      std::size_t segment;
    };
    std::map<std::int64_t, std::vector<CategoryRecords>> loaded;
    KeptIous all_ious;
    for (std::size_t r = 0; r < W; ++r) {
      Reader& in = readers[r];
      const auto n_cats = in.get<std::uint64_t>();
      for (std::uint64_t n = 0; n < n_cats; ++n) {
        const auto c = in.get<std::int64_t>();
        CategoryRecords rec;
        rec.matches.has_images = in.get<std::uint8_t>() != 0;
        rec.matches.counted_gt = in.get_vector<std::size_t>();
        rec.segments = in.get_vector<Segment>();
        rec.matches.scores = in.get_vector<double>();
        rec.matches.rank = in.get_vector<std::uint32_t>();
        rec.matches.status = in.get_vector<DtStatus>();
        for (Segment& s : rec.segments) s.image = global(r, s.image);
        loaded[c].push_back(std::move(rec));
      }
      KeptIous k;
      k.image = in.get_vector<std::int64_t>();
      k.category = in.get_vector<std::int64_t>();
      k.rows = in.get_vector<std::uint32_t>();
      k.cols = in.get_vector<std::uint32_t>();
      k.offset = in.get_vector<std::uint64_t>();
      k.values = in.get_vector<float>();
      for (std::size_t n = 0; n < k.image.size(); ++n) {
        all_ious.image.push_back(static_cast<std::int64_t>(global(r, static_cast<std::uint64_t>(k.image[n]))));
        all_ious.category.push_back(k.category[n]);
        all_ious.rows.push_back(k.rows[n]);
        all_ious.cols.push_back(k.cols[n]);
        all_ious.offset.push_back(all_ious.values.size());
        const std::size_t len = std::size_t(k.rows[n]) * k.cols[n];
        all_ious.values.insert(all_ious.values.end(), k.values.begin() + static_cast<std::ptrdiff_t>(k.offset[n]),
                               k.values.begin() + static_cast<std::ptrdiff_t>(k.offset[n] + len));
      }
    }
    set.ious = std::move(all_ious);
    const std::size_t AT = out.options_.params.area_rng.size() * out.options_.params.iou_thrs.size();
    for (auto& [c, recs] : loaded) {
      std::vector<Part> parts;
      for (const CategoryRecords& rec : recs)
        for (std::size_t s = 0; s < rec.segments.size(); ++s) parts.push_back({rec.segments[s].image, &rec, s});
      std::sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) { return a.pos < b.pos; });
      CategoryRecords& dst = set.categories[c];
      dst.matches.reset(out.options_.params.area_rng.size());
      for (const CategoryRecords& rec : recs) {
        dst.matches.has_images = dst.matches.has_images || rec.matches.has_images;
        for (std::size_t a = 0; a < rec.matches.counted_gt.size() && a < dst.matches.counted_gt.size(); ++a)
          dst.matches.counted_gt[a] += rec.matches.counted_gt[a];
      }
      for (const Part& part : parts) {
        const CategoryRecords& rec = *part.rec;
        const std::size_t b = rec.segments[part.segment].begin;
        const std::size_t e = part.segment + 1 < rec.segments.size() ? rec.segments[part.segment + 1].begin
                                                                     : rec.matches.scores.size();
        dst.segments.push_back({part.pos, static_cast<std::uint32_t>(dst.matches.scores.size())});
        dst.matches.scores.insert(dst.matches.scores.end(), rec.matches.scores.begin() + static_cast<std::ptrdiff_t>(b),
                                  rec.matches.scores.begin() + static_cast<std::ptrdiff_t>(e));
        dst.matches.rank.insert(dst.matches.rank.end(), rec.matches.rank.begin() + static_cast<std::ptrdiff_t>(b),
                                rec.matches.rank.begin() + static_cast<std::ptrdiff_t>(e));
        dst.matches.status.insert(dst.matches.status.end(), rec.matches.status.begin() + static_cast<std::ptrdiff_t>(b * AT),
                                  rec.matches.status.begin() + static_cast<std::ptrdiff_t>(e * AT));
      }
    }
  }
  return out;
}

std::vector<double> category_stats(const EvalResult& r, std::size_t k) {
  const EvalArrays& e = r.arrays;
  if (k >= e.K) throw Error("category position " + std::to_string(k) + " is out of range");
  EvalResult one;
  one.params = r.params;
  if (one.params.cat_ids && k < one.params.cat_ids->size()) one.params.cat_ids = std::vector<std::int64_t>{(*r.params.cat_ids)[k]};
  one.arrays = EvalArrays(e.T, e.R, 1, e.A, e.M);
  for (std::size_t t = 0; t < e.T; ++t)
    for (std::size_t a = 0; a < e.A; ++a)
      for (std::size_t m = 0; m < e.M; ++m) {
        one.arrays.recall[one.arrays.rc_index(t, 0, a, m)] = e.recall[e.rc_index(t, k, a, m)];
        for (std::size_t rr = 0; rr < e.R; ++rr) {
          one.arrays.precision[one.arrays.pr_index(t, rr, 0, a, m)] = e.precision[e.pr_index(t, rr, k, a, m)];
          one.arrays.scores[one.arrays.pr_index(t, rr, 0, a, m)] = e.scores[e.pr_index(t, rr, k, a, m)];
        }
      }
  return stats_of(summarize(one));
}

}  // namespace ds::coco
