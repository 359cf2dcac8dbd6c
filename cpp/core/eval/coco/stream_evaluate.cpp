#include "core/eval/coco/stream_evaluate.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "core/dataset/id_index.hpp"
#include "core/eval/coco/iou.hpp"
#include "core/eval/coco/match_records.hpp"
#include "core/eval/coco/matching.hpp"
#include "core/util/error.hpp"
#include "core/util/parallel.hpp"

namespace ds::coco {
namespace {

// What every image's matching reads: the params as evaluate() settles them, the id indexes, the
// ground truth grouped by image then category (file order within a group, as pycocotools'
// _gts[img, cat]) and what accumulate needs of it alone.
struct Setup {
  Params p;
  IdIndex images, cats;
  std::size_t I = 0, K = 0, A = 0, T = 0, max_det = 0;
  std::vector<const Annotation*> gt;   // by image position, then category position
  std::vector<std::uint32_t> gt_cat;   // gt[n]'s category position
  std::vector<std::uint64_t> gt_first; // [I + 1]: image i's ground truth is [gt_first[i], gt_first[i + 1])
  std::vector<std::size_t> counted;    // [k * A + a]: ground truth counted (npig), neither crowd nor out of range
  std::vector<std::uint8_t> has_gt;    // [k]: some evaluated image has ground truth of category k
};

Setup make_setup(const Dataset& gt, const Params& params) {
  Setup s;
  // The params evaluate() settles on: maxDets sorted, every image and category of the ground
  // truth unless given, ids sorted and unique (not evaluate(gt, {}) itself: it would copy the
  // ground truth into its groups, a second ground truth at the peak).
  s.p = params;
  if (s.p.iou_thrs.empty() || s.p.rec_thrs.empty() || s.p.max_dets.empty() || s.p.area_rng.empty())
    throw Error("params: iouThrs, recThrs, maxDets and areaRng must not be empty");
  for (const int m : s.p.max_dets)
    if (m < 0) throw Error("params: maxDets must not be negative (got " + std::to_string(m) + ")");
  std::sort(s.p.max_dets.begin(), s.p.max_dets.end());
  if (!s.p.img_ids) {
    s.p.img_ids.emplace();
    for (const Image& im : gt.images) s.p.img_ids->push_back(im.id);
  }
  s.p.img_ids = sorted_unique(std::move(*s.p.img_ids));
  if (!s.p.cat_ids) {
    s.p.cat_ids.emplace();
    for (const Category& c : gt.categories) s.p.cat_ids->push_back(c.id);
  }
  s.p.cat_ids = sorted_unique(std::move(*s.p.cat_ids));
  s.images = IdIndex(*s.p.img_ids);
  s.cats = IdIndex(*s.p.cat_ids);
  s.I = s.p.img_ids->size();
  s.K = s.p.cat_ids->size();
  s.A = s.p.area_rng.size();
  s.T = s.p.iou_thrs.size();
  s.max_det = static_cast<std::size_t>(std::max(s.p.max_dets.back(), 0));
  struct Keyed {
    std::uint32_t i, k, n;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(gt.annotations.size());
  s.counted.assign(s.K * s.A, 0);
  s.has_gt.assign(s.K, 0);
  for (std::size_t n = 0; n < gt.annotations.size(); ++n) {
    const Annotation& a = gt.annotations[n];
    const std::int32_t i = s.images.find(a.image_id), k = s.cats.find(a.category_id);
    if (i == IdIndex::npos || k == IdIndex::npos) continue;
    keyed.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(n)});
    s.has_gt[static_cast<std::size_t>(k)] = 1;
    // match_image's rule for a box: crowd regions and areas outside the range are ignored.
    if (a.iscrowd) continue;
    for (std::size_t r = 0; r < s.A; ++r)
      if (!(a.area < s.p.area_rng[r][0] || a.area > s.p.area_rng[r][1])) ++s.counted[static_cast<std::size_t>(k) * s.A + r];
  }
  std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
    return a.i != b.i ? a.i < b.i : a.k != b.k ? a.k < b.k : a.n < b.n;
  });
  s.gt_first.assign(s.I + 1, 0);
  for (const Keyed& e : keyed) {
    s.gt.push_back(&gt.annotations[e.n]);
    s.gt_cat.push_back(e.k);
    ++s.gt_first[e.i + 1];
  }
  for (std::size_t i = 0; i < s.I; ++i) s.gt_first[i + 1] += s.gt_first[i];
  return s;
}

