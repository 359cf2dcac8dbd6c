#include "vision/draw.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <optional>
#include <span>
#include <vector>

#include "core/mask/rle.hpp"
#include "core/mask/segmentation.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/text.hpp"
#include "vision/image_io.hpp"

namespace fs = std::filesystem;

namespace ds::vision {
namespace {

// Canvas limits: below kMinWidth labels crowd the picture; above the maximum it leaves a screen.
constexpr int kMinWidth = 640;
constexpr int kMaxWidth = 1600;
constexpr int kMaxHeight = 900;
constexpr int kRowHeight = 24;
constexpr int kFooterHeight = 2 * kRowHeight;
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr double kFontScale = 0.45;
const cv::Scalar kFooterColor{40, 40, 40};
const cv::Scalar kTextColor{235, 235, 235};
const cv::Scalar kMessageColor{0, 94, 213};

enum class Dash { kSolid, kDashed, kDotted };

struct Style {
  cv::Scalar color;
  int thickness;
  Dash dash;
};

const Style kTruePositiveStyle{colors::kTruePositive, 2, Dash::kSolid};
const Style kFalsePositiveStyle{colors::kFalsePositive, 2, Dash::kSolid};
const Style kCrowdDetectionStyle{colors::kCrowd, 1, Dash::kSolid};
const Style kTruthStyle{colors::kTruth, 2, Dash::kDashed};
const Style kMissedStyle{colors::kMissed, 3, Dash::kDashed};
const Style kCrowdStyle{colors::kCrowd, 2, Dash::kDotted};
const Style kDetectionStyle{colors::kDetection, 2, Dash::kSolid};
const Style kOverlayStyle{colors::kOverlay, 1, Dash::kSolid};

// Box edges and legend samples are horizontal or vertical: dashes are filled rectangles, so
// every dash is exactly `on` pixels long and carries exactly the style's colour (no caps, no
// anti-aliasing), which is what people (and the tests) look for.
void dashed_line(cv::Mat& canvas, cv::Point a, cv::Point b, const Style& style) {
  const bool horizontal = a.y == b.y;
  const int from = horizontal ? std::min(a.x, b.x) : std::min(a.y, b.y);
  const int to = horizontal ? std::max(a.x, b.x) : std::max(a.y, b.y);  // inclusive
  const int across = (horizontal ? a.y : a.x) - style.thickness / 2;
  const int on = style.dash == Dash::kSolid ? to - from + 1 : style.dash == Dash::kDashed ? 10 : 3;
  const int off = style.dash == Dash::kDashed ? 6 : 4;
  for (int t = from; t <= to; t += on + off) {
    const int length = std::min(on, to - t + 1);
    const cv::Rect dash = horizontal ? cv::Rect(t, across, length, style.thickness)
                                     : cv::Rect(across, t, style.thickness, length);
    const cv::Rect visible = dash & cv::Rect(0, 0, canvas.cols, canvas.rows);
    if (visible.area() > 0) canvas(visible).setTo(style.color);
  }
}

void styled_rect(cv::Mat& canvas, const cv::Rect& r, const Style& style) {
  const cv::Point tl = r.tl(), tr{r.x + r.width, r.y}, br = r.br(), bl{r.x, r.y + r.height};
  dashed_line(canvas, tl, tr, style);
  dashed_line(canvas, tr, br, style);
  dashed_line(canvas, br, bl, style);
  dashed_line(canvas, bl, tl, style);
}

cv::Rect to_canvas(const Box& b, double scale) {
  const int x1 = static_cast<int>(std::lround(b.x * scale));
  const int y1 = static_cast<int>(std::lround(b.y * scale));
  const int x2 = static_cast<int>(std::lround((b.x + b.w) * scale));
  const int y2 = static_cast<int>(std::lround((b.y + b.h) * scale));
  return {x1, y1, std::max(1, x2 - x1), std::max(1, y2 - y1)};
}

cv::Scalar text_color_on(const cv::Scalar& background) {
  const double luma = 0.114 * background[0] + 0.587 * background[1] + 0.299 * background[2];
  return luma >= 128 ? cv::Scalar{0, 0, 0} : cv::Scalar{255, 255, 255};
}

struct Tag {
  std::string text;
  cv::Rect box;    // the box it names
  bool above;      // preferred side: over the box's top (detections) or under its bottom (truth)
  cv::Scalar color;
};

// Where a tag goes: outside the box on its preferred side, inside it on that side, then the same
// on the other side; the first spot in the picture that covers no tag placed before it. When
// every spot is taken, the first one that fits.
cv::Rect place_tag(const Tag& t, cv::Size size, const cv::Rect& area, std::span<const cv::Rect> taken) {
  const cv::Rect& b = t.box;
  const int top_out = b.y - size.height, top_in = b.y, bottom_out = b.y + b.height, bottom_in = b.y + b.height - size.height;
  const std::array<int, 4> ys = t.above ? std::array{top_out, top_in, bottom_out, bottom_in}
                                        : std::array{bottom_out, bottom_in, top_out, top_in};
  const int x = std::clamp(b.x, area.x, std::max(area.x, area.x + area.width - size.width));
  std::optional<cv::Rect> fallback;
  for (const int y : ys) {
    const cv::Rect r(x, y, size.width, size.height);
    if ((r & area) != r) continue;
    if (!fallback) fallback = r;
    if (std::none_of(taken.begin(), taken.end(), [&](const cv::Rect& o) { return (o & r).area() > 0; })) return r;
  }
  return fallback.value_or(cv::Rect(x, std::clamp(top_in, area.y, std::max(area.y, area.y + area.height - size.height)),
                                    size.width, size.height));
}

// Places tags in the given order (most important first) and draws them in reverse, so an
// important tag is never hidden under a less important one.
void draw_tags(cv::Mat& canvas, std::span<const Tag> tags, const cv::Rect& area) {
  std::vector<cv::Rect> placed;
  std::vector<int> baselines;
  for (const Tag& t : tags) {
    int baseline = 0;
    const cv::Size text = cv::getTextSize(t.text, kFont, kFontScale, 1, &baseline);
    placed.push_back(place_tag(t, {text.width + 6, text.height + baseline + 4}, area, placed));
    baselines.push_back(baseline);
  }
  for (std::size_t i = tags.size(); i-- > 0;) {
    const cv::Rect& r = placed[i];
    canvas(r & cv::Rect(0, 0, canvas.cols, canvas.rows)).setTo(tags[i].color);
    cv::putText(canvas, tags[i].text, {r.x + 3, r.y + r.height - baselines[i] - 2}, kFont, kFontScale,
                text_color_on(tags[i].color), 1, cv::LINE_AA);
  }
}

std::string score_text(double score) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", score);
  return buf;
}

// Text shrunk (down to a floor) to fit `width`.
void fitted_text(cv::Mat& canvas, const std::string& text, cv::Point origin, int width, const cv::Scalar& color) {
  double scale = kFontScale;
  while (scale > 0.3 && cv::getTextSize(text, kFont, scale, 1, nullptr).width > width) scale -= 0.025;
  cv::putText(canvas, text, origin, kFont, scale, color, 1, cv::LINE_AA);
}

// A legend entry: a short line in the style, then its text. Returns the x after it.
int legend_entry(cv::Mat& canvas, int x, int y, const Style& style, const std::string& text) {
  const int mid = y + kRowHeight / 2;
  dashed_line(canvas, {x, mid}, {x + 26, mid}, style);
  x += 32;
  cv::putText(canvas, text, {x, mid + 5}, kFont, kFontScale, kTextColor, 1, cv::LINE_AA);
  return x + cv::getTextSize(text, kFont, kFontScale, 1, nullptr).width + 16;
}

std::string status_line(const FrameStatus& s) {
  // Live footage has no count.
  std::string out = std::to_string(s.index + 1) + (s.count > 0 ? "/" + std::to_string(s.count) : std::string()) +
                    "   " + s.file_name + "   " + s.source;
  if (s.inference_ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " (%.1f ms)", *s.inference_ms);
    out += buf;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "   score >= %.2f   %s %g", s.score_threshold, s.overlap.c_str(), s.iou_threshold);
  return out + buf;
}

