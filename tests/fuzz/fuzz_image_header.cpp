// Image sizes from file headers (JPEG, PNG, GIF, BMP, WebP, TIFF), from memory and from a file.
#include "fuzz_support.hpp"
#include "core/util/image_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string why;
  const auto from_memory = image_size_from_bytes(bytes, why);
  const auto file = fuzz::scratch() / "image";
  fuzz::write(file, bytes);
  std::string why_file;
  const auto from_file = try_read_image_size(file, why_file);
  if (from_memory.has_value() != from_file.has_value() || (from_memory && *from_memory != *from_file))
    fuzz::bug("image size from memory and from the file disagree");
  if (from_memory && (from_memory->width <= 0 || from_memory->height <= 0)) fuzz::bug("non-positive image size");
  return 0;
}