// An append-only array in blocks of 16Ki elements: growing never copies, and the slack is one
// block (a vector doubling would hold up to twice the records at its peak, and copy them).
template <class T>
class Chunked {
 public:
  void push_back(T v) {
    if (size_ == blocks_.size() << kShift) {
      blocks_.emplace_back();
      blocks_.back().reserve(std::size_t{1} << kShift);
    }
    blocks_.back().push_back(v);
    ++size_;
  }
  const T& operator[](std::size_t n) const { return blocks_[n >> kShift][n & kMask]; }
  std::size_t size() const { return size_; }
  std::size_t bytes() const { return size_ * sizeof(T); }
  bool is_sorted() const {
    for (std::size_t n = 1; n < size_; ++n)
      if ((*this)[n] < (*this)[n - 1]) return false;
    return true;
  }

 private:
  static constexpr unsigned kShift = 14;
  static constexpr std::size_t kMask = (std::size_t{1} << kShift) - 1;
  std::vector<std::vector<T>> blocks_;
  std::size_t size_ = 0;
};

// One category's match records, in the order they were matched.
struct CategoryRecords {
  Chunked<double> score;
  Chunked<std::uint64_t> key;   // image position << 32 | rank in its image
  Chunked<std::uint16_t> bits;  // per record 2A words: tp[a] then ignored[a], bit t per IoU threshold
};

// By descending score, ties in input order (pycocotools' mergesort of -score), as evaluate().
void sort_by_score(std::vector<const Detection*>& dts) {
  if (dts.size() > 32) {
    std::stable_sort(dts.begin(), dts.end(), [](const Detection* a, const Detection* b) { return a->score > b->score; });
    return;
  }
  for (std::size_t i = 1; i < dts.size(); ++i) {
    const Detection* d = dts[i];
    std::size_t j = i;
    for (; j > 0 && dts[j - 1]->score < d->score; --j) dts[j] = dts[j - 1];
    dts[j] = d;
  }
}

// Matches whole images into its own records (one per thread).
class Matcher {
 public:
  Matcher(const Setup& s, const ImageObserver& on_image)
      : s_(s), on_image_(on_image), cats_(s.K), dt_count_(s.K, 0), has_dt_(s.K, 0) {}

  // Image position i with its detections in file order (all of them: the image is complete).
  void image(std::uint32_t i, std::span<const Detection> dts) {
    const Setup& s = s_;
    if (on_image_) on_image_((*s.p.img_ids)[i], dts);
    keyed_.clear();
    for (std::size_t n = 0; n < dts.size(); ++n)
      if (const std::int32_t k = s.cats.find(dts[n].category_id); k != IdIndex::npos)
        keyed_.push_back({static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(n)});
    std::sort(keyed_.begin(), keyed_.end());  // by category, file order within one
    const std::uint64_t g_end = s.gt_first[i + 1];
    std::uint64_t g = s.gt_first[i];
    for (std::size_t r = 0; r < keyed_.size();) {
      const std::uint32_t k = keyed_[r].first;
      ptrs_.clear();
      for (; r < keyed_.size() && keyed_[r].first == k; ++r) ptrs_.push_back(&dts[keyed_[r].second]);
      dt_count_[k] += ptrs_.size();
      has_dt_[k] = 1;
      sort_by_score(ptrs_);
      if (ptrs_.size() > s.max_det) ptrs_.resize(s.max_det);
      while (g < g_end && s.gt_cat[g] < k) ++g;
      const std::uint64_t g0 = g;
      while (g < g_end && s.gt_cat[g] == k) ++g;
      const std::span<const Annotation* const> gts(s.gt.data() + g0, g - g0);
      match(i, k, gts);
    }
  }

  std::vector<CategoryRecords>& records() { return cats_; }
  const std::vector<std::size_t>& dt_count() const { return dt_count_; }
  const std::vector<std::uint8_t>& has_dt() const { return has_dt_; }

