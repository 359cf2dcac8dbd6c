#include "pipeline/sinks/dataset_export.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "core/classes/class_map.hpp"
#include "core/util/error.hpp"
#include "formats/format.hpp"
#include "pipeline/annotate.hpp"
#include "vision/draw.hpp"

namespace fs = std::filesystem;

namespace ds::pipeline {

DatasetExportSink::DatasetExportSink(fs::path dir, std::string format) : dir_(std::move(dir)), format_(std::move(format)) {
  find_format(format_);  // an unknown format fails before the model runs
  const fs::path absolute = fs::absolute(dir_).lexically_normal();
  std::string name(".");  // appended: GCC 12 warns falsely (-Wrestrict) on `"." + string`
  name += absolute.filename().string();
  name += ".frames-";
  name += std::to_string(::getpid());
  staging_ = absolute.parent_path() / name;
  dataset_.image_dir = staging_;
  dataset_.source = dir_.string();
}

DatasetExportSink::~DatasetExportSink() {
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

Control DatasetExportSink::consume(const Result& r) {
  if (dataset_.categories.empty()) {
    // Category ids follow the model's labels; a label file with a background slot (torchvision's
    // COCO order) already numbers classes from 1, otherwise label 0 becomes id 1.
    const bool placeholder = std::any_of(r.class_names.begin(), r.class_names.end(),
                                         [](const std::string& n) { return is_placeholder_class(n); });
    label_offset_ = placeholder ? 0 : 1;
    for (std::size_t i = 0; i < r.class_names.size(); ++i)
      if (!is_placeholder_class(r.class_names[i]))
        dataset_.categories.push_back({static_cast<std::int64_t>(i) + label_offset_, r.class_names[i], ""});
  }
  char name[32];
  std::snprintf(name, sizeof name, "frame_%06zu.jpg", r.frame.index);
  vision::write_image(staging_ / name, r.frame.pixels);
  const Image image{static_cast<std::int64_t>(dataset_.images.size()) + 1, name, r.frame.pixels.cols,
                    r.frame.pixels.rows};
  dataset_.images.push_back(image);
  for (const Detection& d : labelled_detections(r, Coordinates::kPixels)) {
    Annotation a;
    a.id = static_cast<std::int64_t>(dataset_.annotations.size()) + 1;
    a.image_id = image.id;
    a.category_id = d.category_id + label_offset_;
    a.bbox = d.bbox;
    a.area = d.bbox.w * d.bbox.h;
    a.track_id = d.track_id;  // --track: the video formats (mot, cvat-video) write it
    dataset_.annotations.push_back(a);
  }
  return Control::kContinue;
}

void DatasetExportSink::finish() {
  if (finished_) return;
  finished_ = true;
  if (dataset_.images.empty()) return;
  find_format(format_).write(dataset_, dir_, {.copy_images = true});
}

}  // namespace ds::pipeline
