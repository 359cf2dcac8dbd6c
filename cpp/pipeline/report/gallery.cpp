#include "pipeline/report/gallery.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <iostream>
#include <unordered_map>
#include <unordered_set>

#include "core/util/json_writer.hpp"
#include "pipeline/ground_truth.hpp"
#include "pipeline/sources/image_files.hpp"

namespace ds::pipeline {

std::string base64(const std::vector<unsigned char>& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{bytes[i]} << 16) | (i + 1 < bytes.size() ? std::uint32_t{bytes[i + 1]} << 8 : 0) |
                            (i + 2 < bytes.size() ? std::uint32_t{bytes[i + 2]} : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::string gallery_json(const Dataset& dataset, std::span<const Detection> detections,
                         std::span<const std::int64_t> image_ids, const GalleryOptions& options) {
  std::unordered_map<std::int64_t, const Image*> images;
  for (const Image& im : dataset.images) images.emplace(im.id, &im);
  std::unordered_map<std::int64_t, std::vector<Detection>> dets;
  for (const std::int64_t id : image_ids) dets.try_emplace(id);
  std::unordered_set<std::int64_t> known;  // per_image's counts leave other categories out
  for (const Category& c : dataset.categories) known.insert(c.id);
  for (const Detection& d : detections)
    if (const auto it = dets.find(d.image_id); it != dets.end() && known.contains(d.category_id)) it->second.push_back(d);
  const GroundTruth truth(dataset);
  const analysis::Overlap overlap = options.overlap.for_dataset(dataset);

  JsonWriter w(1);
  w.begin_array();
  for (std::size_t n = 0; n < image_ids.size(); ++n) {
    const auto it = images.find(image_ids[n]);
    if (it == images.end()) continue;
    const Image& image = *it->second;
    cv::Mat pixels;
    try {
      pixels = read_dataset_image(dataset, image);
    } catch (const std::exception& e) {
      std::cerr << "warning: report gallery: " << e.what() << " (left out)\n";
      continue;
    }
    const std::vector<Detection>& mine = dets.at(image.id);
    MatchOptions how = overlap.match_options(image);
    how.iou_threshold = options.iou;
    how.score_threshold = options.score_threshold;
    const ImageMatch match = match_image(truth.of(image.id), mine, how);
    vision::FrameContent content = dataset_content(truth, image.id, mine, match);
    content.status = {n, image_ids.size(), image.file_name, options.model, std::nullopt, options.score_threshold,
                      options.iou, "", overlap_label(overlap)};
    cv::Mat drawn = vision::draw_frame(pixels, content);
    if (const int side = std::max(drawn.cols, drawn.rows); side > options.max_side) {
      const double f = static_cast<double>(options.max_side) / side;
      cv::resize(drawn, drawn, cv::Size(), f, f, cv::INTER_AREA);
    }
    std::vector<unsigned char> jpeg;
    cv::imencode(".jpg", drawn, jpeg, {cv::IMWRITE_JPEG_QUALITY, 85});
    w.begin_object()
        .field("image_id", image.id)
        .field("file_name", image.file_name)
        .field("tp", static_cast<std::int64_t>(match.true_positives))
        .field("fp", static_cast<std::int64_t>(match.false_positives))
        .field("fn", static_cast<std::int64_t>(match.missed))
        .field("jpeg_base64", base64(jpeg))
        .end_object();
  }
  w.end_array();
  return w.take() + "\n";
}

}  // namespace ds::pipeline