 private:
  void match(std::uint32_t i, std::uint32_t k, std::span<const Annotation* const> gts) {
    const Setup& s = s_;
    const std::size_t n_dt = ptrs_.size(), n_gt = gts.size(), A = s.A, T = s.T, AT = A * T;
    if (n_dt == 0) return;
    CategoryRecords& c = cats_[k];
    const auto all = static_cast<std::uint16_t>((1u << T) - 1);
    if (n_gt == 0) {
      // Nothing to match (a category the image does not have: most groups): match_image would
      // call each detection ignored where its area is outside the range, else a false positive.
      for (std::size_t d = 0; d < n_dt; ++d) {
        c.score.push_back(ptrs_[d]->score);
        c.key.push_back(std::uint64_t{i} << 32 | d);
        const double area = ptrs_[d]->bbox.w * ptrs_[d]->bbox.h;
        for (std::size_t a = 0; a < A; ++a) c.bits.push_back(0);
        for (std::size_t a = 0; a < A; ++a) {
          const bool outside = area < s.p.area_rng[a][0] || area > s.p.area_rng[a][1];
          c.bits.push_back(outside ? all : 0);
        }
      }
      return;
    }
    ious_.resize(n_dt * n_gt);
    box_iou(ptrs_, gts, ious_);
    ImageGroup group;
    group.gts = gts;
    group.dts = ptrs_;
    group.ious = ious_;
    status_.resize(n_dt * AT);
    const std::span<DtStatus> status(status_);
    for (std::size_t a = 0; a < A; ++a) match_image(group, s.p.area_rng[a], s.p.iou_thrs, status.subspan(a * T), AT, scratch_);
    for (std::size_t d = 0; d < n_dt; ++d) {
      c.score.push_back(ptrs_[d]->score);
      c.key.push_back(std::uint64_t{i} << 32 | d);
      const DtStatus* st = status_.data() + d * AT;
      words_.resize(2 * A);  // tp[a], then ignored[a]
      for (std::size_t a = 0; a < A; ++a) {
        unsigned t_bits = 0, i_bits = 0;
        for (std::size_t t = 0; t < T; ++t) {
          t_bits |= unsigned{st[a * T + t] == DtStatus::kTruePositive} << t;
          i_bits |= unsigned{st[a * T + t] == DtStatus::kIgnored} << t;
        }
        words_[a] = static_cast<std::uint16_t>(t_bits);
        words_[A + a] = static_cast<std::uint16_t>(i_bits);
      }
      for (const std::uint16_t w : words_) c.bits.push_back(w);
    }
  }

  const Setup& s_;
  const ImageObserver& on_image_;
  std::vector<CategoryRecords> cats_;
  std::vector<std::size_t> dt_count_;
  std::vector<std::uint8_t> has_dt_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> keyed_;  // (category, index in the image)
  std::vector<const Detection*> ptrs_;
  std::vector<double> ious_;
  std::vector<DtStatus> status_;
  std::vector<std::uint16_t> words_;
  MatchScratch scratch_;
};

// Batches read on a thread of their own, at most two ahead of the matching.
class Prefetch {
 public:
  explicit Prefetch(DetectionBatches batches) : batches_(std::move(batches)) {
    thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
  }
  ~Prefetch() {
    {
      const std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    changed_.notify_all();
  }
  Prefetch(const Prefetch&) = delete;
  Prefetch& operator=(const Prefetch&) = delete;

  // The next batch (false at the end); rethrows what the reading threw.
  bool next(std::vector<Detection>& out) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty() || done_; });
    if (queue_.empty()) {
      if (failed_) std::rethrow_exception(failed_);
      return false;
    }
    out = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
    return true;
  }

 private:
  void run(std::stop_token) {
    try {
      for (;;) {
        std::vector<Detection> batch;
        if (!batches_(batch)) break;
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return queue_.size() < 2 || stopped_; });
        if (stopped_) return;
        queue_.push_back(std::move(batch));
        changed_.notify_all();
      }
    } catch (...) {
      const std::lock_guard lock(mutex_);
      failed_ = std::current_exception();
    }
    const std::lock_guard lock(mutex_);
    done_ = true;
    changed_.notify_all();
  }

  DetectionBatches batches_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::vector<Detection>> queue_;
  bool done_ = false, stopped_ = false;
  std::exception_ptr failed_;
  std::jthread thread_;  // last: joined before the members it uses go
};

[[noreturn]] void not_an_image(const Dataset& gt, const std::string& source, std::size_t n, std::int64_t image_id) {
  // check_result_images' words.
  throw Error(source + ": detection [" + std::to_string(n) + "]: image_id " + std::to_string(image_id) +
              " is not an image of the ground truth" + (gt.source.empty() ? "" : " (" + gt.source + ")"));
}