void draw_footer(cv::Mat& canvas, int top, const FrameContent& c) {
  cv::rectangle(canvas, cv::Rect(0, top, canvas.cols, kFooterHeight), kFooterColor, cv::FILLED);
  const int width = canvas.cols - 16;
  fitted_text(canvas, status_line(c.status), {8, top + 17}, width, kTextColor);
  const int y = top + kRowHeight;
  if (!c.status.message.empty()) {
    fitted_text(canvas, c.status.message, {8, y + 17}, width, kMessageColor);
    return;
  }
  const ImageMatch* m = c.match;
  const auto count = [&](std::size_t n) { return m ? " " + std::to_string(n) : std::string(); };
  int x = 8;
  if (c.show_detections && !c.has_truth) {
    x = legend_entry(canvas, x, y, kDetectionStyle, "detections " + std::to_string(c.detections.size()));
  } else if (c.show_detections) {
    x = legend_entry(canvas, x, y, kTruePositiveStyle, "TP" + count(m ? m->true_positives : 0));
    x = legend_entry(canvas, x, y, kFalsePositiveStyle, "FP" + count(m ? m->false_positives : 0));
  } else {
    x = legend_entry(canvas, x, y, {kFooterColor, 1, Dash::kSolid}, "detections hidden (d)");
  }
  if (c.show_truth && c.has_truth) {
    x = legend_entry(canvas, x, y, kMissedStyle, "FN" + count(m ? m->missed : 0));
    x = legend_entry(canvas, x, y, kTruthStyle, "truth");
    x = legend_entry(canvas, x, y, kCrowdStyle, "crowd");
  } else if (c.has_truth) {
    x = legend_entry(canvas, x, y, {kFooterColor, 1, Dash::kSolid}, "truth hidden (g)");
  }
  const std::string hint = "h: help";
  const int hint_width = cv::getTextSize(hint, kFont, kFontScale, 1, nullptr).width;
  if (x + hint_width < canvas.cols - 8)
    cv::putText(canvas, hint, {canvas.cols - 8 - hint_width, y + 17}, kFont, kFontScale, kTextColor, 1, cv::LINE_AA);
}

