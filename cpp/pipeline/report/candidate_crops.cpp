#include "pipeline/report/candidate_crops.hpp"

#include <simdjson.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <iostream>
#include <optional>
#include <unordered_map>

#include "core/util/json_writer.hpp"
#include "pipeline/report/gallery.hpp"
#include "pipeline/sources/image_files.hpp"
#include "vision/draw.hpp"

namespace ds::pipeline {
namespace {

using simdjson::dom::element;

std::optional<element> at_path(element e, std::string_view path) {
  while (!path.empty()) {
    const std::size_t dot = path.find('.');
    element next;
    if (!e.is_object() || e.get_object().at_key(path.substr(0, dot)).get(next) != simdjson::SUCCESS) return std::nullopt;
    e = next;
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  return e;
}

std::optional<std::int64_t> integer(const std::optional<element>& e) {
  if (!e) return std::nullopt;
  if (e->is_int64()) return int64_t(*e);
  if (e->is_double()) return static_cast<std::int64_t>(double(*e));
  return std::nullopt;
}

cv::Rect2d rect(const Box& b) { return {b.x, b.y, b.w, b.h}; }

// One crop: the detection (vermillion) and the ground truth it names (sky blue), with context.
cv::Mat crop(const cv::Mat& pixels, const Box& det, const Annotation* truth, int side) {
  cv::Rect2d area = rect(det);
  if (truth) area |= rect(truth->bbox);
  const double margin = std::max({area.width, area.height, 16.0}) * 0.5;
  const cv::Rect image(0, 0, pixels.cols, pixels.rows);
  cv::Rect cut(static_cast<int>(std::floor(area.x - margin)), static_cast<int>(std::floor(area.y - margin)),
               static_cast<int>(std::ceil(area.width + 2 * margin)), static_cast<int>(std::ceil(area.height + 2 * margin)));
  cut &= image;
  if (cut.width < 2 || cut.height < 2) cut = image;
  cv::Mat out;
  const double f = static_cast<double>(side) / std::max(cut.width, cut.height);
  cv::resize(pixels(cut), out, cv::Size(), f, f, f < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  const auto draw = [&](const Box& b, const cv::Scalar& color) {
    const cv::Point p1(static_cast<int>(std::lround((b.x - cut.x) * f)), static_cast<int>(std::lround((b.y - cut.y) * f)));
    const cv::Point p2(static_cast<int>(std::lround((b.x + b.w - cut.x) * f)),
                       static_cast<int>(std::lround((b.y + b.h - cut.y) * f)));
    cv::rectangle(out, p1, p2, color, 2, cv::LINE_AA);
  };
  if (truth) draw(truth->bbox, vision::colors::kTruth);
  draw(det, vision::colors::kFalsePositive);
  return out;
}

}  // namespace

std::string with_candidate_crops(std::string gallery, std::string_view metrics_json, const Dataset& dataset,
                                 std::span<const Detection> detections, const CropOptions& options) {
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(metrics_json.data(), metrics_json.size()).get(doc) != simdjson::SUCCESS) return gallery;
  const std::optional<element> sections = at_path(doc, "schema.sections");
  if (!sections || !sections->is_array()) return gallery;

  std::unordered_map<std::int64_t, const Image*> images;
  for (const Image& im : dataset.images) images.emplace(im.id, &im);
  std::unordered_map<std::int64_t, const Annotation*> annotations;
  for (const Annotation& a : dataset.annotations) annotations.emplace(a.id, &a);
  std::unordered_map<std::int64_t, cv::Mat> read;  // each image decoded once
  JsonWriter w(1);
  w.begin_array();
  std::size_t written = 0;
  for (element section : sections->get_array()) {
    const std::optional<element> charts = at_path(section, "charts");
    if (!charts || !charts->is_array()) continue;
    for (element chart : charts->get_array()) {
      const std::optional<element> kind = at_path(chart, "kind"), key = at_path(chart, "key");
      if (!kind || !kind->is_string() || std::string_view(*kind) != "candidates" || !key || !key->is_string()) continue;
      const std::optional<element> data = at_path(doc, std::string_view(*key));
      if (!data || !data->is_array()) continue;
      std::size_t n = 0;
      for (element entry : data->get_array()) {
        if (n++ >= options.max_crops) break;
        const std::optional<std::int64_t> dt_id = integer(at_path(entry, "dt_id"));
        if (!dt_id || *dt_id < 1 || static_cast<std::size_t>(*dt_id) > detections.size()) continue;
        const Detection& d = detections[static_cast<std::size_t>(*dt_id - 1)];
        const auto im = images.find(d.image_id);
        if (im == images.end()) continue;
        auto pixels = read.find(d.image_id);
        if (pixels == read.end()) {
          cv::Mat m;
          try {
            m = read_dataset_image(dataset, *im->second);
          } catch (const std::exception& e) {
            std::cerr << "warning: report crops: " << e.what() << " (left out)\n";
          }
          pixels = read.emplace(d.image_id, m).first;
        }
        if (pixels->second.empty()) continue;
        const std::optional<std::int64_t> gt_id = integer(at_path(entry, "gt_id"));
        const auto truth = gt_id ? annotations.find(*gt_id) : annotations.end();
        const cv::Mat picture = crop(pixels->second, d.bbox, truth == annotations.end() ? nullptr : truth->second,
                                     options.side);
        std::vector<unsigned char> jpeg;
        cv::imencode(".jpg", picture, jpeg, {cv::IMWRITE_JPEG_QUALITY, 85});
        w.begin_object()
            .field("kind", "crop")
            .field("chart", std::string_view(*key))
            .field("dt_id", *dt_id)
            .field("image_id", d.image_id)
            .field("file_name", im->second->file_name)
            .field("jpeg_base64", base64(jpeg))
            .end_object();
        ++written;
      }
    }
  }
  w.end_array();
  if (written == 0) return gallery;
  // Two arrays as one: the gallery's entries, then the crops.
  const std::string crops = w.take();
  const std::size_t open = crops.find('['), close = crops.rfind(']');
  const std::string items = crops.substr(open + 1, close - open - 1);
  const std::size_t end = gallery.rfind(']');
  if (end == std::string::npos) return gallery;
  const bool empty = gallery.find_first_not_of(" \n\t", gallery.find('[') + 1) == end;
  gallery.insert(end, (empty ? "" : ",") + items);
  return gallery;
}

}  // namespace ds::pipeline
