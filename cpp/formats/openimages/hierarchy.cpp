#include "formats/openimages/hierarchy.hpp"

#include <unordered_map>

#include "core/util/error.hpp"
#include "core/util/json_source.hpp"
#include "core/util/text.hpp"

namespace ds::openimages {
namespace {

constexpr int kMaxDepth = 100;  // the real file is 5 deep; a bound keeps the recursion's stack small

struct Parser {
  JsonSource& src;
  Hierarchy& out;

  // One node: its LabelName, and each Subcategory's edge to it. Children come before the
  // LabelName in some files, so they are read first and their edges finished after.
  std::string node(simdjson::ondemand::value value, const std::string& path, int depth) {
    if (depth > kMaxDepth) src.fail(path + ": nested deeper than " + std::to_string(kMaxDepth) + " levels");
    const auto ctx = [&] { return path; };
    const std::string where = src.located(path);
    std::string label;
    bool has_label = false;
    std::vector<std::size_t> children;  // indices of the edges to finish
    for (auto field : src.get_object(value, ctx)) {
      std::string_view key;
      src.check(field.unescaped_key().get(key), path);
      if (key == "LabelName") {
        label = std::string(src.get_string(field.value(), [&] { return path + ": 'LabelName'"; }));
        has_label = true;
      } else if (key == "Subcategory") {
        std::size_t index = 0;
        const std::string sub = path + ".Subcategory";
        for (auto element : src.get_array(field.value(), [&] { return sub; })) {
          const std::string child_path = sub + "[" + std::to_string(index++) + "]";
          simdjson::ondemand::value v;
          src.check(element.get(v), child_path);
          HierarchyEdge edge;
          edge.where = src.located(child_path);
          edge.child = node(v, child_path, depth + 1);
          children.push_back(out.edges.size());
          out.edges.push_back(std::move(edge));
        }
      }
    }
    if (!has_label) throw Error(where + ": no 'LabelName'");
    if (label.empty()) throw Error(where + ": empty 'LabelName'");
    for (const std::size_t e : children) out.edges[e].parent = label;
    return label;
  }
};

// A class among its own ancestors: the edge that closes the loop, named with the loop.
void check_acyclic(const Hierarchy& h) {
  std::unordered_map<std::string, std::vector<std::size_t>> up;  // child -> its edges
  for (std::size_t e = 0; e < h.edges.size(); ++e) up[h.edges[e].child].push_back(e);
  enum class Mark { kNone, kOpen, kDone };
  std::unordered_map<std::string, Mark> mark;
  // Iterative depth-first walk upwards (a deep chain must not overflow the stack).
  for (const auto& [start, unused] : up) {
    if (mark[start] != Mark::kNone) continue;
    struct Frame {
      std::string label;
      std::size_t next = 0;
    };
    std::vector<Frame> stack{{start}};
    mark[start] = Mark::kOpen;
    while (!stack.empty()) {
      Frame& f = stack.back();
      const auto it = up.find(f.label);
      if (it == up.end() || f.next == it->second.size()) {
        mark[f.label] = Mark::kDone;
        stack.pop_back();
        continue;
      }
      const std::size_t e = it->second[f.next++];
      const std::string& parent = h.edges[e].parent;
      Mark& m = mark[parent];
      if (m == Mark::kOpen)
        throw Error(h.edges[e].where + ": the hierarchy has a cycle: '" + printable(h.edges[e].child) + "' is under '" +
                    printable(parent) + "', which is already among its descendants");
      if (m == Mark::kDone) continue;
      m = Mark::kOpen;
      stack.push_back({parent});
    }
  }
}

Hierarchy parse(JsonSource& src) {
  Hierarchy out;
  simdjson::ondemand::value top;
  if (const auto code = src.document().get_value().get(top); code != simdjson::SUCCESS)
    src.fail(code, "top level", "an object (a class hierarchy)");
  Parser p{src, out};
  out.root = p.node(top, "top level", 0);
  if (!src.at_end()) src.fail("unexpected content after the top-level object (a '}' too early?)");
  for (const HierarchyEdge& e : out.edges)
    if (e.child == out.root) throw Error(e.where + ": '" + printable(e.child) + "' is the hierarchy's root and under a class too");
  check_acyclic(out);
  return out;
}

}  // namespace

Hierarchy read_hierarchy(const std::filesystem::path& path) {
  JsonSource src(path);
  return parse(src);
}

Hierarchy read_hierarchy_text(std::string_view json, const std::string& label) {
  JsonSource src(json, label);
  return parse(src);
}

}  // namespace ds::openimages
