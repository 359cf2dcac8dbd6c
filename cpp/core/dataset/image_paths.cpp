#include "core/dataset/image_paths.hpp"

#include <filesystem>

#include "core/util/error.hpp"
#include "core/util/text.hpp"

namespace ds {

std::optional<std::string> leaves_images_folder(std::string_view file_name) {
  const std::filesystem::path p{std::string(file_name)};
  if (p.has_root_directory() || p.has_root_name()) return "is absolute";
  int depth = 0;
  for (const std::filesystem::path& part : p) {
    if (part == "..") {
      if (--depth < 0) return "climbs out of the images folder with '..'";
    } else if (part != "." && !part.empty()) {
      ++depth;
    }
  }
  return std::nullopt;
}

void refuse_images_outside(const Dataset& dataset, std::string_view allow_with) {
  for (const Image& im : dataset.images)
    if (const auto why = leaves_images_folder(im.file_name))
      throw Error(dataset.source + ": image id " + std::to_string(im.id) + ": file_name '" + printable(im.file_name, 400) +
                  "' " + *why + " (images are read from inside the images folder; " + std::string(allow_with) +
                  " allows others)");
}

}  // namespace ds
