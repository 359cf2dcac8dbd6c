#pragma once
// The in-memory dataset every format reads into and writes from, and the detections a model
// or a results file gives. Boxes use COCO's convention: top-left corner, width, height, pixels.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ds::mask {
struct Segmentation;  // core/mask/segmentation.hpp
}

namespace ds {

struct OpenImagesInfo;  // core/dataset/open_images.hpp

struct Box {
  double x = 0, y = 0, w = 0, h = 0;
};

struct Image {
  std::int64_t id = 0;
  std::string file_name;  // relative to Dataset::image_dir
  int width = 0;          // 0 when unknown
  int height = 0;
  // >= 0: the image is frame `frame` (0-based, decoding order) of the video file `file_name`
  // (annotated video: MOT with one video file, CVAT for video). -1: a still image file.
  std::int64_t frame = -1;
  // COCO: the image record's other fields (name, raw JSON text), so slices can select images by
  // them (`attrs: {weather: rain}`); other formats leave it empty.
  std::vector<std::pair<std::string, std::string>> fields;
  // LVIS (a federated dataset): the categories verified absent from the image, and those present
  // whose instances are not all annotated. Unset: the record has no such list (not LVIS).
  std::optional<std::vector<std::int64_t>> neg_category_ids;
  std::optional<std::vector<std::int64_t>> not_exhaustive_category_ids;
};

struct Category {
  std::int64_t id = 0;
  std::string name;
  std::string supercategory;
  // COCO keypoints: the names of the category's K keypoints (empty: it has none) and the
  // skeleton's edges as the file stores them (pairs of 1-based keypoint indices).
  std::vector<std::string> keypoint_names;
  std::vector<std::array<std::int64_t, 2>> skeleton;
  // Ultralytics' flip_idx: for each keypoint, the one it becomes in a mirrored image (empty: not
  // known). Only the yolo format reads and writes it.
  std::vector<std::int64_t> keypoint_flip;
  // LVIS: 'r', 'c' or 'f' (rare, common, frequent: in how many training images the category
  // is; APr / APc / APf group by it), its WordNet synset, and its training image and instance
  // counts (-1: not given). Empty / -1 for other datasets.
  std::string frequency;
  std::string synset;
  std::int64_t image_count = -1;
  std::int64_t instance_count = -1;
  // COCO / LVIS: the record's other fields (name, raw JSON text: LVIS' synonyms, def), written
  // back as they were.
  std::vector<std::pair<std::string, std::string>> fields;
};

struct Annotation {
  std::int64_t id = 0;
  std::int64_t image_id = 0;
  std::int64_t category_id = 0;
  Box bbox;
  double area = 0;  // COCO: the segmentation area; formats without masks use w*h
  bool iscrowd = false;
  bool difficult = false;  // Pascal VOC
  bool truncated = false;  // Pascal VOC
  // The object's track in annotated video (MOT's id column, CVAT's <track id>); -1: none.
  // Only the video formats write it; the others ignore it.
  std::int64_t track_id = -1;
  // COCO's polygons or RLE; null when the file has none or the reader was not asked for masks.
  std::shared_ptr<const mask::Segmentation> segmentation;
  // COCO keypoints: x, y, v for each of the category's K keypoints (v: 0 not labelled,
  // 1 labelled but not visible, 2 visible); empty when the record has none. Doubles: pycocotools
  // computes OKS in float64 from the file's numbers.
  std::vector<double> keypoints;
  // How many keypoints are labelled (v > 0), as the file says (counted when it does not);
  // keypoint evaluation ignores a ground truth with none.
  int num_keypoints = 0;
};

struct Dataset {
  std::vector<Image> images;
  std::vector<Category> categories;
  std::vector<Annotation> annotations;
  std::filesystem::path image_dir;  // where Image::file_name is found
  std::string source;               // the file or folder it was read from, for messages
  // Records or files a reader left out under ReadOptions::skip_bad, one message each
  // ("file:line: what is wrong"); `check` lists them as errors, `convert` counts them.
  std::vector<std::string> skipped;
  // Things a reader could not carry over but that are not errors (a LabelMe polygon, say).
  std::vector<std::string> warnings;
  // Open Images' LabelNames, class hierarchy and image-level labels (the openimages format);
  // null for other formats.
  std::shared_ptr<const OpenImagesInfo> open_images;
};

struct Detection {
  std::int64_t image_id = 0;
  std::int64_t category_id = 0;
  Box bbox;
  double score = 0;
  // The detection's mask (null: none, or not read). Results with masks and no boxes get
  // mask_area set and their box from the mask, as pycocotools' loadRes does.
  std::shared_ptr<const mask::Segmentation> segmentation;
  double mask_area = -1;  // >= 0: the area segm evaluation uses (else the box's w * h)
  // x, y, v for each of the category's keypoints (empty: none). Keypoint results without a
  // box get the keypoints' extent as their box, as pycocotools' loadRes does.
  std::vector<double> keypoints;
  // The track a tracker gave it (MOT's id column); -1: not tracked. The tracking metric needs it.
  std::int64_t track_id = -1;
};

}  // namespace ds
