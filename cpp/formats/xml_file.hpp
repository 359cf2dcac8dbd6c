#pragma once
// An XML file parsed with pugixml, keeping its text so that errors can name the line of any node.
#include <pugixml.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace ds::formats {

class XmlFile {
 public:
  // Throws ds::Error "<file>:<line>:<col>: invalid XML: <what>".
  explicit XmlFile(const std::filesystem::path& path);
  const pugi::xml_document& doc() const { return doc_; }
  // "<file>:<line>" of `node`.
  std::string where(const pugi::xml_node& node) const;
  [[noreturn]] void fail(const pugi::xml_node& node, const std::string& what) const;
  // A number-valued attribute that must be there; an error names the node's line.
  double number_attribute(const pugi::xml_node& node, const char* name) const;

 private:
  std::filesystem::path path_;
  std::string text_;
  pugi::xml_document doc_;
};

// CVAT's label list in <meta> (task, project or job: the first that has one), in order. Both
// CVAT formats (for images, for video) declare labels this way.
std::vector<std::string> cvat_declared_labels(const pugi::xml_node& meta);

// CVAT's <attribute name="iscrowd|difficult|truncated">true|false</attribute> children of a box,
// into the three flags (others are ignored). Both CVAT formats write flags this way.
void read_cvat_flags(const XmlFile& xml, const pugi::xml_node& box, bool& crowd, bool& difficult, bool& truncated);

// An XML document as text, indented, with an XML declaration.
std::string xml_text(const pugi::xml_document& doc);

}  // namespace ds::formats
