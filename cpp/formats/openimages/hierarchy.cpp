#include "formats/openimages/hierarchy.hpp"

#include <algorithm>
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
  std::string_view text;  // the document, to turn an offset into line:column when needed
  std::string label;
  std::vector<std::size_t> offsets;  // each edge's child object, by edge

  std::size_t offset() {
    const char* at = nullptr;
    if (src.document().current_location().get(at) != simdjson::SUCCESS || at == nullptr) return text.size();
    return static_cast<std::size_t>(at - text.data());
  }
  std::string located(std::size_t at, const std::string& path) const {
    const TextLocation loc = locate(text, at);
    return label + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column) + ": " + path;
  }

  // One node: its LabelName, and each Subcategory's edge to it. Children come before the
  // LabelName in some files, so they are read first and their edges finished after.
  std::string node(simdjson::ondemand::value value, const std::string& path, int depth) {
    if (depth > kMaxDepth) src.fail(path + ": nested deeper than " + std::to_string(kMaxDepth) + " levels");
    const auto ctx = [&] { return path; };
    const std::size_t at = offset();
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
          const std::size_t child_at = offset();
          HierarchyEdge edge;
          edge.child = node(v, child_path, depth + 1);
          edge.where = child_path;  // made "file:line:col: path" at the end, once
          children.push_back(out.edges.size());
          offsets.push_back(child_at);
          out.edges.push_back(std::move(edge));
        }
      }
    }
    if (!has_label) throw Error(located(at, path) + ": no 'LabelName'");
    if (label.empty()) throw Error(located(at, path) + ": empty 'LabelName'");
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

Hierarchy parse(const simdjson::padded_string& text, const std::string& label) {
  JsonSource src(simdjson::padded_string_view(text), label);
  Hierarchy out;
  simdjson::ondemand::value top;
  if (const auto code = src.document().get_value().get(top); code != simdjson::SUCCESS)
    src.fail(code, "top level", "an object (a class hierarchy)");
  Parser p{src, out, std::string_view(text.data(), text.size()), label, {}};
  out.root = p.node(top, "top level", 0);
  if (!src.at_end()) src.fail("unexpected content after the top-level object (a '}' too early?)");
  // Locating is a scan from the start: done here, in one pass, for the edges only.
  {
    std::vector<std::size_t> order(out.edges.size());
    for (std::size_t e = 0; e < order.size(); ++e) order[e] = e;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p.offsets[a] < p.offsets[b]; });
    TextLocation loc;
    std::size_t pos = 0;
    for (const std::size_t e : order) {
      const std::size_t to = std::min(p.offsets[e], p.text.size());
      for (; pos < to; ++pos) {
        if (p.text[pos] == '\n') {
          ++loc.line;
          loc.column = 1;
        } else {
          ++loc.column;
        }
      }
      out.edges[e].where = label + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column) + ": " + out.edges[e].where;
    }
  }
  for (const HierarchyEdge& e : out.edges)
    if (e.child == out.root) throw Error(e.where + ": '" + printable(e.child) + "' is the hierarchy's root and under a class too");
  check_acyclic(out);
  return out;
}

}  // namespace

Hierarchy read_hierarchy(const std::filesystem::path& path) {
  return parse(JsonSource::load(path), path.string());
}

Hierarchy read_hierarchy_text(std::string_view json, const std::string& label) {
  return parse(simdjson::padded_string(json), label);
}

}  // namespace ds::openimages
