#include "core/util/image_header.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>

#include "core/util/error.hpp"
#include "core/util/files.hpp"

namespace ds {
namespace {

// Reads bytes at absolute offsets; a short read is an error ("truncated").
// A file or bytes in memory (the fuzz target and tests).
class ByteSource {
 public:
  explicit ByteSource(const RegularFile& file) : file_(&file) {}
  explicit ByteSource(std::string_view bytes) : bytes_(bytes) {}
  bool read(std::uint64_t offset, void* out, std::size_t n) {
    if (file_) return file_->read_at(offset, static_cast<char*>(out), n) == n;
    if (offset > bytes_.size() || n > bytes_.size() - offset) return false;
    std::memcpy(out, bytes_.data() + offset, n);
    return true;
  }

 private:
  const RegularFile* file_ = nullptr;
  std::string_view bytes_;
};

std::uint32_t be16(const unsigned char* p) { return (std::uint32_t(p[0]) << 8) | p[1]; }
std::uint32_t le16(const unsigned char* p) { return (std::uint32_t(p[1]) << 8) | p[0]; }
std::uint32_t be32(const unsigned char* p) { return (be16(p) << 16) | be16(p + 2); }
std::uint32_t le32(const unsigned char* p) { return (le16(p + 2) << 16) | le16(p); }
std::uint32_t le24(const unsigned char* p) { return (std::uint32_t(p[2]) << 16) | le16(p); }

struct Failure {
  std::string why;
};

ImageSize checked(std::int64_t w, std::int64_t h) {
  if (w <= 0 || h <= 0 || w > 1'000'000 || h > 1'000'000)
    throw Failure{"implausible size " + std::to_string(w) + "x" + std::to_string(h)};
  return {static_cast<int>(w), static_cast<int>(h)};
}

ImageSize jpeg_size(ByteSource& src) {
  // Segments follow SOI: FF marker, then (for most markers) a 2-byte length that counts itself.
  // The frame header (SOF0..SOF15 except DHT C4, JPG C8, DAC CC) holds the size.
  std::uint64_t pos = 2;
  for (int segments = 0; segments < 100000; ++segments) {
    unsigned char b[2];
    if (!src.read(pos, b, 1)) throw Failure{"truncated JPEG (no frame header)"};
    if (b[0] != 0xFF) throw Failure{"corrupt JPEG segment at byte " + std::to_string(pos)};
    unsigned char marker = 0xFF;
    while (marker == 0xFF) {  // fill bytes
      ++pos;
      if (!src.read(pos, &marker, 1)) throw Failure{"truncated JPEG (no frame header)"};
    }
    ++pos;
    if (marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7)) continue;
    if (marker == 0xD9 || marker == 0xDA) throw Failure{"JPEG without a frame header before the image data"};
    if (!src.read(pos, b, 2)) throw Failure{"truncated JPEG segment"};
    const std::uint32_t length = be16(b);
    if (length < 2) throw Failure{"corrupt JPEG segment length"};
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      unsigned char f[5];
      if (length < 7 || !src.read(pos + 2, f, 5)) throw Failure{"truncated JPEG frame header"};
      if (be16(f + 1) == 0) throw Failure{"JPEG height defined later (DNL marker) is not supported"};
      return checked(be16(f + 3), be16(f + 1));
    }
    pos += length;
  }
  throw Failure{"too many JPEG segments"};
}

ImageSize tiff_size(ByteSource& src, bool little) {
  const auto u16 = [&](const unsigned char* p) { return little ? le16(p) : be16(p); };
  const auto u32 = [&](const unsigned char* p) { return little ? le32(p) : be32(p); };
  unsigned char head[8];
  if (!src.read(0, head, 8)) throw Failure{"truncated TIFF header"};
  const std::uint32_t ifd = u32(head + 4);
  unsigned char count_bytes[2];
  if (!src.read(ifd, count_bytes, 2)) throw Failure{"truncated TIFF directory"};
  const std::uint32_t count = u16(count_bytes);
  std::int64_t w = -1, h = -1;
  for (std::uint32_t i = 0; i < count && (w < 0 || h < 0); ++i) {
    unsigned char e[12];
    if (!src.read(ifd + 2 + 12ull * i, e, 12)) throw Failure{"truncated TIFF directory"};
    const std::uint32_t tag = u16(e), type = u16(e + 2);
    const std::uint32_t value = type == 3 ? u16(e + 8) : u32(e + 8);  // SHORT or LONG
    if (tag == 256) w = value;
    if (tag == 257) h = value;
  }
  if (w < 0 || h < 0) throw Failure{"TIFF without ImageWidth/ImageLength"};
  return checked(w, h);
}

