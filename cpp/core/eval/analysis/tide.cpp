#include "core/eval/analysis/tide.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <future>
#include <optional>
#include <span>
#include <stdexcept>
#include <unordered_map>

#include "core/eval/analysis/analyses.hpp"
#include "core/util/json_writer.hpp"

namespace ds::analysis {
namespace {

// Everything below follows tidecv 1.0.1 (quantify.py, ap.py, errors/), including the order in
// which it pushes data points: ties in score keep that order when its AP sorts them.

struct Point {
  double score;
  bool positive;
};

struct ClassAP {
  std::size_t points = 0;  // data points pushed (their order: Run's global score order)
  std::int64_t num_gt = 0;
  bool empty() const { return points == 0 && num_gt == 0; }
};

// tidecv's APDataObject.get_ap: COCO-style 101-point AP of one class, in AP points, from its
// points' outcomes in score order. Without its precision and recall arrays (TIDE calls this for
// every class of eight fixed runs, and writing them was most of its time): recall is tp / num_gt
// as the cumulative counts go forward, each bar's index found on the way; precision, made
// non-increasing from the right, comes going backward. Same doubles, same sum order.
double ap_of(std::span<const std::uint8_t> positive, std::int64_t num_gt) {
  if (num_gt == 0) return 0;
  const std::size_t n = positive.size();
  // idx[bar]: the first point whose recall reaches bar / 100 (n: none), non-decreasing in bar.
  std::array<std::size_t, 101> idx;
  std::int64_t tp = 0;
  int bar = 0;
  for (std::size_t i = 0; i < n && bar <= 100; ++i) {
    tp += positive[i] ? 1 : 0;
    const double recall = static_cast<double>(tp) / static_cast<double>(num_gt);
    while (bar <= 100 && recall >= static_cast<double>(bar) / 100.0) idx[static_cast<std::size_t>(bar++)] = i;
  }
  for (; bar <= 100; ++bar) idx[static_cast<std::size_t>(bar)] = n;
  for (std::size_t i = idx[100] + 1; i < n; ++i) tp += positive[i] ? 1 : 0;  // every point's tp
  // Backward: best = max precision over [i, n); each bar takes it at its index.
  std::array<double, 101> at_bar{};
  double best = 0;
  int next = 100;  // bars are filled from the last, whose index is the largest
  while (next >= 0 && idx[static_cast<std::size_t>(next)] >= n) at_bar[static_cast<std::size_t>(next--)] = -1;
  for (std::size_t i = n; i-- > 0 && next >= 0;) {
    const double precision = static_cast<double>(tp) / static_cast<double>(i + 1);
    if (i + 1 == n || precision > best) best = precision;
    while (next >= 0 && idx[static_cast<std::size_t>(next)] == i) at_bar[static_cast<std::size_t>(next--)] = best;
    tp -= positive[i] ? 1 : 0;
  }
  double sum = 0;
  for (const double p : at_bar)
    if (p >= 0) sum += p;
  return sum / 101.0 * 100.0;
}

// tidecv's ClassedAPDataObject: classes in the order first touched.
class ClassedAP {
 public:
  ClassAP& at(std::int64_t cls) { return objs_[slot(cls)]; }
  // The class's position in classes(), touching it.
  std::uint32_t slot(std::int64_t cls) {
    // Class ids are small numbers in every dataset we know: a flat table for them (TIDE looks a
    // class up for every prediction and ground truth), the map for the rest.
    if (cls >= 0 && cls < kFlat) {
      if (flat_.empty()) flat_.assign(kFlat, kNone);
      std::uint32_t& at = flat_[static_cast<std::size_t>(cls)];
      if (at == kNone) at = touch(cls);
      return at;
    }
    const auto [it, fresh] = index_.try_emplace(cls, order_.size());
    if (fresh) touch(cls);
    return static_cast<std::uint32_t>(it->second);
  }
  // The class's position, if it was touched (kNone32 otherwise); touches nothing.
  std::uint32_t find(std::int64_t cls) const {
    if (cls >= 0 && cls < kFlat) return flat_.empty() ? kNone : flat_[static_cast<std::size_t>(cls)];
    const auto it = index_.find(cls);
    return it == index_.end() ? kNone : static_cast<std::uint32_t>(it->second);
  }
  const ClassAP& operator[](std::size_t slot) const { return objs_[slot]; }
  ClassAP& operator[](std::size_t slot) { return objs_[slot]; }
  const std::vector<std::int64_t>& classes() const { return order_; }

