#include "core/eval/coco/match_records.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <cstring>

#include "core/dataset/id_index.hpp"
#include "core/util/error.hpp"
#include "core/util/parallel.hpp"

namespace ds::coco {
namespace {

// The layout (docs/scale.md), little-endian, every array starting at a multiple of 8 bytes:
//   char magic[8] "DSMATCH1"; u32 T, A, K, reserved; u64 G (groups), D (detections);
//   f64 iou_thrs[T]; f64 area_rng[A][2]; i64 max_dets (the largest); i64 cat_ids[K];
//   i64 image_id[G]; u32 category[G]; u32 dt_count[G]; u32 gt_counted[G][A]; (pad to 8)
//   u64 first[G + 1] (each group's detections: [first[g], first[g + 1]));
//   f64 score[D]; u16 tp[D][A]; u16 ignored[D][A] (bit t: at iou_thrs[t]; neither: a false positive)
// Groups come category by category, images in id order within one; a group's detections by
// descending score (pycocotools' order), at most max_dets of them.
struct Header {
  char magic[8];
  std::uint32_t T, A, K, reserved;
  std::uint64_t G, D;
};
static_assert(sizeof(Header) == 40);

std::size_t pad8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

template <class T>
void put(std::string& out, const T* data, std::size_t n) {
  out.append(reinterpret_cast<const char*>(data), n * sizeof(T));
}
void align(std::string& out) { out.resize(pad8(out.size()), '\0'); }

// Where each array of a file lies, from its header.
struct Layout {
  Header h{};
  std::size_t iou_thrs = 0, area_rng = 0, max_dets = 0, cat_ids = 0, image_id = 0, category = 0, dt_count = 0,
              gt_counted = 0, first = 0, score = 0, tp = 0, ignored = 0, end = 0;

  explicit Layout(const Header& header) : h(header) {
    std::size_t at = sizeof(Header);
    const auto take = [&](std::size_t bytes) {
      const std::size_t here = at;
      at += bytes;
      return here;
    };
    iou_thrs = take(8 * h.T);
    area_rng = take(16 * h.A);
    max_dets = take(8);
    cat_ids = take(8 * h.K);
    image_id = take(8 * h.G);
    category = take(4 * h.G);
    dt_count = take(4 * h.G);
    gt_counted = take(4 * h.G * h.A);
    at = pad8(at);
    first = take(8 * (h.G + 1));
    score = take(8 * h.D);
    tp = take(2 * h.D * h.A);
    ignored = take(2 * h.D * h.A);
    end = at;
  }
};

// A records file mapped read-only; the pages of a category are dropped once it is merged.
class Mapped {
 public:
  explicit Mapped(const std::filesystem::path& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error(path.string() + ": cannot open (" + std::strerror(errno) + ")");
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw Error(path.string() + ": cannot read (" + std::strerror(errno) + ")");
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ < sizeof(Header)) fail("too short for a match records file");
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) throw Error(path.string() + ": cannot map (" + std::strerror(errno) + ")");
    data_ = static_cast<const char*>(p);
  }
  ~Mapped() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
  }
  Mapped(const Mapped&) = delete;
  Mapped& operator=(const Mapped&) = delete;

  template <class T>
  const T* at(std::size_t offset) const {
    return reinterpret_cast<const T*>(data_ + offset);
  }
  std::size_t size() const { return size_; }
  // Gives the pages of [begin, end) back (they are the file's: read again if touched).
  void drop(std::size_t begin, std::size_t end) const {
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    begin = (begin + page - 1) / page * page;
    end = end / page * page;
    if (end > begin) ::madvise(const_cast<char*>(data_) + begin, end - begin, MADV_DONTNEED);
  }
  [[noreturn]] void fail(const std::string& what) const { throw Error(path_.string() + ": " + what); }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace

bool records_fit(const Params& p) {
  return p.use_cats && !p.federated && !p.iou_thrs.empty() && p.iou_thrs.size() <= 16 && !p.area_rng.empty();
}