ImageSize size_of(ByteSource& src) {
  std::array<unsigned char, 32> h{};
  if (!src.read(0, h.data(), 12)) throw Failure{"file too short to be an image"};
  const unsigned char* p = h.data();
  if (p[0] == 0xFF && p[1] == 0xD8) return jpeg_size(src);
  if (std::memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0) {
    if (!src.read(0, h.data(), 24) || std::memcmp(p + 12, "IHDR", 4) != 0)
      throw Failure{"PNG without an IHDR chunk"};
    return checked(be32(p + 16), be32(p + 20));
  }
  if (std::memcmp(p, "GIF87a", 6) == 0 || std::memcmp(p, "GIF89a", 6) == 0)
    return checked(le16(p + 6), le16(p + 8));
  if (p[0] == 'B' && p[1] == 'M') {
    if (!src.read(0, h.data(), 26)) throw Failure{"truncated BMP header"};
    if (le32(p + 14) == 12) return checked(le16(p + 18), le16(p + 20));  // OS/2 BITMAPCOREHEADER
    const auto height = static_cast<std::int32_t>(le32(p + 22));        // negative: top-down rows
    return checked(static_cast<std::int32_t>(le32(p + 18)), height < 0 ? -std::int64_t(height) : height);
  }
  if (std::memcmp(p, "RIFF", 4) == 0 && std::memcmp(p + 8, "WEBP", 4) == 0) {
    if (!src.read(0, h.data(), 30)) throw Failure{"truncated WebP header"};
    if (std::memcmp(p + 12, "VP8 ", 4) == 0) {
      if (p[23] != 0x9D || p[24] != 0x01 || p[25] != 0x2A) throw Failure{"corrupt WebP (VP8) header"};
      return checked(le16(p + 26) & 0x3FFF, le16(p + 28) & 0x3FFF);
    }
    if (std::memcmp(p + 12, "VP8L", 4) == 0) {
      if (p[20] != 0x2F) throw Failure{"corrupt WebP (VP8L) header"};
      const std::uint32_t bits = le32(p + 21);
      return checked((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
    }
    if (std::memcmp(p + 12, "VP8X", 4) == 0) return checked(le24(p + 24) + 1, le24(p + 27) + 1);
    throw Failure{"unknown WebP chunk"};
  }
  if (std::memcmp(p, "II*\0", 4) == 0) return tiff_size(src, true);
  if (std::memcmp(p, "MM\0*", 4) == 0) return tiff_size(src, false);
  throw Failure{"not a JPEG, PNG, GIF, BMP, WebP or TIFF file"};
}

}  // namespace

std::optional<ImageSize> try_read_image_size(const std::filesystem::path& path, std::string& why) {
  why = not_regular_file_reason(path, "an image");
  if (why == "file not found") why = "image not found";
  if (!why.empty()) return std::nullopt;
  try {
    const RegularFile file(path, "an image");
    ByteSource src(file);
    return size_of(src);
  } catch (const Failure& f) {
    why = "cannot read the image header: " + f.why;
  } catch (const Error& e) {
    // RegularFile's messages start with the path, which the caller adds itself.
    const std::string prefix = path.string() + ": ";
    const std::string m = e.what();
    why = m.rfind(prefix, 0) == 0 ? m.substr(prefix.size()) : m;
  }
  return std::nullopt;
}

std::optional<ImageSize> image_size_from_bytes(std::string_view bytes, std::string& why) {
  ByteSource src(bytes);
  try {
    return size_of(src);
  } catch (const Failure& f) {
    why = "cannot read the image header: " + f.why;
  }
  return std::nullopt;
}

ImageSize read_image_size(const std::filesystem::path& path) {
  std::string why;
  const auto size = try_read_image_size(path, why);
  if (!size) throw Error(path.string() + ": " + why);
  return *size;
}

}  // namespace ds