// The one pass over a file grouped by image: false (records dropped) as soon as an image comes
// back after another one.
bool grouped_pass(const Dataset& gt, const Setup& s, const OpenDetections& open, const std::string& source,
                  Matcher& matcher, std::size_t& count) {
  std::vector<std::uint8_t> seen(s.I, 0);
  std::vector<Detection> batch, run;  // run: the current image's detections, across batches
  std::int64_t run_image = -1;
  Prefetch prefetch(open());
  count = 0;
  while (prefetch.next(batch)) {
    for (std::size_t n = 0; n < batch.size();) {
      const std::int32_t i = s.images.find(batch[n].image_id);
      if (i == IdIndex::npos) not_an_image(gt, source, count + n, batch[n].image_id);
      std::size_t e = n + 1;
      while (e < batch.size() && batch[e].image_id == batch[n].image_id) ++e;
      const bool complete = e < batch.size();  // else the next batch may go on with this image
      if (i == run_image) {  // the last image of the previous batch goes on
        run.insert(run.end(), std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(n)),
                   std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(e)));
      } else {
        if (run_image >= 0) matcher.image(static_cast<std::uint32_t>(run_image), run);
        run.clear();
        run_image = -1;
        if (seen[static_cast<std::size_t>(i)]) return false;
        seen[static_cast<std::size_t>(i)] = 1;
        if (complete) {
          // Whole within the batch (the usual case): matched where it lies.
          matcher.image(static_cast<std::uint32_t>(i), std::span<const Detection>(batch.data() + n, e - n));
        } else {
          run.assign(std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(n)),
                     std::make_move_iterator(batch.end()));
          run_image = i;
        }
      }
      if (complete && run_image == i) {
        matcher.image(static_cast<std::uint32_t>(i), run);
        run.clear();
        run_image = -1;
      }
      n = e;
    }
    count += batch.size();
  }
  if (run_image >= 0) matcher.image(static_cast<std::uint32_t>(run_image), run);
  return true;
}

// A detection as the second pass buckets it on disk.
struct Spilled {
  std::uint32_t image;  // position
  std::uint32_t pad;
  std::int64_t category_id;
  double box[4];
  double score;
};
static_assert(sizeof(Spilled) == 56);

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using TempFile = std::unique_ptr<std::FILE, FileCloser>;

// The second pass for a file not grouped by image: every record into the bucket of its image's
// range (file order kept within a bucket), then each bucket grouped by image in memory.
void bucketed_pass(const Dataset& gt, const Setup& s, const OpenDetections& open, const std::string& source,
                   Matcher& matcher, std::size_t& count) {
  // ~1M detections (56 MB) per bucket for 100 detections per image.
  const std::size_t per_bucket = 10000;
  const std::size_t B = std::max<std::size_t>(1, (s.I + per_bucket - 1) / per_bucket);
  std::vector<TempFile> files;
  std::vector<std::vector<Spilled>> pending(B);
  for (std::size_t b = 0; b < B; ++b) {
    files.emplace_back(std::tmpfile());
    if (!files.back()) throw Error(std::string("a temporary file for the results' second pass: ") + std::strerror(errno));
  }
  const auto flush = [&](std::size_t b) {
    if (pending[b].empty()) return;
    if (std::fwrite(pending[b].data(), sizeof(Spilled), pending[b].size(), files[b].get()) != pending[b].size())
      throw Error(std::string("writing a temporary file for the results' second pass: ") + std::strerror(errno));
    pending[b].clear();
  };
  count = 0;
  {
    Prefetch prefetch(open());
    std::vector<Detection> batch;
    while (prefetch.next(batch)) {
      for (std::size_t n = 0; n < batch.size(); ++n) {
        const Detection& d = batch[n];
        const std::int32_t i = s.images.find(d.image_id);
        if (i == IdIndex::npos) not_an_image(gt, source, count + n, d.image_id);
        const std::size_t b = static_cast<std::size_t>(i) / per_bucket;
        pending[b].push_back({static_cast<std::uint32_t>(i), 0, d.category_id, {d.bbox.x, d.bbox.y, d.bbox.w, d.bbox.h}, d.score});
        if (pending[b].size() == 1024) flush(b);
      }
      count += batch.size();
    }
  }
  std::vector<Spilled> bucket, sorted;
  std::vector<std::uint32_t> first;
  std::vector<Detection> dts;
  for (std::size_t b = 0; b < B; ++b) {
    flush(b);
    std::FILE* f = files[b].get();
    const long bytes = std::ftell(f);
    bucket.resize(static_cast<std::size_t>(bytes) / sizeof(Spilled));
    std::rewind(f);
    if (std::fread(bucket.data(), sizeof(Spilled), bucket.size(), f) != bucket.size())
      throw Error(std::string("reading a temporary file of the results' second pass: ") + std::strerror(errno));
    files[b].reset();
    // Stable counting sort by image.
    const std::size_t i0 = b * per_bucket, n_img = std::min(per_bucket, s.I - i0);
    first.assign(n_img + 1, 0);
    for (const Spilled& r : bucket) ++first[r.image - i0 + 1];
    for (std::size_t i = 0; i < n_img; ++i) first[i + 1] += first[i];
    sorted.resize(bucket.size());
    {
      std::vector<std::uint32_t> at(first.begin(), first.end() - 1);
      for (const Spilled& r : bucket) sorted[at[r.image - i0]++] = r;
    }
    for (std::size_t i = 0; i < n_img; ++i) {
      if (first[i] == first[i + 1]) continue;
      dts.clear();
      for (std::uint32_t n = first[i]; n < first[i + 1]; ++n) {
        const Spilled& r = sorted[n];
        Detection d;
        d.image_id = (*s.p.img_ids)[i0 + i];
        d.category_id = r.category_id;
        d.bbox = {r.box[0], r.box[1], r.box[2], r.box[3]};
        d.score = r.score;
        dts.push_back(std::move(d));
      }
      matcher.image(static_cast<std::uint32_t>(i0 + i), dts);
    }
  }
}

}  // namespace