void draw_help(cv::Mat& canvas, int image_height) {
  const auto lines = key_help();
  const int line_h = 22;
  const int h = std::min(image_height, static_cast<int>(lines.size() + 1) * line_h + 16);
  const int w = std::min(canvas.cols, 420);
  const cv::Rect panel((canvas.cols - w) / 2, std::max(0, (image_height - h) / 2), w, h);
  cv::Mat roi = canvas(panel);
  cv::Mat dark(roi.size(), roi.type(), cv::Scalar(0, 0, 0));
  cv::addWeighted(roi, 0.2, dark, 0.8, 0, roi);
  int y = panel.y + 8 + line_h - 6;
  cv::putText(canvas, "Keys", {panel.x + 12, y}, kFont, 0.5, kTextColor, 1, cv::LINE_AA);
  for (const auto& [key, what] : lines) {
    y += line_h;
    if (y > panel.y + panel.height) break;
    cv::putText(canvas, std::string(key), {panel.x + 12, y}, kFont, kFontScale, colors::kMissed, 1, cv::LINE_AA);
    cv::putText(canvas, std::string(what), {panel.x + 140, y}, kFont, kFontScale, kTextColor, 1, cv::LINE_AA);
  }
}

}  // namespace

std::span<const std::pair<std::string_view, std::string_view>> key_help() {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 13> kKeys{{
      {"n  Right  Space", "next image"},
      {"p  Left", "previous image"},
      {"e  /  E", "next / previous image with errors"},
      {"g", "show or hide ground truth"},
      {"d", "show or hide detections"},
      {"k", "show or hide masks"},
      {"[  ]", "score threshold down / up"},
      {"m", "switch to the next model"},
      {"r", "reload the model's config"},
      {"s", "save a screenshot"},
      {"h", "show or hide this help"},
      {"q  Esc", "quit"},
      {"", "IoU 0.5, same class; crowd is ignored"},
  }};
  return kKeys;
}