 private:
  static constexpr std::int64_t kFlat = 1 << 16;
  static constexpr std::uint32_t kNone = UINT32_MAX;
  std::uint32_t touch(std::int64_t cls) {
    order_.push_back(cls);
    objs_.emplace_back();
    return static_cast<std::uint32_t>(order_.size() - 1);
  }
  std::vector<std::uint32_t> flat_;  // [cls] for 0 <= cls < kFlat: its slot, or kNone
  std::vector<std::int64_t> order_;
  std::vector<ClassAP> objs_;
  std::unordered_map<std::int64_t, std::size_t> index_;
};

enum class Used : std::uint8_t { kNo, kYes, kIgnored };

struct Pred {
  const Detection* det;
  std::size_t id;  // tidecv's _id: its position among all detections
  Used used = Used::kNo;
};

struct Truth {
  std::int64_t cls;
  bool used = false, usable = false;
  double best_score = -1;
  std::size_t best_id = SIZE_MAX;
};

constexpr std::uint32_t kNone32 = UINT32_MAX;

// One error and the data points it stands for: before fixing, its prediction's point (a false
// positive of the prediction's class) unless the prediction was ignored; fixed, a true positive
// of fixed_cls (Cls, Loc: only the best-scoring error of its ground truth), nothing (the other
// false positives), or one ground truth less of cls (Miss). Small: a run has one per false
// positive.
struct Error {
  double score = 0;            // the prediction's
  std::int64_t cls = 0;        // the prediction's class (Miss: the ground truth's)
  std::int64_t fixed_cls = 0;  // Cls, Loc: the fixed point's class
  std::size_t pred_id = SIZE_MAX;
  std::uint32_t gt = kNone32;  // Cls, Loc: the ground truth (in truths_) whose best error is fixed
  TideError type = TideError::kBkg;
  bool original = false;  // has a point before fixing
  bool fixed = false;     // has a point once fixed (known once every image was seen)
};

class Run {
 public:
  Run(const std::vector<ImageBoxes>& images, std::span<const std::uint32_t> by_score, double fg, double bg)
      : fg_(fg), bg_(bg) {
    std::size_t next_id = 0, n_gt = 0, n_dt = 0;
    for (const ImageBoxes& im : images) {
      n_gt += im.gts.size();
      n_dt += im.dts.size();
    }
    truths_.reserve(n_gt);
    errors_.reserve(n_dt + n_gt);  // at most one per prediction and one per missed ground truth
    preds_of_.resize(n_dt);
    for (const ImageBoxes& im : images) {
      evaluate_image(im, next_id);
      next_id += im.dts.size();
    }
    // The fixed versions are known once every error of every image has been seen.
    for (Error& e : errors_)
      if ((e.type == TideError::kCls || e.type == TideError::kLoc) && e.gt != kNone32)
        e.fixed = truths_[e.gt].best_id == e.pred_id;
    walk_by_score(by_score);
  }

  TideResult result() const {
    TideResult r;
    r.ap = ap_;
    const auto main_error = [&](std::size_t t) {
      const auto type = static_cast<TideError>(t);
      r.main[t] = std::max(fixed_map([&](const Error& e) { return e.type == type; }, false, false) - ap_, 0.0);
    };
    // The eight fixed runs only read the run: half of them on a second thread (TIDE is the
    // analyses' longest, and the last to finish).
    auto half = std::async(std::launch::async, [&] {
      for (std::size_t t = 0; t < 3; ++t) main_error(t);
      r.false_pos = fixed_map([](const Error&) { return false; }, true, false) - ap_;
    });
    for (std::size_t t = 3; t < r.main.size(); ++t) main_error(t);
    r.false_neg = fixed_map([](const Error&) { return false; }, false, true) - ap_;
    half.get();
    for (const Error& e : errors_) ++r.counts[static_cast<std::size_t>(e.type)];
    return r;
  }

