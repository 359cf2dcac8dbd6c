// Image sizes from headers, for each container, from hand-built bytes: the fields the reader
// must find, at the offsets the specifications put them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/util/error.hpp"
#include "core/util/image_header.hpp"

using namespace ds;
namespace fs = std::filesystem;

namespace {

class TempFile {
 public:
  explicit TempFile(const std::string& bytes) {
    static int counter = 0;
    path_ = fs::temp_directory_path() / ("ds_header_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::ofstream(path_, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  ~TempFile() { fs::remove(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string be16(unsigned v) { return {char(v >> 8), char(v & 255)}; }
std::string le16(unsigned v) { return {char(v & 255), char(v >> 8)}; }
std::string be32(unsigned v) { return be16(v >> 16) + be16(v & 0xFFFF); }
std::string le32(unsigned v) { return le16(v & 0xFFFF) + le16(v >> 16); }
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

ImageSize size_of(const std::string& data) {
  const TempFile f(data);
  return read_image_size(f.path());
}

std::string error_of(const std::string& data) {
  const TempFile f(data);
  try {
    read_image_size(f.path());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ImageHeader, Png) {
  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + "IHDR" + be32(640) + be32(427) + bytes({8, 2, 0, 0, 0});
  EXPECT_EQ(size_of(png), (ImageSize{640, 427}));
}

TEST(ImageHeader, JpegSkipsSegmentsAndFillBytes) {
  // SOI, APP0 (JFIF), APP1 with a 3000-byte body, DQT, fill bytes, then SOF2 (progressive).
  std::string jpeg = bytes({0xFF, 0xD8});
  jpeg += bytes({0xFF, 0xE0}) + be16(16) + std::string("JFIF\0\1\1\0\0\1\0\1\0\0", 14);
  jpeg += bytes({0xFF, 0xE1}) + be16(3002) + std::string(3000, '\xFF');  // body full of 0xFF: must be skipped, not scanned
  jpeg += bytes({0xFF, 0xDB}) + be16(67) + std::string(65, '\1');
  jpeg += bytes({0xFF, 0xFF, 0xFF, 0xC2}) + be16(17) + bytes({8}) + be16(1080) + be16(1920) + bytes({3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1});
  EXPECT_EQ(size_of(jpeg), (ImageSize{1920, 1080}));
}

TEST(ImageHeader, JpegIgnoresHuffmanTablesThatLookLikeFrames) {
  // DHT is C4, inside the SOF range: its body must not be read as a size.
  std::string jpeg = bytes({0xFF, 0xD8, 0xFF, 0xC4}) + be16(7) + bytes({0, 9, 9, 9, 9});
  jpeg += bytes({0xFF, 0xC0}) + be16(11) + bytes({8}) + be16(20) + be16(30) + bytes({1, 1, 0x11, 0});
  EXPECT_EQ(size_of(jpeg), (ImageSize{30, 20}));
}

TEST(ImageHeader, Gif) {
  EXPECT_EQ(size_of("GIF89a" + le16(300) + le16(200) + bytes({0, 0, 0})), (ImageSize{300, 200}));
  EXPECT_EQ(size_of("GIF87a" + le16(1) + le16(2) + bytes({0, 0, 0})), (ImageSize{1, 2}));
}

TEST(ImageHeader, BmpBottomUpTopDownAndCore) {
  const std::string head = "BM" + le32(0) + le32(0) + le32(54);
  EXPECT_EQ(size_of(head + le32(40) + le32(123) + le32(45) + std::string(28, '\0')), (ImageSize{123, 45}));
  EXPECT_EQ(size_of(head + le32(40) + le32(123) + le32(static_cast<unsigned>(-45)) + std::string(28, '\0')), (ImageSize{123, 45}));
  EXPECT_EQ(size_of(head + le32(12) + le16(77) + le16(66) + std::string(8, '\0')), (ImageSize{77, 66}));
}

TEST(ImageHeader, WebpAllThreeKinds) {
  const auto riff = [](const std::string& chunk) { return "RIFF" + le32(100) + "WEBP" + chunk; };
  // VP8 (lossy): frame tag, start code 9D 01 2A, 14-bit sizes (top bits are scaling).
  EXPECT_EQ(size_of(riff("VP8 " + le32(50) + bytes({0, 0, 0}) + bytes({0x9D, 0x01, 0x2A}) + le16(0x4000 | 400) + le16(300) + "pad")),
            (ImageSize{400, 300}));
  // VP8L (lossless): signature 0x2F, then width-1 and height-1 in 14 bits each.
  const unsigned bits = (640 - 1) | ((480 - 1) << 14);
  EXPECT_EQ(size_of(riff("VP8L" + le32(50) + bytes({0x2F}) + le32(bits) + "padding")), (ImageSize{640, 480}));
  // VP8X (extended): canvas width-1 and height-1 in 24 bits.
  EXPECT_EQ(size_of(riff("VP8X" + le32(10) + le32(0) + bytes({0x0F, 0x27, 0x00, 0x3F, 0x9C, 0x00}))), (ImageSize{10000, 40000}));
}

TEST(ImageHeader, TiffBothByteOrders) {
  // Little endian: IFD at 8 with ImageWidth (LONG) and ImageLength (SHORT).
  const std::string ii = std::string("II*\0", 4) + le32(8) + le16(2) + le16(256) + le16(4) + le32(1) + le32(5000) +
                         le16(257) + le16(3) + le32(1) + le16(3000) + le16(0) + le32(0);
  EXPECT_EQ(size_of(ii), (ImageSize{5000, 3000}));
  const std::string mm = std::string("MM\0*", 4) + be32(8) + be16(2) + be16(256) + be16(3) + be32(1) + be16(400) + be16(0) +
                         be16(257) + be16(3) + be32(1) + be16(300) + be16(0) + be32(0);
  EXPECT_EQ(size_of(mm), (ImageSize{400, 300}));
}

TEST(ImageHeader, ErrorsNameTheFileAndTheReason) {
  EXPECT_NE(error_of("not an image at all").find("not a JPEG, PNG, GIF, BMP, WebP or TIFF file"), std::string::npos);
  EXPECT_NE(error_of(bytes({0xFF, 0xD8, 0xFF, 0xE0}) + be16(100) + "only 20 bytes").find("truncated JPEG"), std::string::npos);
  EXPECT_NE(error_of(bytes({0xFF, 0xD8, 0xFF, 0xDA}) + be16(8) + "abcdefgh").find("without a frame header"), std::string::npos);
  EXPECT_NE(error_of("GIF89a" + le16(0) + le16(10) + "xx").find("implausible size 0x10"), std::string::npos);
  EXPECT_NE(error_of("tiny").find("too short"), std::string::npos);
  std::string why;
  EXPECT_FALSE(try_read_image_size("/nonexistent/x.jpg", why));
  EXPECT_EQ(why, "image not found");
  EXPECT_THROW(read_image_size("/nonexistent/x.jpg"), Error);
}
