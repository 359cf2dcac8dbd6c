#include "formats/voc/voc_format.hpp"

#include <cmath>

#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/text.hpp"
#include "formats/common.hpp"
#include "formats/images.hpp"
#include "formats/xml_file.hpp"

namespace fs = std::filesystem;

namespace ds::voc {
namespace {

using formats::ClassNames;
using formats::XmlFile;

struct Layout {
  fs::path annotations, images;
  std::optional<fs::path> list;
};

Layout layout_of(const ConfigNode& spec) {
  Layout out;
  if (spec.has("root")) {
    const fs::path root = spec.existing_dir("root");
    out.annotations = root / "Annotations";
    out.images = root / "JPEGImages";
    if (const auto split = spec.optional_string("split")) {
      out.list = root / "ImageSets" / "Main" / (*split + ".txt");
      std::error_code ec;
      if (!fs::exists(*out.list, ec)) spec.fail("split", "no image list " + out.list->string());
    }
  } else {
    if (!spec.has("annotations")) spec.fail("", "expected 'root:' (a VOC folder) or 'annotations:' (a folder of XML files)");
    out.annotations = spec.existing_dir("annotations");
    out.images = spec.has("images") ? spec.existing_dir("images") : out.annotations;
    if (spec.has("list")) out.list = spec.existing_file("list");
  }
  std::error_code ec;
  if (!fs::is_directory(out.annotations, ec)) throw Error(out.annotations.string() + ": folder not found");
  return out;
}

// The XML files to read, relative to the annotations folder.
std::vector<fs::path> xml_files(const Layout& layout) {
  if (!layout.list) return formats::list_files(layout.annotations, ".xml");
  std::vector<fs::path> out;
  const std::string text = read_text_file(*layout.list);
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    // ImageSets lines are "<id>" or, in the per-class lists, "<id> <1|-1|0>".
    std::string_view line = trim(std::string_view(text).substr(start, end - start));
    if (const auto space = line.find_first_of(" \t"); space != std::string_view::npos) line = line.substr(0, space);
    if (!line.empty()) out.emplace_back(std::string(line) + ".xml");
    start = end + 1;
  }
  return out;
}

std::string child_text(const pugi::xml_node& node, const char* name) {
  return std::string(trim(node.child(name).text().get()));
}

double coordinate(const XmlFile& xml, const pugi::xml_node& box, const char* name) {
  const pugi::xml_node n = box.child(name);
  if (!n) xml.fail(box, "<bndbox> without <" + std::string(name) + ">");
  const auto v = formats::parse_number(n.text().get());
  if (!v) xml.fail(n, "<" + std::string(name) + ">: expected a number, got '" + std::string(trim(n.text().get())) + "'");
  return *v;
}

bool flag(const XmlFile& xml, const pugi::xml_node& object, const char* name) {
  const pugi::xml_node n = object.child(name);
  if (!n) return false;
  const auto v = formats::parse_flag(n.text().get());
  if (!v) xml.fail(n, "<" + std::string(name) + ">: expected 0 or 1, got '" + std::string(trim(n.text().get())) + "'");
  return *v;
}

// One XML file into `image` and `anns` (committed by the caller only when the whole file reads).
void read_xml(const fs::path& file, const fs::path& rel, const Layout& layout, ClassNames& classes,
              Image& image, std::vector<Annotation>& anns) {
  const XmlFile xml(file);
  const pugi::xml_node root = xml.doc().child("annotation");
  if (!root) throw Error(file.string() + ": not a Pascal VOC file (no <annotation> element)");
  std::string filename = child_text(root, "filename");
  if (filename.empty()) filename = rel.filename().replace_extension(".jpg").string();
  if (!fs::path(filename).has_extension()) filename += ".jpg";
  // Nested annotation folders mirror nested image folders when <filename> is a bare name.
  fs::path name = filename.find('/') == std::string::npos ? rel.parent_path() / filename : fs::path(filename);
  image.file_name = formats::generic(name.lexically_normal());
  const pugi::xml_node size = root.child("size");
  const auto w = formats::parse_integer(size.child("width").text().get());
  const auto h = formats::parse_integer(size.child("height").text().get());
  if (w && h && *w > 0 && *h > 0) {
    image.width = static_cast<int>(*w);
    image.height = static_cast<int>(*h);
  } else {
    // Some tools leave <size> out or write zeros; the image file knows.
    std::string why;
    const auto s = try_read_image_size(layout.images / image.file_name, why);
    if (!s) throw Error(file.string() + ": no <size> and " + (layout.images / image.file_name).string() + ": " + why);
    image.width = s->width;
    image.height = s->height;
  }
  for (const pugi::xml_node object : root.children("object")) {
    const std::string label = child_text(object, "name");
    if (label.empty()) xml.fail(object, "<object> without <name>");
    const pugi::xml_node box = object.child("bndbox");
    if (!box) xml.fail(object, "<object> '" + label + "' without <bndbox>");
    const double xmin = coordinate(xml, box, "xmin"), ymin = coordinate(xml, box, "ymin");
    const double xmax = coordinate(xml, box, "xmax"), ymax = coordinate(xml, box, "ymax");
    Annotation a;
    a.bbox = {xmin - 1, ymin - 1, xmax - xmin + 1, ymax - ymin + 1};
    if (a.bbox.w < 0 || a.bbox.h < 0)
      xml.fail(box, "box of '" + label + "' has xmax < xmin or ymax < ymin");
    const auto id = classes.id_of(label);
    if (!id) xml.fail(object, "class '" + label + "' is not one of classes: " + classes.known());
    a.category_id = *id;
    a.area = a.bbox.w * a.bbox.h;
    a.difficult = flag(xml, object, "difficult");
    a.truncated = flag(xml, object, "truncated");
    anns.push_back(a);
  }
}

// A box edge pair in whole pixels (0-based start, end). A box thinner than a pixel would round
// to nothing: it becomes the one pixel holding its centre, which stays within a pixel of it.
std::pair<double, double> pixel_span(double start, double size) {
  double a = std::round(start), b = std::round(start + size);
  if (size > 0 && b <= a) {
    a = std::floor(start + size / 2);
    b = a + 1;
  }
  return {a, b};
}

}  // namespace

