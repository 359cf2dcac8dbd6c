#include "core/mask/rle.hpp"

#include <algorithm>

#include "core/util/error.hpp"

namespace ds::mask {
namespace {

void check_size(std::uint32_t h, std::uint32_t w) {
  if (static_cast<std::uint64_t>(h) * w > UINT32_MAX)
    throw Error("mask size " + std::to_string(h) + " x " + std::to_string(w) + " is too large");
}

// Runs must cover the mask exactly: the merge and IoU walks rely on it to end.
void check_total(const Rle& r) {
  std::uint64_t total = 0;
  for (const std::uint32_t c : r.counts) total += c;
  if (total != static_cast<std::uint64_t>(r.h) * r.w)
    throw Error("the runs add up to " + std::to_string(total) + " pixels, not " +
                std::to_string(static_cast<std::uint64_t>(r.h) * r.w) + " (" + std::to_string(r.h) +
                " x " + std::to_string(r.w) + ")");
}

}  // namespace

Rle encode(std::span<const std::uint8_t> m, std::uint32_t h, std::uint32_t w) {
  check_size(h, w);
  if (m.size() != static_cast<std::size_t>(h) * w) throw Error("mask: wrong number of pixels");
  Rle r{h, w, {}};
  std::uint8_t previous = 0;
  std::uint32_t run = 0;
  for (const std::uint8_t v : m) {
    const std::uint8_t bit = v != 0;
    if (bit != previous) {
      r.counts.push_back(run);
      run = 0;
      previous = bit;
    }
    ++run;
  }
  r.counts.push_back(run);
  return r;
}

std::vector<std::uint8_t> decode(const Rle& r) {
  std::vector<std::uint8_t> out;
  out.reserve(static_cast<std::size_t>(r.h) * r.w);
  std::uint8_t v = 0;
  for (const std::uint32_t c : r.counts) {
    out.insert(out.end(), c, v);
    v = !v;
  }
  return out;
}

std::uint32_t area(const Rle& r) {
  std::uint32_t a = 0;
  for (std::size_t j = 1; j < r.counts.size(); j += 2) a += r.counts[j];
  return a;
}

std::array<double, 4> to_bbox(const Rle& r) {
  // maskApi's rleToBbox, in its unsigned 32-bit arithmetic; a trailing background run is not
  // looked at (only whole 0/1 pairs).
  const std::uint32_t h = r.h, w = r.w;
  const std::size_t m = r.counts.size() / 2 * 2;
  if (m == 0 || h == 0) return {0, 0, 0, 0};
  std::uint32_t xs = w, ys = h, xe = 0, ye = 0, cc = 0, xp = 0;
  // t / h by a multiplication (a division per run was most of the time), corrected to be exact.
  const double inverse = 1.0 / h;
  for (std::size_t j = 0; j < m; ++j) {
    cc += r.counts[j];
    const std::uint32_t t = cc - static_cast<std::uint32_t>(j % 2);
    std::uint64_t q = static_cast<std::uint64_t>(static_cast<double>(t) * inverse);
    if (q * h > t) --q;
    else if ((q + 1) * h <= t) ++q;
    const auto x = static_cast<std::uint32_t>(q), y = t - x * h;
    if (j % 2 == 0) {
      xp = x;
    } else if (xp < x) {  // the run wraps into a new column: it spans the full height
      ys = 0;
      ye = h - 1;
    }
    xs = std::min(xs, x);
    xe = std::max(xe, x);
    ys = std::min(ys, y);
    ye = std::max(ye, y);
  }
  return {static_cast<double>(xs), static_cast<double>(ys), static_cast<double>(xe - xs + 1),
          static_cast<double>(ye - ys + 1)};
}

Rle merge(std::span<const Rle> rles) {
  if (rles.empty()) return {};
  Rle out = rles[0];
  for (std::size_t i = 1; i < rles.size(); ++i) {
    const Rle& b = rles[i];
    if (b.h != out.h || b.w != out.w) return {};
    const std::vector<std::uint32_t> a = std::move(out.counts);
    out.counts.clear();
    std::uint32_t ca = a.empty() ? 0 : a[0], cb = b.counts.empty() ? 0 : b.counts[0];
    std::size_t ia = 1, ib = 1;
    bool va = false, vb = false, v = false;
    std::uint32_t cc = 0, ct = 1;
    while (ct > 0) {
      const std::uint32_t c = std::min(ca, cb);
      cc += c;
      ct = 0;
      ca -= c;
      if (!ca && ia < a.size()) {
        ca = a[ia++];
        va = !va;
      }
      ct += ca;
      cb -= c;
      if (!cb && ib < b.counts.size()) {
        cb = b.counts[ib++];
        vb = !vb;
      }
      ct += cb;
      const bool vp = v;
      v = va || vb;
      if (v != vp || ct == 0) {
        out.counts.push_back(cc);
        cc = 0;
      }
      // Runs of unequal totals would never end the walk; checked masks cannot get here.
      if (c == 0 && ((!ca && ia >= a.size()) || (!cb && ib >= b.counts.size())) && ct > 0)
        throw Error("mask merge: masks of different pixel counts");
    }
  }
  return out;
}

std::string to_string(const Rle& r) {
  std::string s;
  s.reserve(r.counts.size() * 2);
  for (std::size_t i = 0; i < r.counts.size(); ++i) {
    std::int64_t x = r.counts[i];
    if (i > 2) x -= r.counts[i - 2];
    bool more = true;
    while (more) {
      char c = static_cast<char>(x & 0x1f);
      x >>= 5;
      more = (c & 0x10) ? x != -1 : x != 0;
      if (more) c |= 0x20;
      s.push_back(static_cast<char>(c + 48));
    }
  }
  return s;
}

Rle from_string(std::string_view s, std::uint32_t h, std::uint32_t w) {
  check_size(h, w);
  Rle r{h, w, {}};
  r.counts.reserve(s.size());
  std::size_t p = 0;
  while (p < s.size()) {
    std::int64_t x = 0;
    int k = 0;
    bool more = true;
    while (more) {
      if (p >= s.size()) throw Error("'counts': the last run is cut off");
      const int c = static_cast<unsigned char>(s[p]) - 48;
      if (c < 0 || c > 63)
        throw Error("'counts': character " + std::to_string(p) + " is not one of '0'..'o'");
      // maskApi computes in 32-bit ints; up to 6 characters (30 bits) that equals this.
      if (k == 6) throw Error("'counts': a run longer than 6 characters at character " + std::to_string(p));
      x |= static_cast<std::int64_t>(c & 0x1f) << (5 * k);
      more = (c & 0x20) != 0;
      ++p;
      ++k;
      if (!more && (c & 0x10)) x |= static_cast<std::int64_t>(-1) * (std::int64_t{1} << (5 * k));
    }
    if (r.counts.size() > 2) x += r.counts[r.counts.size() - 2];
    r.counts.push_back(static_cast<std::uint32_t>(x));
  }
  check_total(r);
  return r;
}

Rle from_counts(std::vector<std::uint32_t> counts, std::uint32_t h, std::uint32_t w) {
  check_size(h, w);
  Rle r{h, w, std::move(counts)};
  check_total(r);
  return r;
}

}  // namespace ds::mask
