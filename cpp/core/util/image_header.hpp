#pragma once
// Image width and height from the file header alone: JPEG (SOF marker), PNG (IHDR), GIF, BMP,
// WebP (VP8, VP8L, VP8X) and TIFF (first IFD). Reads a few bytes (JPEG: walks the segment
// headers, skipping their bodies), never decodes pixels, needs no image library.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ds {

struct ImageSize {
  int width = 0;
  int height = 0;
  friend bool operator==(const ImageSize&, const ImageSize&) = default;
};

// Throws ds::Error "<path>: image not found" or "<path>: cannot read the image header: <why>".
ImageSize read_image_size(const std::filesystem::path& path);

// The same, but an unreadable or missing file gives the reason in `why` instead of throwing.
std::optional<ImageSize> try_read_image_size(const std::filesystem::path& path, std::string& why);

// The same from bytes in memory (a header, or a whole file).
std::optional<ImageSize> image_size_from_bytes(std::string_view bytes, std::string& why);

}  // namespace ds
