#pragma once
// What `check` says about a dataset: counts, and every problem found, each naming the file,
// image or annotation. Errors make `check` fail; warnings (an image without boxes) do not.
#include <cstddef>
#include <string>
#include <vector>

#include "core/dataset/dataset.hpp"

namespace ds {

struct DatasetProblem {
  bool error = true;
  std::string kind;     // "missing image", "box outside image", ...
  std::string message;  // names the file / image / annotation
};

struct ClassCount {
  std::string name;
  std::int64_t id = 0;
  std::size_t boxes = 0;
  bool known = true;  // false: annotations name a category id that is not in categories
};

struct DatasetReport {
  std::size_t images = 0;
  std::size_t boxes = 0;
  std::size_t small = 0, medium = 0, large = 0;  // COCO area ranges: < 32^2, < 96^2, the rest
  std::size_t crowd = 0, difficult = 0, truncated = 0;
  std::size_t images_without_boxes = 0;
  std::vector<ClassCount> classes;
  std::vector<DatasetProblem> problems;
  std::size_t errors() const;
  std::size_t warnings() const;
};

// `read_images`: open every image's header (missing, unreadable, size differs from the record).
DatasetReport check_dataset(const Dataset& dataset, bool read_images = true);

// Text for people: counts, then problems grouped by kind, at most `max_per_kind` lines each
// ("... and 12 more"), then a verdict line.
std::string format_report(const DatasetReport& report, std::size_t max_per_kind = 10);

}  // namespace ds
