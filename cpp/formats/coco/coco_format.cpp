#include "formats/coco/coco_format.hpp"

#include "core/dataset/image_paths.hpp"
#include "core/util/files.hpp"
#include "formats/coco/coco_json.hpp"
#include "formats/common.hpp"
#include "formats/images.hpp"

namespace ds::coco {

Dataset CocoFormat::read(const ConfigNode& spec, const ReadOptions& options) const {
  const auto annotations = spec.existing_file("annotations");
  const auto images = spec.existing_dir("images");
  Dataset d = read_instances_file(annotations, images, options.skip_bad, options.masks);
  if (!spec.flag_or(formats::kAllowOutsideImages, false))
    refuse_images_outside(d, "'" + std::string(formats::kAllowOutsideImages) + ": true' in " + spec.file().string());
  return d;
}

void CocoFormat::write(const Dataset& dataset, const std::filesystem::path& dir,
                       const WriteOptions& options) const {
  place_images(dataset, dir / "images", options);
  write_file_atomic(dir / "annotations.json", instances_json(dataset));
  write_file_atomic(dir / "dataset.yaml",
                    "format: coco\nannotations: annotations.json\nimages: images\n");
}

}  // namespace ds::coco
