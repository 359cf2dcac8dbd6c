#pragma once
// Draws ground truth and detections over an image, with a status line and a legend: the picture
// `view` shows in its window and `render` writes to files. Headless (no window).
//
// The visual language: detections are solid boxes (true positive: green, false positive:
// vermillion), ground truth is dashed (matched: sky blue, missed: yellow and thicker), crowd
// regions are dotted grey. Colours are from the Okabe-Ito palette (safe for colour-blind
// viewers); the line style tells truth from detections without colour. Masks, where records have
// them, lie under the boxes: a detection's filled translucently in its box's colour, ground
// truth's outlined in its box's colour. Keypoints, where records have them, are drawn over the
// masks in the box's colour: the category's skeleton edges between them and the points, ground
// truth's visible points (v = 2) filled, its occluded ones (v = 1) hollow, unlabelled ones (v = 0)
// left out with their edges; every point of a detection is drawn filled (a prediction's v is no
// visibility: torchvision writes 1, Detectron2 a score, and OKS scores every point).
#include <opencv2/core.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "core/dataset/dataset.hpp"
#include "core/eval/image_match.hpp"

namespace ds::vision {

// BGR, as OpenCV stores pixels.
namespace colors {
inline const cv::Scalar kTruePositive{115, 158, 0};   // bluish green
inline const cv::Scalar kFalsePositive{0, 94, 213};   // vermillion
inline const cv::Scalar kTruth{233, 180, 86};         // sky blue
inline const cv::Scalar kMissed{66, 228, 240};        // yellow
inline const cv::Scalar kCrowd{160, 160, 160};        // grey
inline const cv::Scalar kDetection{0, 159, 230};      // orange: footage has no truth to judge by
inline const cv::Scalar kOverlay{167, 121, 204};       // reddish purple: a second model overlaid
}  // namespace colors

// What the status line says.
struct FrameStatus {
  std::size_t index = 0;  // 0-based
  std::size_t count = 0;
  std::string file_name;
  std::string source;                  // the model's name, or the results file's
  std::optional<double> inference_ms;  // absent for saved detections
  double score_threshold = 0;
  double iou_threshold = 0.5;
  std::string message;  // a problem to show instead of the counts (e.g. the model failed)
  // What TP/FP/FN are decided by, as the status line names it: "IoU" (boxes), "mask IoU",
  // "boundary IoU", "OKS".
  std::string overlap = "IoU";
};

// A track's recent box centres in the image's pixels, oldest first (vision/trails.hpp keeps them):
// a detection track's is a line in its track's colour, a ground-truth track's a dotted line in
// truth's colour.
struct Trail {
  std::int64_t track_id = -1;
  std::vector<cv::Point2d> points;
  bool truth = false;
};

// The colour a track is drawn in (a fixed palette by id).
cv::Scalar track_color(std::int64_t track_id);

struct FrameContent {
  std::span<const Annotation> truth;
  std::span<const Detection> detections;
  const ImageMatch* match = nullptr;  // outcomes for truth and detections, same order
  std::function<std::string(std::int64_t)> category_name;
  // A category's skeleton (edges between 1-based keypoint indices), for records with keypoints.
  // Unset, or empty for a category: their points alone are drawn.
  std::function<std::span<const std::array<std::int64_t, 2>>(std::int64_t)> skeleton;
  bool show_truth = true;
  bool show_detections = true;
  bool show_masks = true;
  bool show_help = false;
  bool has_truth = true;  // false for footage: detections are drawn neutral, the legend counts them
  // A second model's detections over the first's (the desktop viewer's overlay): thin, in one
  // colour of their own, the outcome in the label ("B circle 0.80 FP"). Empty: none.
  std::span<const Detection> overlay;
  const ImageMatch* overlay_match = nullptr;
  std::string overlay_label = "B";
  // Records with track ids (a tracker's detections, a video dataset's ground truth) get "#id" in
  // their labels; on footage (no truth to judge by) a tracked detection is drawn in its track's
  // colour. These trails are drawn behind the boxes.
  std::span<const Trail> trails;
  FrameStatus status;
};

// The help overlay's lines: key and what it does.
std::span<const std::pair<std::string_view, std::string_view>> key_help();

// The image scaled for viewing (small images are enlarged by a whole factor so labels stay
// readable, big ones shrunk to fit a screen), with the boxes, labels, status line and legend.
cv::Mat draw_frame(const cv::Mat& image, const FrameContent& content);

// The picture of draw_frame without the footer, at a given scale: what the desktop viewer zooms
// into (it shows the status and legend in its own panels).
cv::Mat draw_picture(const cv::Mat& image, const FrameContent& content, double scale);

// The boxes and labels drawn over a copy of the image at its own size (no footer): the frames of
// an annotated video.
cv::Mat draw_overlay(const cv::Mat& image, const FrameContent& content);

// The scale draw_frame uses for an image of this size (canvas pixels per image pixel).
double display_scale(int width, int height);

// Writes a PNG or JPEG (by the extension) atomically. Throws ds::Error.
void write_image(const std::filesystem::path& path, const cv::Mat& image);

}  // namespace ds::vision