 private:
  void add_error(TideError type, const Pred& p, std::uint32_t gt = kNone32, std::int64_t fixed_cls = 0) {
    Error e;
    e.type = type;
    e.score = p.det->score;
    e.cls = p.det->category_id;
    e.fixed_cls = fixed_cls;
    e.pred_id = p.id;
    e.original = p.used != Used::kIgnored;
    if (gt != kNone32 && !truths_[gt].used) {
      Truth& t = truths_[gt];
      e.gt = gt;
      t.usable = true;
      if (t.best_score < p.det->score) {
        t.best_score = p.det->score;
        t.best_id = p.id;
      }
    }
    errors_.push_back(e);
  }

  void evaluate_image(const ImageBoxes& im, std::size_t first_id) {
    gt_of_.clear();
    ignore_of_.clear();  // positions in im.gts
    for (std::size_t g = 0; g < im.gts.size(); ++g) (im.gts[g].iscrowd ? ignore_of_ : gt_of_).push_back(g);
    const auto first_truth = static_cast<std::uint32_t>(truths_.size());
    for (const std::size_t g : gt_of_) {
      truths_.push_back({im.gts[g].category_id});
      base_.at(im.gts[g].category_id).num_gt += 1;
    }
    Truth* const truths = truths_.data() + first_truth;
    const auto add_false_negatives = [&] {
      for (std::size_t j = 0; j < gt_of_.size(); ++j) {
        const Truth& t = truths[j];
        if (t.used) continue;
        ++false_negatives_[t.cls];
        if (!t.usable) {
          Error e;
          e.type = TideError::kMiss;
          e.cls = t.cls;
          errors_.push_back(e);
        }
      }
    };
    if (im.dts.empty()) {
      for (std::size_t j = 0; j < gt_of_.size(); ++j) base_.at(truths[j].cls);  // push_false_negative touches the class
      add_false_negatives();
      return;
    }
    std::vector<Pred>& preds = preds_;
    preds.clear();
    for (std::size_t d = 0; d < im.dts.size(); ++d) preds.push_back({&im.dts[d], first_id + d});
    for (std::size_t d = 0; d < im.dts.size(); ++d) preds_of_[first_id + d].score = im.dts[d].score;
    const std::size_t n_gt = gt_of_.size();
    // iou[p][j] with the j-th ground truth that is not a crowd region
    const auto iou = [&](std::size_t p, std::size_t j) { return im.iou(p, gt_of_[j]); };
    const auto same = [&](std::size_t p, std::size_t j) { return preds[p].det->category_id == truths[j].cls; };

    if (n_gt > 0) {
      taken_.assign(n_gt, 0);  // the zeroed columns of tidecv's iou_buffer
      for (std::size_t p = 0; p < preds.size(); ++p) {
        std::size_t best = 0;
        double best_iou = -1;
        for (std::size_t j = 0; j < n_gt; ++j) {
          const double v = taken_[j] || !same(p, j) ? 0.0 : iou(p, j);
          if (v > best_iou) {
            best_iou = v;
            best = j;
          }
        }
        if (best_iou >= fg_) {
          preds[p].used = Used::kYes;
          truths[best].used = true;
          taken_[best] = 1;
        }
      }
    }
    for (const std::size_t g : ignore_of_) {
      const Annotation& region = im.gts[g];
      for (std::size_t p = 0; p < preds.size(); ++p)
        if (preds[p].used == Used::kNo && im.iou(p, g) > fg_ && region.category_id == preds[p].det->category_id)
          preds[p].used = Used::kIgnored;
    }

    for (std::size_t p = 0; p < preds.size(); ++p) {
      const Pred& pred = preds[p];
      PredState& state = preds_of_[pred.id];
      state.used = pred.used;
      if (pred.used != Used::kIgnored) {
        state.slot = base_.slot(pred.det->category_id);
        ++base_[state.slot].points;
      }
      if (pred.used == Used::kYes) continue;
      state.error = static_cast<std::uint32_t>(errors_.size());  // the one error added below
      if (n_gt == 0) {
        add_error(TideError::kBkg, pred);
        continue;
      }
      // argmax over the ground truth of value(j), the first of equal maxima (NumPy's argmax)
      const auto argmax = [&](auto value) {
        std::size_t best = 0;
        double v = value(0);
        for (std::size_t j = 1; j < n_gt; ++j)
          if (const double x = value(j); x > v) {
            v = x;
            best = j;
          }
        return std::pair{best, v};
      };
      const auto truth = [&](std::size_t j) { return first_truth + static_cast<std::uint32_t>(j); };
      if (const auto [j, v] = argmax([&](std::size_t j) { return same(p, j) ? iou(p, j) : 0.0; });
          bg_ <= v && v <= fg_) {
        add_error(TideError::kLoc, pred, truth(j), pred.det->category_id);
        continue;
      }
      if (const auto [j, v] = argmax([&](std::size_t j) { return same(p, j) ? 0.0 : iou(p, j); }); v >= fg_) {
        add_error(TideError::kCls, pred, truth(j), truths[j].cls);
        continue;
      }
      if (const auto [j, v] = argmax([&](std::size_t j) { return truths[j].used && same(p, j) ? iou(p, j) : 0.0; });
          v >= fg_) {
        add_error(TideError::kDupe, pred);
        continue;
      }
      if (const auto [j, v] = argmax([&](std::size_t j) { return iou(p, j); }); v <= bg_) {
        add_error(TideError::kBkg, pred);
        continue;
      }
      add_error(TideError::kBoth, pred);
    }
    add_false_negatives();
  }