std::vector<std::uint32_t> group_detection_counts(const EvalResult& r, std::span<const Detection> detections) {
  const std::vector<std::int64_t>& cat_ids = *r.params.cat_ids;
  const IdIndex cats(cat_ids), images(*r.params.img_ids);
  // Per category: its detections per image position, then read off in each group's order.
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> per_cat(cat_ids.size());  // (image, count)
  std::vector<std::vector<std::uint32_t>> counts(cat_ids.size());
  for (const Detection& d : detections) {
    const std::int32_t k = cats.find(d.category_id), i = images.find(d.image_id);
    if (k == IdIndex::npos || i == IdIndex::npos) continue;
    per_cat[static_cast<std::size_t>(k)].emplace_back(static_cast<std::uint32_t>(i), 1);
  }
  std::vector<std::uint32_t> out;
  for (std::size_t k = 0; k < r.matches.size(); ++k) {
    auto& list = per_cat[k];
    std::sort(list.begin(), list.end());
    std::size_t n = 0;
    for (const std::uint32_t img : r.matches[k].group_image) {
      while (n < list.size() && list[n].first < img) ++n;
      std::uint32_t c = 0;
      while (n < list.size() && list[n].first == img) ++c, ++n;
      out.push_back(c);
    }
  }
  return out;
}

std::string write_match_records(const EvalResult& r, std::span<const std::uint32_t> dt_count) {
  const Params& p = r.params;
  if (!records_fit(p)) throw Error("match records: these params do not fit (at most 16 IoU thresholds, use_cats, not LVIS)");
  const std::size_t T = p.iou_thrs.size(), A = p.area_rng.size(), K = p.cat_ids->size();
  Header h{};
  std::memcpy(h.magic, kMatchRecordsMagic, 8);
  h.T = static_cast<std::uint32_t>(T);
  h.A = static_cast<std::uint32_t>(A);
  h.K = static_cast<std::uint32_t>(K);
  for (const CategoryMatches& cm : r.matches) {
    h.G += cm.group_image.size();
    h.D += cm.scores.size();
  }
  if (dt_count.size() != h.G) throw Error("match records: one detection count per group expected");
  std::string out;
  out.reserve(Layout(h).end);
  put(out, &h, 1);
  put(out, p.iou_thrs.data(), T);
  for (const auto& a : p.area_rng) put(out, a.data(), 2);
  const std::int64_t max_det = p.max_dets.back();
  put(out, &max_det, 1);
  put(out, p.cat_ids->data(), K);
  for (const CategoryMatches& cm : r.matches)
    for (const std::uint32_t i : cm.group_image) put(out, &(*p.img_ids)[i], 1);
  for (std::size_t k = 0; k < r.matches.size(); ++k) {
    const auto c = static_cast<std::uint32_t>(k);
    for (std::size_t g = 0; g < r.matches[k].group_image.size(); ++g) put(out, &c, 1);
  }
  put(out, dt_count.data(), dt_count.size());
  for (const CategoryMatches& cm : r.matches) put(out, cm.group_gt.data(), cm.group_gt.size());
  align(out);
  std::uint64_t base = 0;
  put(out, &base, 1);
  for (const CategoryMatches& cm : r.matches) {
    for (std::size_t g = 1; g < cm.group_first.size(); ++g) {
      const std::uint64_t f = base + cm.group_first[g];
      put(out, &f, 1);
    }
    base += cm.scores.size();
  }
  for (const CategoryMatches& cm : r.matches) put(out, cm.scores.data(), cm.scores.size());
  std::vector<std::uint16_t> bits;
  for (const DtStatus want : {DtStatus::kTruePositive, DtStatus::kIgnored})
    for (const CategoryMatches& cm : r.matches) {
      const std::size_t D = cm.scores.size();
      bits.assign(D * A, 0);
      for (std::size_t j = 0; j < D; ++j)
        for (std::size_t a = 0; a < A; ++a)
          for (std::size_t t = 0; t < T; ++t)
            if (cm.status[(j * A + a) * T + t] == want) bits[j * A + a] |= static_cast<std::uint16_t>(1u << t);
      put(out, bits.data(), bits.size());
    }
  return out;
}

