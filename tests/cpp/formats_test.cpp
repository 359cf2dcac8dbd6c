// Format readers and writers at the C++ level: VOC's 1-based pixels, YOLO label paths, class
// lists, numbers from text, and the registry.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "formats/common.hpp"
#include "formats/format.hpp"
#include "formats/yolo/yolo_labels.hpp"

using namespace ds;
namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() / ("ds_formats_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

ConfigNode spec(const fs::path& dir, const std::string& yaml) {
  write_file_atomic(dir / "dataset.yaml", yaml);
  return ConfigNode::load(dir / "dataset.yaml");
}

}  // namespace

TEST(Voc, OneBasedInclusivePixelsBecomeContinuousCoordinates) {
  const TempDir tmp;
  write_file_atomic(tmp.path() / "a.xml", R"(<annotation><filename>a.jpg</filename>
  <size><width>50</width><height>40</height></size>
  <object><name>dog</name><difficult>1</difficult><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>50</xmax><ymax>40</ymax></bndbox></object>
  <object><name>cat</name><truncated>1</truncated><bndbox><xmin>11</xmin><ymin>21</ymin><xmax>11</xmax><ymax>22</ymax></bndbox></object>
</annotation>)");
  write_file_atomic(tmp.path() / "a.jpg", "image bytes: linked, never decoded");
  const Dataset d = load_dataset(spec(tmp.path(), "format: voc\nannotations: .\n"));
  ASSERT_EQ(d.annotations.size(), 2u);
  const Box whole = d.annotations[0].bbox, one = d.annotations[1].bbox;
  EXPECT_EQ((std::vector<double>{whole.x, whole.y, whole.w, whole.h}), (std::vector<double>{0, 0, 50, 40}));
  EXPECT_EQ((std::vector<double>{one.x, one.y, one.w, one.h}), (std::vector<double>{10, 20, 1, 2}));  // one pixel wide
  EXPECT_TRUE(d.annotations[0].difficult);
  EXPECT_TRUE(d.annotations[1].truncated);
  ASSERT_EQ(d.categories.size(), 2u);  // collected, numbered in name order
  EXPECT_EQ(d.categories[0].name, "cat");
  EXPECT_EQ(d.annotations[0].category_id, 2);

  // Written back: the same numbers.
  find_format("voc").write(d, tmp.path() / "out", {});
  const std::string xml = read_file(tmp.path() / "out" / "Annotations" / "a.xml");
  EXPECT_NE(xml.find("<xmin>1</xmin>"), std::string::npos);
  EXPECT_NE(xml.find("<xmax>50</xmax>"), std::string::npos);
  EXPECT_NE(xml.find("<xmin>11</xmin>"), std::string::npos);
  EXPECT_NE(xml.find("<xmax>11</xmax>"), std::string::npos);
}

TEST(Voc, FixedClassListRejectsUnknownNamesWithFileAndLine) {
  const TempDir tmp;
  write_file_atomic(tmp.path() / "a.xml", "<annotation><filename>a.jpg</filename><size><width>5</width><height>5</height></size>\n"
                                          "<object><name>dgo</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object>\n"
                                          "</annotation>");
  try {
    load_dataset(spec(tmp.path(), "format: voc\nannotations: .\nclasses: [dog, cat]\n"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), (tmp.path() / "a.xml").string() + ":2: class 'dgo' is not one of classes: dog, cat");
  }
  ReadOptions skip;
  skip.skip_bad = true;
  const Dataset d = load_dataset(spec(tmp.path(), "format: voc\nannotations: .\nclasses: {3: dog, 8: cat}\n"), skip);
  EXPECT_TRUE(d.images.empty());
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_EQ(d.categories[1].id, 8);
}

TEST(Yolo, LabelPathFollowsUltralyticsAndDarknet) {
  using yolo::label_path;
  EXPECT_EQ(label_path("/d/images/train/x.jpg"), fs::path("/d/labels/train/x.txt"));
  EXPECT_EQ(label_path("/d/images/a/images/x.png"), fs::path("/d/images/a/labels/x.txt"));  // the last one
  EXPECT_EQ(label_path("images/x.jpeg"), fs::path("labels/x.txt"));
  EXPECT_EQ(label_path("/voc/JPEGImages/0001.jpg"), fs::path("/voc/labels/0001.txt"));
  EXPECT_EQ(label_path("/flat/x.jpg"), fs::path("/flat/x.txt"));  // beside the image
}

