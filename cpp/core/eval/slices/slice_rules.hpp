#pragma once
// Slices of a dataset's images, as a SLICES.yaml names them (`score --slices`, a run config's
// `slices:`): each slice is a list of image ids, or rules on the image's fields that must all
// hold:
//   night:     {file_name: "night/*"}          a glob (fnmatch: '*' crosses '/'; exact without one)
//   small:     {width: [0, 640]}                a number range, both ends included
//   rain:      {attrs: {weather: rain}}         any other field of the COCO image record; a
//                                               mapping matches inside an object field
//   picked:    [1, 5, 17]                       image ids
//   small:     {objects: {area: [0, 1024]}}     rules on the objects (ObjectFilter): ground truth
//                                               outside them ignored, as COCO's area ranges
// Read once (read_slices), then resolved against the ground truth (select_slices) before a run
// starts, so a typo fails in one line naming the file and key instead of after the model ran.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config_node.hpp"
#include "core/dataset/dataset.hpp"

namespace ds::slices {

// One condition on a field of the image (or, nested, of an object field).
struct Rule {
  enum class Kind { kGlob, kNumber, kBool, kRange, kFields };
  std::string field;
  Kind kind = Kind::kGlob;
  std::string glob;                 // kGlob
  double number = 0;                // kNumber
  bool flag = false;                // kBool
  double low = 0, high = 0;         // kRange, inclusive
  std::vector<Rule> fields;         // kFields: conditions on the object's own fields
  std::string where;                // "slices.yaml:4: night.file_name", for messages
};

// A slice of the objects rather than of the images (`objects:` rules, all must hold): on the
// images of its slice, the ground truth outside it is ignored and the detections outside it are
// ignored unless they match, exactly as pycocotools treats objects outside an area range. The
// fields: area (COCO's: the annotation's area; a detection's box or mask area, as the metric
// measures it), width, height, aspect (height / width of the box), and the flags iscrowd,
// difficult, truncated (ground truth only: a rule on a flag does not apply to detections, so
// every unmatched detection of such a slice counts).
struct ObjectFilter {
  std::vector<Rule> rules;
  bool annotation(const Annotation& a) const;
  bool detection(const Detection& d, double area) const;
};

struct SliceSpec {
  std::string name;
  std::string where;
  std::optional<std::vector<std::int64_t>> image_ids;  // set: a list of ids, else `rules`
  std::vector<Rule> rules;
  std::vector<Rule> object_rules;  // `objects:` (with image rules or alone: every image)
};

struct SliceSpecs {
  std::filesystem::path file;
  std::vector<SliceSpec> slices;  // in the file's order
  // Each slice's AP interval: this many percentile-bootstrap samples of its images (0: none;
  // score --slice-bootstrap N).
  std::size_t bootstrap_samples = 200;
};

// Throws ds::Error naming the file, line and key for anything malformed. Slice names may not
// hold '.' (metrics.json's keys are dotted paths).
SliceSpecs read_slices(const std::filesystem::path& file);
// The same from a mapping already loaded, or from YAML (or JSON) text that `label` names in
// messages (the Python API's slices given as a dict).
SliceSpecs read_slices(const ConfigNode& root);
SliceSpecs read_slices_text(const std::string& text, const std::string& label);

struct ImageSlice {
  std::string name;
  std::vector<std::int64_t> image_ids;  // sorted, unique
  std::shared_ptr<const ObjectFilter> objects;  // null: every object of the images
};

// The images of each slice. Throws ds::Error (file and key) for a rule on a field no image
// has, an id that is not an image of `gt`, or a slice that holds no image.
std::vector<ImageSlice> select_slices(const SliceSpecs& specs, const Dataset& gt);

}  // namespace ds::slices
