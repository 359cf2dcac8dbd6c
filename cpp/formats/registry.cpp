// The one place dataset formats are registered: add a line here for a new format.
#include "core/config/run_config.hpp"
#include "core/util/error.hpp"
#include "formats/coco/coco_json.hpp"
#include "formats/coco/coco_format.hpp"
#include "formats/cvat/cvat_format.hpp"
#include "formats/cvat_video/cvat_video_format.hpp"
#include "formats/dataset_file.hpp"
#include "formats/format.hpp"
#include "formats/labelme/labelme_format.hpp"
#include "formats/mot/mot_format.hpp"
#include "formats/openimages/openimages_format.hpp"
#include "formats/voc/voc_format.hpp"
#include "formats/yolo/yolo_format.hpp"

namespace ds {

namespace {
template <class Format>
const DatasetFormat* one() {
  static const Format format;
  return &format;
}
}  // namespace

std::vector<const DatasetFormat*> all_formats() {
  return {
      one<coco::CocoFormat>(),
      one<voc::VocFormat>(),
      one<yolo::UltralyticsFormat>(),
      one<yolo::DarknetFormat>(),
      one<openimages::OpenImagesFormat>(),
      one<labelme::LabelMeFormat>(),
      one<cvat::CvatFormat>(),
      one<mot::MotFormat>(),
      one<cvat_video::CvatVideoFormat>(),
  };
}

const DatasetFormat& find_format(std::string_view name) {
  std::string known;
  for (const DatasetFormat* f : all_formats()) {
    if (f->name() == name) return *f;
    known += (known.empty() ? "" : ", ") + std::string(f->name());
  }
  throw Error("unknown dataset format '" + std::string(name) + "' (known: " + known + ")");
}

Dataset load_dataset(const ConfigNode& spec, const ReadOptions& options) {
  const std::string name = spec.string("format");
  const DatasetFormat* format = nullptr;
  try {
    format = &find_format(name);
  } catch (const Error& e) {
    spec.fail("format", e.what());
  }
  return format->read(spec, options);
}

Dataset load_dataset_file(const std::filesystem::path& file, const ReadOptions& options,
                          const std::filesystem::path& image_dir) {
  if (file.extension() == ".json") return coco::read_instances_file(file, image_dir, options.skip_bad, options.masks);
  return load_dataset(load_dataset_spec(file), options);
}

}  // namespace ds