TEST(Common, NumbersAndFlagsFromText) {
  EXPECT_EQ(formats::parse_number(" 12.5 "), 12.5);
  EXPECT_EQ(formats::parse_number("+3"), 3.0);
  EXPECT_EQ(formats::parse_number("1e-3"), 0.001);
  EXPECT_FALSE(formats::parse_number("12px"));
  EXPECT_FALSE(formats::parse_number(""));
  EXPECT_FALSE(formats::parse_number("nan"));
  EXPECT_EQ(formats::parse_integer("-7"), -7);
  EXPECT_FALSE(formats::parse_integer("7.0"));
  EXPECT_EQ(formats::parse_flag("True"), true);
  EXPECT_EQ(formats::parse_flag("-1"), false);  // Open Images: unknown
  EXPECT_FALSE(formats::parse_flag("maybe"));
}

TEST(Common, DerivedFileNamesMustNotCollide) {
  formats::DerivedNames names(".xml");
  EXPECT_EQ(names(Image{1, "a.jpg", 0, 0}), fs::path("a.xml"));
  EXPECT_EQ(names(Image{2, "sub/a.jpg", 0, 0}), fs::path("sub/a.xml"));
  EXPECT_THROW(names(Image{3, "a.png", 0, 0}), Error);
  EXPECT_THROW(names(Image{4, "../outside.jpg", 0, 0}), Error);
  EXPECT_THROW(names(Image{5, "/abs/x.jpg", 0, 0}), Error);
}

TEST(Registry, EveryFormatOnceAndUnknownNamesListTheKnown) {
  std::vector<std::string> names;
  for (const DatasetFormat* f : all_formats()) names.emplace_back(f->name());
  EXPECT_EQ(names, (std::vector<std::string>{"coco", "voc", "yolo", "darknet", "openimages", "labelme", "cvat", "mot", "cvat-video"}));
  try {
    find_format("pascal");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "unknown dataset format 'pascal' (known: coco, voc, yolo, darknet, openimages, labelme, cvat, mot, cvat-video)");
  }
}

// What the decoding pipeline reads: frames of one video are records of that file with a 0-based
// frame index, sized from the annotations; track ids ride on the annotations.
TEST(VideoFormats, FramesOfOneVideoFileAndTrackIds) {
  const TempDir tmp;
  const fs::path seq = tmp.path() / "seq";
  write_file_atomic(seq / "seqinfo.ini", "[Sequence]\nseqLength=3\nimWidth=640\nimHeight=480\n");
  write_file_atomic(seq / "gt" / "gt.txt", "3,9,1,1,10,10,1,1,1\n");
  write_file_atomic(tmp.path() / "clip.mp4", "video bytes: never decoded here");
  const Dataset mot = load_dataset(spec(tmp.path(), "format: mot\nsequence: seq\nvideo: clip.mp4\n"));
  ASSERT_EQ(mot.images.size(), 3u);
  EXPECT_EQ(mot.image_dir, tmp.path());
  for (std::int64_t k = 0; k < 3; ++k) {
    const Image& im = mot.images[static_cast<std::size_t>(k)];
    EXPECT_EQ(im.file_name, "clip.mp4");
    EXPECT_EQ(im.frame, k);
    EXPECT_EQ(im.id, k + 1);
    EXPECT_EQ(im.width, 640);
    EXPECT_EQ(im.height, 480);
  }
  ASSERT_EQ(mot.annotations.size(), 1u);
  EXPECT_EQ(mot.annotations[0].image_id, 3);
  EXPECT_EQ(mot.annotations[0].track_id, 9);

  write_file_atomic(tmp.path() / "a.xml", R"(<annotations><meta><task><size>2</size><start_frame>5</start_frame>
  <frame_filter>step=3</frame_filter><original_size><width>8</width><height>6</height></original_size></task>
  <source>clip.mp4</source></meta>
  <track id="4" label="x"><box frame="8" outside="0" xtl="1" ytl="1" xbr="2" ybr="2"/></track></annotations>)");
  const Dataset cvat = load_dataset(spec(tmp.path(), "format: cvat-video\nannotations: a.xml\n"));
  ASSERT_EQ(cvat.images.size(), 2u);
  EXPECT_EQ(cvat.images[0].frame, 5);
  EXPECT_EQ(cvat.images[1].frame, 8);
  EXPECT_EQ(cvat.images[1].file_name, "clip.mp4");
  ASSERT_EQ(cvat.annotations.size(), 1u);
  EXPECT_EQ(cvat.annotations[0].track_id, 4);
  EXPECT_EQ(cvat.annotations[0].image_id, 2);
}