bool stream_fits(const Dataset& gt, const Params& p) {
  return p.iou_type == IouType::kBbox && records_fit(p) && !p.objects && p.object_slices.empty() &&
         !has_duplicate_annotation_ids(gt);
}

StreamedEvaluation stream_evaluate(const Dataset& gt, const OpenDetections& open, const Params& params,
                                   const std::string& source, const StreamHooks& hooks) {
  if (!stream_fits(gt, params)) throw Error("stream_evaluate: these params need the whole evaluation (evaluate())");
  const Setup s = make_setup(gt, params);
  StreamedEvaluation out;
  std::unique_ptr<Matcher> matcher = std::make_unique<Matcher>(s, hooks.on_image);
  if (!grouped_pass(gt, s, open, source, *matcher, out.detections)) {
    out.grouped = false;
    matcher = std::make_unique<Matcher>(s, hooks.on_image);
    bucketed_pass(gt, s, open, source, *matcher, out.detections);
  }
  if (hooks.on_matched) hooks.on_matched();
  std::vector<CategoryRecords>& records = matcher->records();
  for (const CategoryRecords& c : records)
    out.record_bytes += c.score.bytes() + c.key.bytes() + c.bits.bytes();
  const std::size_t A = s.A, T = s.T;
  out.result.params = s.p;
  out.result.arrays = EvalArrays(T, s.p.rec_thrs.size(), s.K, A, s.p.max_dets.size());
  out.dt_count.assign(matcher->dt_count().begin(), matcher->dt_count().end());
  // Each category on its own: its records in pycocotools' order (images by position, each
  // image's by rank), accumulated, then given back.
  on_cores(s.K, [&](const auto& take) {
    CategoryBits cb;
    AccumulateScratch scratch;
    std::vector<std::uint32_t> order;
    for (std::size_t k = take(); k < s.K; k = take()) {
      CategoryRecords& c = records[k];
      const std::size_t D = c.score.size();
      cb.clear();
      cb.has_images = s.has_gt[k] || matcher->has_dt()[k];
      cb.counted_gt.assign(s.counted.begin() + static_cast<std::ptrdiff_t>(k * A),
                           s.counted.begin() + static_cast<std::ptrdiff_t>((k + 1) * A));
      const auto add = [&](std::size_t j) {
        cb.scores.push_back(c.score[j]);
        cb.rank.push_back(static_cast<std::uint32_t>(c.key[j] & 0xffffffffu));
        for (std::size_t a = 0; a < A; ++a) cb.tp.push_back(c.bits[j * 2 * A + a]);
        for (std::size_t a = 0; a < A; ++a) cb.ignored.push_back(c.bits[j * 2 * A + A + a]);
      };
      if (c.key.is_sorted()) {
        for (std::size_t j = 0; j < D; ++j) add(j);
      } else {
        order.resize(D);
        for (std::size_t j = 0; j < D; ++j) order[j] = static_cast<std::uint32_t>(j);
        std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return c.key[a] < c.key[b]; });
        for (const std::uint32_t j : order) add(j);
      }
      c = CategoryRecords{};
      accumulate_bits(cb, out.result.params, k, out.result.arrays, scratch);
    }
  });
  return out;
}

}  // namespace ds::coco