  // tidecv's TIDERun.fix_errors then get_mAP, without building and sorting each fixed run's data
  // points again. A fixed run's points of one class are some of a fixed set of candidates: each
  // error's original point, each error's fixed point, and the class's true positives; which of
  // an error's two points is in depends only on the condition. tidecv sorts a class's points
  // stably by score, and it pushes the errors' points first (in error order), then the true
  // positives: so in every fixed run the order is (score descending, then that push position),
  // and one ordering of the candidates serves every run. With perfect scores the order is the
  // true positives, then the rest: only counts matter.
  struct Candidate {
    double score;
    std::uint32_t error;   // the error it comes from, kNone32 for a true positive
    bool positive, fixed;  // fixed: the error's fixed point (else its original one)
  };

  // Each prediction's outcome, by tidecv's _id: all that walk_by_score reads of it, in one place
  // (it visits the predictions in no order of memory).
  struct PredState {
    double score = 0;
    std::uint32_t slot = kNone32;        // its class's position in base_.classes() (ignored: none)
    std::uint32_t error = kNone32;       // its error (in errors_), if any
    std::uint32_t fixed_slot = kNone32;  // its error's fixed point's class position, if fixed
    Used used = Used::kNo;
    bool original = false, fixed = false;  // its error's points (set by walk_by_score)
  };