double display_scale(int width, int height) {
  if (width <= 0 || height <= 0) return 1.0;
  if (width > kMaxWidth || height > kMaxHeight)
    return std::min(static_cast<double>(kMaxWidth) / width, static_cast<double>(kMaxHeight) / height);
  // A whole factor keeps pixels square and crisp (nearest neighbour).
  int factor = 1;
  while (width * factor < kMinWidth && width * (factor + 1) <= kMaxWidth && height * (factor + 1) <= kMaxHeight)
    ++factor;
  return factor;
}

namespace {

// A record's mask on the image (h x w, 0/1), or empty when it has none.
cv::Mat mask_pixels(const mask::Segmentation* s, cv::Size image) {
  if (!s || image.area() <= 0) return {};
  try {
    const mask::Rle rle = mask::to_rle(*s, static_cast<std::uint32_t>(image.height), static_cast<std::uint32_t>(image.width));
    if (rle.h != static_cast<std::uint32_t>(image.height) || rle.w != static_cast<std::uint32_t>(image.width)) return {};
    const std::vector<std::uint8_t> column_major = mask::decode(rle);
    // Column-major h x w is row-major w x h: transpose it back.
    const cv::Mat transposed(image.width, image.height, CV_8U, const_cast<std::uint8_t*>(column_major.data()));
    return transposed.t();
  } catch (const Error&) {
    return {};  // a mask that cannot be drawn is left out; its box still is
  }
}

// The mask at canvas scale inside `area`, limited to where it has pixels (`where` on canvas).
cv::Mat canvas_mask(const cv::Mat& pixels, const cv::Rect& area, cv::Rect& where) {
  cv::Mat resized;
  cv::resize(pixels, resized, area.size(), 0, 0, cv::INTER_NEAREST);
  where = cv::boundingRect(resized);
  return resized(where);
}

void fill_mask(cv::Mat& canvas, const cv::Rect& area, const cv::Mat& pixels, const cv::Scalar& color) {
  cv::Rect where;
  const cv::Mat m = canvas_mask(pixels, area, where);
  if (where.empty()) return;
  cv::Mat roi = canvas(where + area.tl());
  cv::Mat blended;
  cv::addWeighted(roi, 0.55, cv::Mat(roi.size(), roi.type(), color), 0.45, 0, blended);
  blended.copyTo(roi, m);
}

void outline_mask(cv::Mat& canvas, const cv::Rect& area, const cv::Mat& pixels, const cv::Scalar& color) {
  cv::Rect where;
  const cv::Mat m = canvas_mask(pixels, area, where);
  if (where.empty()) return;
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(m.clone(), contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE, where.tl() + area.tl());
  cv::drawContours(canvas, contours, -1, color, 1, cv::LINE_AA);
}

// Masks of `c` under its boxes: the image is `image` pixels, shown in `area`.
void draw_masks(cv::Mat& canvas, const cv::Rect& area, cv::Size image, const FrameContent& c) {
  const ImageMatch* m = c.match;
  if (c.show_detections) {
    for (std::size_t d = 0; d < c.detections.size(); ++d) {
      const DetectionOutcome o = m ? m->detections[d] : DetectionOutcome::kFalsePositive;
      if (o == DetectionOutcome::kBelowThreshold) continue;
      const cv::Mat pixels = mask_pixels(c.detections[d].segmentation.get(), image);
      if (pixels.empty()) continue;
      const cv::Scalar& color = !c.has_truth                            ? colors::kDetection
                                : o == DetectionOutcome::kTruePositive ? colors::kTruePositive
                                : o == DetectionOutcome::kCrowd        ? colors::kCrowd
                                                                       : colors::kFalsePositive;
      fill_mask(canvas, area, pixels, color);
    }
  }
  if (c.show_truth) {
    for (std::size_t g = 0; g < c.truth.size(); ++g) {
      const cv::Mat pixels = mask_pixels(c.truth[g].segmentation.get(), image);
      if (pixels.empty()) continue;
      const TruthOutcome o = m ? m->truth[g] : TruthOutcome::kMatched;
      outline_mask(canvas, area, pixels,
                   o == TruthOutcome::kMissed ? colors::kMissed : o == TruthOutcome::kCrowd ? colors::kCrowd : colors::kTruth);
    }
  }
}

// Keypoints of one record at canvas scale: its skeleton's edges, then its points. `truth`: the
// ground truth's points by visibility (v = 2 filled, v = 1 hollow, v = 0 left out); otherwise
// (a detection) every point filled. Lines without anti-aliasing, so every pixel drawn carries
// the style's colour (what the tests look for).
void draw_keypoints(cv::Mat& canvas, std::span<const double> kp, std::span<const std::array<std::int64_t, 2>> skeleton,
                    double scale, const cv::Scalar& color, int thickness, bool truth) {
  const std::size_t k = kp.size() / 3;
  const auto shown = [&](std::size_t i) { return !truth || kp[3 * i + 2] > 0; };
  const auto point = [&](std::size_t i) {
    return cv::Point(static_cast<int>(std::lround(kp[3 * i] * scale)), static_cast<int>(std::lround(kp[3 * i + 1] * scale)));
  };
  for (const auto& [a, b] : skeleton) {
    if (a < 1 || b < 1 || static_cast<std::size_t>(a) > k || static_cast<std::size_t>(b) > k) continue;
    const auto i = static_cast<std::size_t>(a - 1), j = static_cast<std::size_t>(b - 1);
    if (shown(i) && shown(j)) cv::line(canvas, point(i), point(j), color, thickness, cv::LINE_8);
  }
  const int radius = thickness + 2;
  for (std::size_t i = 0; i < k; ++i) {
    if (!shown(i)) continue;
    const bool filled = !truth || kp[3 * i + 2] >= 2;
    cv::circle(canvas, point(i), radius, color, filled ? cv::FILLED : 1, cv::LINE_8);
  }
}

// The keypoints of `c`'s records, in their boxes' colours (under the boxes and tags).
void draw_all_keypoints(cv::Mat& canvas, double scale, const FrameContent& c) {
  const ImageMatch* m = c.match;
  const auto skeleton = [&](std::int64_t category) {
    return c.skeleton ? c.skeleton(category) : std::span<const std::array<std::int64_t, 2>>{};
  };
  if (c.show_truth) {
    for (std::size_t g = 0; g < c.truth.size(); ++g) {
      if (c.truth[g].keypoints.empty()) continue;
      const TruthOutcome o = m ? m->truth[g] : TruthOutcome::kMatched;
      const cv::Scalar& color = o == TruthOutcome::kMissed ? colors::kMissed : o == TruthOutcome::kCrowd ? colors::kCrowd : colors::kTruth;
      draw_keypoints(canvas, c.truth[g].keypoints, skeleton(c.truth[g].category_id), scale, color, 1, true);
    }
  }
  if (!c.show_detections) return;
  for (std::size_t d = 0; d < c.detections.size(); ++d) {
    if (c.detections[d].keypoints.empty()) continue;
    const DetectionOutcome o = m ? m->detections[d] : DetectionOutcome::kFalsePositive;
    if (o == DetectionOutcome::kBelowThreshold) continue;
    const cv::Scalar& color = !c.has_truth                            ? colors::kDetection
                              : o == DetectionOutcome::kTruePositive ? colors::kTruePositive
                              : o == DetectionOutcome::kCrowd        ? colors::kCrowd
                                                                     : colors::kFalsePositive;
    draw_keypoints(canvas, c.detections[d].keypoints, skeleton(c.detections[d].category_id), scale, color, 2, false);
  }
  for (std::size_t d = 0; d < c.overlay.size(); ++d) {
    if (c.overlay[d].keypoints.empty()) continue;
    const DetectionOutcome o = c.overlay_match ? c.overlay_match->detections[d] : DetectionOutcome::kFalsePositive;
    if (o == DetectionOutcome::kBelowThreshold || o == DetectionOutcome::kCrowd) continue;
    draw_keypoints(canvas, c.overlay[d].keypoints, skeleton(c.overlay[d].category_id), scale, colors::kOverlay, 1, false);
  }
}

// Boxes and tags of `c` on `canvas`, whose top-left `area` holds the image at `scale`.
void draw_boxes(cv::Mat& canvas, const cv::Rect& area, double scale, const FrameContent& c) {
  const ImageMatch* m = c.match;
  const auto name = [&](std::int64_t id) { return c.category_name ? c.category_name(id) : std::to_string(id); };
  std::vector<Tag> truth_tags, detection_tags;
  draw_all_keypoints(canvas, scale, c);
  // Trails first, under the boxes. Without anti-aliasing, so every pixel drawn carries the trail's
  // colour (what the tests look for); ground truth's (if shown) as dots, its boxes being dashed.
  for (const Trail& t : c.trails) {
    if (t.truth ? !c.show_truth : !c.show_detections) continue;
    std::vector<cv::Point> points;
    for (const cv::Point2d& p : t.points) points.emplace_back(static_cast<int>(p.x * scale), static_cast<int>(p.y * scale));
    if (t.truth) {
      for (const cv::Point& p : points) cv::circle(canvas, p, 2, colors::kTruth, cv::FILLED, cv::LINE_8);
    } else if (points.size() >= 2) {
      cv::polylines(canvas, points, false, track_color(t.track_id), 2, cv::LINE_8);
    }
  }
  const auto track_tag = [](std::int64_t track) { return track >= 0 ? "#" + std::to_string(track) + " " : std::string(); };

  if (c.show_truth) {
    // Matched and crowd first, missed on top of them.
    for (const bool missed_pass : {false, true}) {
      for (std::size_t g = 0; g < c.truth.size(); ++g) {
        const TruthOutcome o = m ? m->truth[g] : TruthOutcome::kMatched;
        if ((o == TruthOutcome::kMissed) != missed_pass) continue;
        const Style& style = o == TruthOutcome::kMissed ? kMissedStyle
                             : o == TruthOutcome::kCrowd ? kCrowdStyle
                                                         : kTruthStyle;
        const cv::Rect r = to_canvas(c.truth[g].bbox, scale);
        styled_rect(canvas, r, style);
        const std::int64_t track = c.truth[g].track_id;
        if (o == TruthOutcome::kMissed)
          truth_tags.push_back({"missed " + track_tag(track) + name(c.truth[g].category_id), r, false, style.color});
        else if (o == TruthOutcome::kMatched && !c.show_detections)
          truth_tags.push_back({track_tag(track) + name(c.truth[g].category_id), r, false, style.color});
        else if (o == TruthOutcome::kMatched && track >= 0)  // the detection's tag names the class
          truth_tags.push_back({"gt #" + std::to_string(track), r, false, style.color});
      }
    }
  }
  if (c.show_detections) {
    // Lowest score first, so the most confident boxes end up on top.
    std::vector<std::size_t> order;
    for (std::size_t d = 0; d < c.detections.size(); ++d)
      if (!m || m->detections[d] != DetectionOutcome::kBelowThreshold) order.push_back(d);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return c.detections[a].score < c.detections[b].score;
    });
    for (const std::size_t d : order) {
      // Without ground truth (footage) a detection is neither right nor wrong: one neutral style.
      const DetectionOutcome o = m ? m->detections[d] : DetectionOutcome::kFalsePositive;
      const Style& style = !c.has_truth                            ? kDetectionStyle
                           : o == DetectionOutcome::kTruePositive ? kTruePositiveStyle
                           : o == DetectionOutcome::kCrowd        ? kCrowdDetectionStyle
                                                                  : kFalsePositiveStyle;
      const cv::Rect r = to_canvas(c.detections[d].bbox, scale);
      const std::int64_t track = c.detections[d].track_id;
      // On footage a track's colour tells tracks apart; against truth, the colour says TP or FP.
      const Style drawn = track >= 0 && !c.has_truth ? Style{track_color(track), style.thickness, style.dash} : style;
      styled_rect(canvas, r, drawn);
      if (o != DetectionOutcome::kCrowd)
        detection_tags.push_back({track_tag(track) + name(c.detections[d].category_id) + " " +
                                      score_text(c.detections[d].score),
                                  r, true, drawn.color});
    }
  }
  std::vector<Tag> overlay_tags;
  if (c.show_detections) {
    for (std::size_t d = 0; d < c.overlay.size(); ++d) {
      const DetectionOutcome o = c.overlay_match ? c.overlay_match->detections[d] : DetectionOutcome::kFalsePositive;
      if (o == DetectionOutcome::kBelowThreshold || o == DetectionOutcome::kCrowd) continue;
      const cv::Rect r = to_canvas(c.overlay[d].bbox, scale);
      styled_rect(canvas, r, kOverlayStyle);
      overlay_tags.push_back({c.overlay_label + " " + name(c.overlay[d].category_id) + " " +
                                  score_text(c.overlay[d].score) + (o == DetectionOutcome::kTruePositive ? " TP" : " FP"),
                              r, false, kOverlayStyle.color});
    }
  }
  // Most important first: detections by descending score, then missed objects, then the overlay.
  std::vector<Tag> tags(detection_tags.rbegin(), detection_tags.rend());
  tags.insert(tags.end(), truth_tags.begin(), truth_tags.end());
  tags.insert(tags.end(), overlay_tags.begin(), overlay_tags.end());
  draw_tags(canvas, tags, area);
}

