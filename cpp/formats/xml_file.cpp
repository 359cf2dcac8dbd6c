#include "formats/xml_file.hpp"

#include <sstream>

#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/text.hpp"
#include "formats/common.hpp"

namespace ds::formats {

XmlFile::XmlFile(const std::filesystem::path& path) : path_(path), text_(read_file(path)) {
  const pugi::xml_parse_result result = doc_.load_buffer(text_.data(), text_.size());
  if (!result) {
    const TextLocation loc = locate(text_, static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, result.offset)));
    throw Error(path_.string() + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column) +
                ": invalid XML: " + result.description());
  }
  // pugixml converts what it detects (a BOM, encoding="ISO-8859-1") to UTF-8, but takes bytes
  // in a file read as UTF-8 as they are.
  if (result.encoding == pugi::encoding_utf8)
    if (std::string problem = utf8_problem(text_, path_.string()); !problem.empty()) throw Error(problem);
}

std::string XmlFile::where(const pugi::xml_node& node) const {
  const std::ptrdiff_t offset = node.offset_debug();
  if (offset < 0) return path_.string();
  return path_.string() + ":" + std::to_string(locate(text_, static_cast<std::size_t>(offset)).line);
}

void XmlFile::fail(const pugi::xml_node& node, const std::string& what) const {
  throw Error(where(node) + ": " + what);
}

double XmlFile::number_attribute(const pugi::xml_node& node, const char* name) const {
  const pugi::xml_attribute a = node.attribute(name);
  if (!a) fail(node, "<" + std::string(node.name()) + "> without '" + name + "'");
  const auto v = parse_number(a.value());
  if (!v) fail(node, std::string(name) + ": expected a number, got '" + a.value() + "'");
  return *v;
}

std::vector<std::string> cvat_declared_labels(const pugi::xml_node& meta) {
  std::vector<std::string> out;
  for (const char* owner : {"task", "project", "job"}) {
    for (const pugi::xml_node label : meta.child(owner).child("labels").children("label"))
      out.emplace_back(trim(label.child("name").text().get()));
    if (!out.empty()) break;
  }
  return out;
}

void read_cvat_flags(const XmlFile& xml, const pugi::xml_node& box, bool& crowd, bool& difficult, bool& truncated) {
  for (const pugi::xml_node attr : box.children("attribute")) {
    const std::string key = attr.attribute("name").value();
    if (key != "iscrowd" && key != "difficult" && key != "truncated") continue;
    const auto v = parse_flag(attr.text().get());
    if (!v) xml.fail(attr, "attribute '" + key + "': expected true or false, got '" + attr.text().get() + "'");
    (key == "iscrowd" ? crowd : key == "difficult" ? difficult : truncated) = *v;
  }
}

std::string xml_text(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

}  // namespace ds::formats