  // One walk down the global score order by_score (score, then _id: tidecv's push order) for
  // both of these:
  // - tidecv's mAP of the unfixed run: each class's points (the predictions not ignored) sorted
  //   stably by score, that is in that order;
  // - the candidates of each class in fixed-run order: (score descending, the errors' points
  //   before the true positives, then _id), from that order and one stable partition of each
  //   run of equal scores.
  // by_score visits the predictions in no order of memory: each one's PredState is prefetched a
  // few steps ahead. (No new table here: at 10M predictions, fresh pages cost more than reads.)
  void walk_by_score(std::span<const std::uint32_t> by_score) {
    const std::vector<std::int64_t>& classes = base_.classes();
    slots_.resize(errors_.size());
    fixed_slots_.resize(errors_.size());
    for (std::size_t n = 0; n < errors_.size(); ++n) {
      const Error& e = errors_[n];
      // An ignored prediction's class may have no point at all: it needs no slot.
      slots_[n] = base_.find(e.cls);
      // A fixed point's class has points (a ground truth's or a counted prediction's).
      fixed_slots_[n] = e.fixed ? base_.find(e.fixed_cls) : kNone32;
      if (e.fixed && fixed_slots_[n] == kNone32) throw std::logic_error("TIDE: a fixed point's class was never seen");
    }
    const std::size_t C = classes.size();
    // Each class's list sized first (a true positive or an error's original point counts for the
    // prediction's class, a fixed point for its fixed class): at 10M predictions, growing them
    // by doubling copied gigabytes.
    std::vector<std::size_t> listed(C, 0);
    for (PredState& k : preds_of_) {
      if (k.used == Used::kYes) ++listed[k.slot];
      if (k.error != kNone32) {
        const Error& e = errors_[k.error];
        k.original = e.original;
        k.fixed = e.fixed;
        k.fixed_slot = fixed_slots_[k.error];
        if (k.original) ++listed[k.slot];
        if (k.fixed) ++listed[k.fixed_slot];
      }
    }
    std::vector<std::vector<std::uint8_t>> flags(C);
    for (std::size_t c = 0; c < C; ++c) flags[c].reserve(base_[c].points);
    candidates_.assign(C, {});
    for (std::size_t c = 0; c < C; ++c) candidates_[c].reserve(listed[c]);
    constexpr std::size_t kAhead = 16;
    for (std::size_t n = 0; n < by_score.size(); ++n) {
      if (n + kAhead < by_score.size()) __builtin_prefetch(&preds_of_[by_score[n + kAhead]]);
      const PredState& k = preds_of_[by_score[n]];
      if (k.used != Used::kIgnored) flags[k.slot].push_back(k.used == Used::kYes);
      if (k.used == Used::kYes) candidates_[k.slot].push_back({k.score, kNone32, true, false});
      if (k.error == kNone32) continue;
      // An error's original point is its prediction's own (class k.slot); ignored: none.
      if (k.original) candidates_[k.slot].push_back({k.score, k.error, false, false});
      if (k.fixed) candidates_[k.fixed_slot].push_back({k.score, k.error, true, true});
    }
    double sum = 0;
    std::size_t counted = 0;
    for (std::size_t c = 0; c < C; ++c)
      if (!base_[c].empty()) {
        sum += ap_of(flags[c], base_[c].num_gt);
        ++counted;
      }
    ap_ = counted > 0 ? sum / static_cast<double>(counted) : 0.0;  // tidecv divides by zero here
    std::vector<PredState>().swap(preds_of_);  // the fixed runs read the errors and candidates only
    for (std::vector<Candidate>& list : candidates_)
      for (auto run = list.begin(); run != list.end();) {
        const auto end = std::find_if(run, list.end(), [&](const Candidate& k) { return k.score != run->score; });
        if (end - run > 1) std::stable_partition(run, end, [](const Candidate& k) { return k.error != kNone32; });
        run = end;
      }
  }

  // The mAP of the run in which the errors meeting `condition` are fixed.
  template <class Condition>
  double fixed_map(Condition condition, bool perfect_scores, bool remove_false_negatives) const {
    const std::vector<std::int64_t>& classes = base_.classes();
    const std::size_t C = classes.size();
    std::vector<std::uint8_t> fixed(errors_.size());
    std::vector<std::int64_t> num_gt(C);
    for (std::size_t c = 0; c < C; ++c) num_gt[c] = base_[c].num_gt;
    // tidecv's ClassedAPDataObject keeps classes in the order first touched: by the errors'
    // points, then every class of the unfixed run. mAP sums in that order.
    std::vector<std::uint32_t> order;
    std::vector<std::uint8_t> touched(C, 0);
    for (std::size_t n = 0; n < errors_.size(); ++n) {
      const Error& e = errors_[n];
      fixed[n] = condition(e) ? 1 : 0;
      if (e.type == TideError::kMiss) {
        if (fixed[n]) num_gt[slots_[n]] -= 1;
        continue;
      }
      if (!(fixed[n] ? e.fixed : e.original)) continue;
      const std::uint32_t c = fixed[n] ? fixed_slots_[n] : slots_[n];
      if (!touched[c]) {
        touched[c] = 1;
        order.push_back(c);
      }
    }
    for (std::size_t c = 0; c < C; ++c)
      if (!touched[c]) order.push_back(static_cast<std::uint32_t>(c));
    if (remove_false_negatives)
      for (std::size_t c = 0; c < C; ++c)
        if (const auto it = false_negatives_.find(classes[c]); it != false_negatives_.end()) num_gt[c] -= it->second;
    double sum = 0;
    std::size_t n = 0;
    std::vector<std::uint8_t> flags;
    for (const std::uint32_t c : order) {
      flags.clear();
      for (const Candidate& k : candidates_[c])
        if (k.error == kNone32 || fixed[k.error] == static_cast<std::uint8_t>(k.fixed)) flags.push_back(k.positive);
      if (flags.empty() && num_gt[c] == 0) continue;
      if (perfect_scores) std::stable_partition(flags.begin(), flags.end(), [](std::uint8_t f) { return f != 0; });
      sum += ap_of(flags, num_gt[c]);
      ++n;
    }
    return n > 0 ? sum / static_cast<double>(n) : 0.0;
  }