cv::Mat scaled_image(const cv::Mat& image, double scale) {
  if (scale == 1.0) return image;
  cv::Mat scaled;
  cv::resize(image, scaled, {}, scale, scale, scale > 1 ? cv::INTER_NEAREST : cv::INTER_AREA);
  return scaled;
}

}  // namespace

cv::Scalar track_color(std::int64_t track_id) {
  // Tol's bright and vibrant palettes (BGR): ten colours apart from each other and from grey.
  static const cv::Scalar palette[] = {{170, 119, 68}, {238, 204, 102}, {51, 170, 34}, {68, 187, 204}, {119, 102, 238},
                                       {119, 51, 170}, {51, 119, 238}, {238, 187, 51}, {17, 51, 204}, {153, 68, 238}};
  return palette[static_cast<std::size_t>(track_id < 0 ? 0 : track_id) % std::size(palette)];
}

cv::Mat draw_frame(const cv::Mat& image, const FrameContent& c) {
  const double scale = display_scale(image.cols, image.rows);
  const cv::Mat scaled = scaled_image(image, scale);
  const int width = std::max(scaled.cols, kMinWidth);
  cv::Mat canvas(scaled.rows + kFooterHeight, width, CV_8UC3, kFooterColor);
  scaled.copyTo(canvas(cv::Rect(0, 0, scaled.cols, scaled.rows)));
  if (c.show_masks) draw_masks(canvas, cv::Rect(0, 0, scaled.cols, scaled.rows), image.size(), c);
  draw_boxes(canvas, cv::Rect(0, 0, scaled.cols, scaled.rows), scale, c);
  if (c.show_help) draw_help(canvas, scaled.rows);
  draw_footer(canvas, scaled.rows, c);
  return canvas;
}

