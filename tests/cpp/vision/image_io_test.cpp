// Decoding stills: every stored kind becomes 8-bit BGR with the right pixels; files that are not
// images, cut off, empty or not regular are one clear error naming the file.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/util/error.hpp"
#include "vision/image_io.hpp"

namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
  const fs::path dir = fs::temp_directory_path() / ("ds-image-io-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

std::string error_of(const fs::path& p) {
  try {
    ds::vision::read_image(p);
  } catch (const ds::Error& e) {
    return e.what();
  }
  return "";
}

cv::Mat gradient(int type, double scale) {
  cv::Mat m(4, 5, type);
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x) {
      const double v = (10 * y + x) * scale;
      switch (type) {
        case CV_8UC1: m.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(v); break;
        case CV_16UC1: m.at<std::uint16_t>(y, x) = static_cast<std::uint16_t>(v); break;
        case CV_8UC4: m.at<cv::Vec4b>(y, x) = cv::Vec4b(static_cast<std::uint8_t>(v), 20, 30, 128); break;
        default: break;
      }
    }
  return m;
}

}  // namespace

TEST(ReadImage, GrayscaleBecomesThreeEqualChannels) {
  const fs::path p = temp_dir() / "gray.png";
  const cv::Mat gray = gradient(CV_8UC1, 5);
  ASSERT_TRUE(cv::imwrite(p.string(), gray));
  const cv::Mat im = ds::vision::read_image(p);
  ASSERT_EQ(im.type(), CV_8UC3);
  for (int y = 0; y < im.rows; ++y)
    for (int x = 0; x < im.cols; ++x) {
      const std::uint8_t g = gray.at<std::uint8_t>(y, x);
      EXPECT_EQ(im.at<cv::Vec3b>(y, x), cv::Vec3b(g, g, g));
    }
}

TEST(ReadImage, RgbaDropsAlphaAndKeepsColour) {
  const fs::path p = temp_dir() / "rgba.png";
  const cv::Mat bgra = gradient(CV_8UC4, 5);
  ASSERT_TRUE(cv::imwrite(p.string(), bgra));
  const cv::Mat im = ds::vision::read_image(p);
  ASSERT_EQ(im.type(), CV_8UC3);
  for (int y = 0; y < im.rows; ++y)
    for (int x = 0; x < im.cols; ++x) {
      const cv::Vec4b v = bgra.at<cv::Vec4b>(y, x);
      EXPECT_EQ(im.at<cv::Vec3b>(y, x), cv::Vec3b(v[0], v[1], v[2]));
    }
}

TEST(ReadImage, SixteenBitSamplesAreScaledToEightBits) {
  const fs::path p = temp_dir() / "deep.png";
  const cv::Mat deep = gradient(CV_16UC1, 1000);
  ASSERT_TRUE(cv::imwrite(p.string(), deep));
  const cv::Mat im = ds::vision::read_image(p);
  ASSERT_EQ(im.type(), CV_8UC3);
  for (int y = 0; y < im.rows; ++y)
    for (int x = 0; x < im.cols; ++x) {
      const auto g = static_cast<std::uint8_t>(deep.at<std::uint16_t>(y, x) >> 8);
      EXPECT_EQ(im.at<cv::Vec3b>(y, x), cv::Vec3b(g, g, g));
    }
}

TEST(ReadImage, TruncatedJpegAndPngAreErrorsNamingTheFile) {
  const fs::path dir = temp_dir();
  cv::Mat big(64, 64, CV_8UC3, cv::Scalar(10, 200, 30));
  for (const std::string ext : {".jpg", ".png"}) {
    std::vector<std::uint8_t> bytes;
    ASSERT_TRUE(cv::imencode(ext, big, bytes));
    const fs::path p = dir / ("cut" + ext);
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                             static_cast<std::streamsize>(bytes.size() / 2));
    const std::string e = error_of(p);
    EXPECT_NE(e.find(p.string()), std::string::npos) << e;
    EXPECT_NE(e.find("truncated"), std::string::npos) << e;
  }
}

TEST(ReadImage, EmptyMissingGarbageAndFifoAreErrors) {
  const fs::path dir = temp_dir();
  std::ofstream(dir / "empty.jpg").close();
  EXPECT_NE(error_of(dir / "empty.jpg").find("empty file"), std::string::npos);
  EXPECT_NE(error_of(dir / "missing.jpg").find("not found"), std::string::npos);
  std::ofstream(dir / "text.jpg") << "not an image at all";
  EXPECT_NE(error_of(dir / "text.jpg").find("cannot decode"), std::string::npos);
  const fs::path fifo = dir / "fifo.jpg";
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_NE(error_of(fifo).find("not a regular file"), std::string::npos);  // and does not block
}

TEST(ReadImage, DanglingLinkIsNamedAsOne) {
  const fs::path dir = temp_dir();
  const fs::path link = dir / "link.jpg";
  fs::remove(link);
  fs::create_symlink(dir / "gone.jpg", link);
  const std::string e = error_of(link);
  EXPECT_NE(e.find("link.jpg: dangling symbolic link (to "), std::string::npos) << e;
}

TEST(OpenCvReason, OneLineWithoutVersionOrSourcePath) {
  try {
    const cv::Mat empty;
    CV_Assert(!empty.empty());
    FAIL() << "CV_Assert did not throw";
  } catch (const cv::Exception& e) {
    ASSERT_NE(e.msg.find("OpenCV("), std::string::npos);  // what used to reach users
    const std::string reason = ds::vision::opencv_reason(e);
    EXPECT_EQ(reason.find('\n'), std::string::npos) << reason;
    EXPECT_EQ(reason.find("OpenCV("), std::string::npos) << reason;
    EXPECT_EQ(reason.find(".cpp"), std::string::npos) << reason;
    EXPECT_NE(reason.find("!empty.empty()"), std::string::npos) << reason;
  }
}