  double fg_, bg_;
  ClassedAP base_;
  std::vector<Error> errors_;
  std::vector<Truth> truths_;  // every image's ground truth that is not a crowd region
  std::unordered_map<std::int64_t, std::int64_t> false_negatives_;
  double ap_ = 0;
  std::vector<std::uint32_t> slots_, fixed_slots_;  // each error's classes, as positions in base_.classes()
  std::vector<std::vector<Candidate>> candidates_;   // per class position, in fixed-run order
  std::vector<PredState> preds_of_;                  // by _id
  // evaluate_image's scratch
  std::vector<std::size_t> gt_of_, ignore_of_;
  std::vector<Pred> preds_;
  std::vector<std::uint8_t> taken_;
};

}  // namespace

TideResult tide(const std::vector<ImageBoxes>& images, double foreground, double background) {
  return tide(images, detections_by_score(images), foreground, background);
}

TideResult tide(const std::vector<ImageBoxes>& images, std::span<const std::uint32_t> by_score, double foreground,
                double background) {
  return Run(images, by_score, foreground, background).result();
}

Metrics tide_analysis(const AnalysisContext& context) {
  const TideResult r = tide(context.images, context.by_score);
  JsonWriter w(1);
  w.begin_object().key("main").begin_object();
  for (std::size_t t = 0; t < r.main.size(); ++t) w.field(kTideErrorNames[t], r.main[t]);
  w.end_object().key("special").begin_object().field("FalsePos", r.false_pos).field("FalseNeg", r.false_neg);
  w.end_object().field("ap50", r.ap).key("counts").begin_object();
  for (std::size_t t = 0; t < r.counts.size(); ++t) w.field(kTideErrorNames[t], static_cast<std::int64_t>(r.counts[t]));
  w.end_object().end_object();
  Metrics m;
  m.json_fields.emplace_back("tide", w.take());
  // The largest errors first: what to fix.
  std::array<std::size_t, 6> order{0, 1, 2, 3, 4, 5};
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return r.main[a] > r.main[b]; });
  char line[256];
  std::snprintf(line, sizeof line, "TIDE errors (dAP at IoU 0.5, AP50 %.2f): %s %.2f, %s %.2f, %s %.2f; FalsePos %.2f, FalseNeg %.2f\n",
                r.ap, kTideErrorNames[order[0]], r.main[order[0]], kTideErrorNames[order[1]], r.main[order[1]],
                kTideErrorNames[order[2]], r.main[order[2]], r.false_pos, r.false_neg);
  m.text = line;
  Section s{"tide", "TIDE errors", "", std::string("tidecv's error types (Bolya et al., ECCV 2020), matched by ") +
                                       context.matched_by + ": dAP is the AP50 points fixing that error type alone would add"};
  s.values.push_back({"tide.ap50", "TIDE AP50", "AP at 0.5 as TIDE computes it (0-100)", r.ap, true, ValueFormat::kNumber});
  for (std::size_t t = 0; t < r.main.size(); ++t)
    s.values.push_back({std::string("tide.main.") + kTideErrorNames[t], std::string("dAP ") + kTideErrorNames[t],
                        std::string("AP50 points lost to ") + kTideErrorNames[t] + " errors", r.main[t], false,
                        ValueFormat::kNumber});
  s.charts.push_back({"tide", "tide", "TIDE errors", s.meaning});
  m.sections.push_back(std::move(s));
  return m;
}

}  // namespace ds::analysis