cv::Mat draw_picture(const cv::Mat& image, const FrameContent& c, double scale) {
  cv::Mat canvas = scaled_image(image, scale).clone();
  if (c.show_masks) draw_masks(canvas, cv::Rect(0, 0, canvas.cols, canvas.rows), image.size(), c);
  draw_boxes(canvas, cv::Rect(0, 0, canvas.cols, canvas.rows), scale, c);
  if (c.show_help) draw_help(canvas, canvas.rows);
  return canvas;
}

cv::Mat draw_overlay(const cv::Mat& image, const FrameContent& c) {
  cv::Mat canvas = image.clone();
  if (c.show_masks) draw_masks(canvas, cv::Rect(0, 0, canvas.cols, canvas.rows), image.size(), c);
  draw_boxes(canvas, cv::Rect(0, 0, canvas.cols, canvas.rows), 1.0, c);
  return canvas;
}

void write_image(const fs::path& path, const cv::Mat& image) {
  const std::string ext = to_lower(path.extension().string());
  std::vector<int> params;
  if (ext == ".jpg" || ext == ".jpeg") {
    params = {cv::IMWRITE_JPEG_QUALITY, 92};
  } else if (ext != ".png") {
    throw Error(path.string() + ": cannot write '" + ext + "' images (use .png or .jpg)");
  }
  std::vector<unsigned char> bytes;
  try {
    if (!cv::imencode(ext, image, bytes, params)) throw Error(path.string() + ": cannot encode the image");
  } catch (const cv::Exception& e) {
    throw Error(path.string() + ": cannot encode the image: " + opencv_reason(e));
  }
  write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace ds::vision