MergedRecords merge_match_records(std::span<const std::filesystem::path> files, Params p) {
  if (!records_fit(p)) throw Error("match records: these params do not fit (at most 16 IoU thresholds, use_cats, not LVIS)");
  std::sort(p.max_dets.begin(), p.max_dets.end());
  p.img_ids = sorted_unique(p.img_ids.value_or(std::vector<std::int64_t>{}));
  const std::size_t T = p.iou_thrs.size(), A = p.area_rng.size();
  const IdIndex images(*p.img_ids);

  std::vector<std::unique_ptr<Mapped>> maps;
  std::vector<Layout> layouts;
  for (const std::filesystem::path& f : files) {
    maps.push_back(std::make_unique<Mapped>(f));
    const Mapped& m = *maps.back();
    Header h{};
    std::memcpy(&h, m.at<char>(0), sizeof h);
    if (std::memcmp(h.magic, kMatchRecordsMagic, 8) != 0) m.fail("not a match records file (DSMATCH1)");
    if (h.T != T || h.A != A) m.fail("written with other IoU thresholds or area ranges than this run's");
    if (h.G > (std::uint64_t{1} << 40) || h.D > (std::uint64_t{1} << 40) || h.K > (1u << 24)) m.fail("implausible sizes");
    const Layout l(h);
    if (l.end != m.size()) m.fail("truncated or of another layout (" + std::to_string(m.size()) + " bytes, expected " +
                                  std::to_string(l.end) + ")");
    if (std::memcmp(m.at<double>(l.iou_thrs), p.iou_thrs.data(), 8 * T) != 0 ||
        std::memcmp(m.at<double>(l.area_rng), p.area_rng.data(), 16 * A) != 0 ||
        *m.at<std::int64_t>(l.max_dets) != p.max_dets.back())
      m.fail("written with other params (IoU thresholds, area ranges or maxDets) than this run's");
    const std::vector<std::int64_t> cats(m.at<std::int64_t>(l.cat_ids), m.at<std::int64_t>(l.cat_ids) + h.K);
    if (!p.cat_ids) p.cat_ids = cats;
    if (cats != *p.cat_ids) m.fail("evaluated other categories than the other shards");
    layouts.push_back(l);
  }
  if (!p.cat_ids) p.cat_ids.emplace();
  const std::size_t K = p.cat_ids->size();

  // Each file's groups per category: [begin, end) in its group arrays (they are by category).
  std::vector<std::vector<std::uint64_t>> cat_begin(files.size());
  for (std::size_t f = 0; f < files.size(); ++f) {
    const Layout& l = layouts[f];
    const Mapped& m = *maps[f];
    std::vector<std::uint64_t>& b = cat_begin[f];
    b.assign(K + 1, 0);
    const std::uint32_t* category = m.at<std::uint32_t>(l.category);
    const std::uint64_t* first = m.at<std::uint64_t>(l.first);
    if (first[0] != 0 || first[l.h.G] != l.h.D) m.fail("detection offsets out of range");
    for (std::uint64_t g = 0; g < l.h.G; ++g) {
      if (category[g] >= K || (g > 0 && category[g] < category[g - 1])) m.fail("groups not by category");
      if (first[g + 1] < first[g] || first[g + 1] - first[g] > static_cast<std::uint64_t>(p.max_dets.back()))
        m.fail("detection offsets out of range");
      ++b[category[g] + 1];
    }
    for (std::size_t k = 0; k < K; ++k) b[k + 1] += b[k];
  }

  MergedRecords out;
  out.result.params = p;
  out.result.arrays = EvalArrays(T, p.rec_thrs.size(), K, A, p.max_dets.size());
  out.dt_count.assign(K, 0);
  struct Ref {
    std::uint32_t image;  // position in p.img_ids
    std::uint32_t file;
    std::uint64_t group;
  };
  // One category after another on each thread; each writes its own category's cells.
  const auto category = [&](std::size_t k, CategoryBits& cm, AccumulateScratch& scratch, std::vector<Ref>& refs) {
    refs.clear();
    for (std::size_t f = 0; f < files.size(); ++f) {
      const Mapped& m = *maps[f];
      const std::int64_t* image_id = m.at<std::int64_t>(layouts[f].image_id);
      for (std::uint64_t g = cat_begin[f][k]; g < cat_begin[f][k + 1]; ++g) {
        const std::int32_t i = images.find(image_id[g]);
        if (i == IdIndex::npos) m.fail("image " + std::to_string(image_id[g]) + " is not one of the run's images");
        refs.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(f), g});
      }
    }
    // pycocotools' order: images by id (accumulate breaks score ties by it).
    std::sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) { return a.image < b.image; });
    for (std::size_t n = 1; n < refs.size(); ++n)
      if (refs[n].image == refs[n - 1].image)
        maps[refs[n].file]->fail("image " + std::to_string((*p.img_ids)[refs[n].image]) +
                                 " is in two shards' records (category " + std::to_string((*p.cat_ids)[k]) + ")");
    cm.clear();
    cm.counted_gt.assign(A, 0);
    cm.has_images = false;
    for (const Ref& r : refs) {
      const Mapped& m = *maps[r.file];
      const Layout& l = layouts[r.file];
      const std::uint64_t d0 = m.at<std::uint64_t>(l.first)[r.group], d1 = m.at<std::uint64_t>(l.first)[r.group + 1];
      const double* score = m.at<double>(l.score);
      const std::uint16_t* tp = m.at<std::uint16_t>(l.tp);
      const std::uint16_t* ignored = m.at<std::uint16_t>(l.ignored);
      cm.has_images = true;
      // The words as they are: accumulate_bits reads them (a true positive wins over an ignored
      // bit, as the status bytes were rebuilt before).
      for (std::uint64_t j = d0; j < d1; ++j) {
        cm.scores.push_back(score[j]);
        cm.rank.push_back(static_cast<std::uint32_t>(j - d0));
        for (std::size_t a = 0; a < A; ++a) {
          cm.tp.push_back(tp[j * A + a]);
          cm.ignored.push_back(static_cast<std::uint16_t>(ignored[j * A + a] & ~tp[j * A + a]));
        }
      }
      const std::uint32_t* gt = m.at<std::uint32_t>(l.gt_counted) + r.group * A;
      for (std::size_t a = 0; a < A; ++a) cm.counted_gt[a] += gt[a];
      out.dt_count[k] += m.at<std::uint32_t>(l.dt_count)[r.group];
    }
    accumulate_bits(cm, out.result.params, k, out.result.arrays, scratch);
    // This category's records are done: their pages need not stay in memory.
    for (std::size_t f = 0; f < files.size(); ++f) {
      const Layout& l = layouts[f];
      const Mapped& m = *maps[f];
      const std::uint64_t g0 = cat_begin[f][k], g1 = cat_begin[f][k + 1];
      const std::uint64_t d0 = m.at<std::uint64_t>(l.first)[g0], d1 = m.at<std::uint64_t>(l.first)[g1];
      m.drop(l.score + 8 * d0, l.score + 8 * d1);
      m.drop(l.tp + 2 * A * d0, l.tp + 2 * A * d1);
      m.drop(l.ignored + 2 * A * d0, l.ignored + 2 * A * d1);
    }
  };
  // The first bad file a thread meets is rethrown here.
  on_cores(K, [&](const auto& take) {
    CategoryBits cm;
    AccumulateScratch scratch;
    std::vector<Ref> refs;
    for (std::size_t k = take(); k < K; k = take()) category(k, cm, scratch, refs);
  });
  return out;
}

}  // namespace ds::coco