Dataset VocFormat::read(const ConfigNode& spec, const ReadOptions& options) const {
  const Layout layout = layout_of(spec);
  ClassNames classes = ClassNames::from_spec(spec);
  Dataset out;
  out.source = layout.annotations.string();
  out.image_dir = layout.images;
  for (const fs::path& rel : xml_files(layout)) {
    Image image;
    std::vector<Annotation> anns;
    try {
      read_xml(layout.annotations / rel, rel, layout, classes, image, anns);
    } catch (const Error& e) {
      formats::skip_or_throw(options, out, e.what());
      continue;
    }
    formats::append_image(out, std::move(image), std::move(anns));
  }
  classes.finish(out);
  return out;
}

void VocFormat::write(const Dataset& dataset, const fs::path& dir, const WriteOptions& options) const {
  place_images(dataset, dir / "JPEGImages", options);
  std::unordered_map<std::int64_t, const Category*> category;
  for (const Category& c : dataset.categories) category.emplace(c.id, &c);
  std::unordered_map<std::int64_t, std::vector<const Annotation*>> by_image;
  for (const Annotation& a : dataset.annotations) by_image[a.image_id].push_back(&a);

  formats::DerivedNames xml_name(".xml");
  std::string ids;
  for (const Image& im : dataset.images) {
    const fs::path rel = xml_name(im);
    const ImageSize size = formats::image_size(dataset, im);
    pugi::xml_document doc;
    pugi::xml_node root = doc.append_child("annotation");
    root.append_child("folder").text() = "JPEGImages";
    root.append_child("filename").text() = fs::path(im.file_name).filename().string().c_str();
    pugi::xml_node s = root.append_child("size");
    s.append_child("width").text() = size.width;
    s.append_child("height").text() = size.height;
    s.append_child("depth").text() = 3;
    root.append_child("segmented").text() = 0;
    for (const Annotation* a : by_image[im.id]) {
      const auto c = category.find(a->category_id);
      if (c == category.end())
        throw Error("annotation " + std::to_string(a->id) + ": category " + std::to_string(a->category_id) +
                    " is not in the dataset's categories; VOC needs a class name");
      pugi::xml_node o = root.append_child("object");
      o.append_child("name").text() = c->second->name.c_str();
      o.append_child("pose").text() = "Unspecified";
      o.append_child("truncated").text() = a->truncated ? 1 : 0;
      o.append_child("difficult").text() = a->difficult ? 1 : 0;
      // Whole pixels, 1-based, inclusive: round the edges, then shift the left/top edge by one.
      const auto [x1, x2] = pixel_span(a->bbox.x, a->bbox.w);
      const auto [y1, y2] = pixel_span(a->bbox.y, a->bbox.h);
      pugi::xml_node b = o.append_child("bndbox");
      b.append_child("xmin").text() = static_cast<long long>(x1) + 1;
      b.append_child("ymin").text() = static_cast<long long>(y1) + 1;
      b.append_child("xmax").text() = static_cast<long long>(x2);
      b.append_child("ymax").text() = static_cast<long long>(y2);
    }
    write_file_atomic(dir / "Annotations" / rel, formats::xml_text(doc));
    ids += formats::generic(fs::path(rel).replace_extension()) + "\n";
  }
  write_file_atomic(dir / "ImageSets" / "Main" / "all.txt", ids);
  write_file_atomic(dir / "dataset.yaml",
                    "format: voc\nroot: .\nsplit: all\n" + formats::classes_yaml(dataset.categories));
}

}  // namespace ds::voc
