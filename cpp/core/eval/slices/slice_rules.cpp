#include "core/eval/slices/slice_rules.hpp"

#include <fnmatch.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <unordered_set>

#include "core/config/config_node.hpp"
#include "core/util/error.hpp"

namespace ds::slices {
namespace {

// The fields every image has, whatever its format.
bool builtin(std::string_view field) {
  return field == "id" || field == "file_name" || field == "width" || field == "height";
}

constexpr const char* kObjectFields = "area, width, height, aspect, iscrowd, difficult, truncated";

bool number_field(std::string_view f) { return f == "area" || f == "width" || f == "height" || f == "aspect"; }
bool flag_field(std::string_view f) { return f == "iscrowd" || f == "difficult" || f == "truncated"; }

bool in(const Rule& r, double v) { return r.kind == Rule::Kind::kNumber ? v == r.number : v >= r.low && v <= r.high; }

double aspect(const Box& b) { return b.w > 0 ? b.h / b.w : std::numeric_limits<double>::infinity(); }

std::optional<double> plain_number(const YAML::Node& n) {
  if (!n.IsScalar() || n.Tag() == "!") return std::nullopt;  // "!": a quoted scalar, a string
  try {
    const double v = n.as<double>();
    if (std::isfinite(v)) return v;
  } catch (const YAML::Exception&) {
  }
  return std::nullopt;
}

Rule parse_rule(const ConfigNode& owner, const std::string& field) {
  const YAML::Node n = owner.node()[field];
  Rule r;
  r.field = field;
  r.where = owner.where(field);
  if (n.IsMap()) {
    r.kind = Rule::Kind::kFields;
    const ConfigNode inner = owner.child(field);
    for (const std::string& k : inner.keys()) r.fields.push_back(parse_rule(inner, k));
    if (r.fields.empty()) owner.fail(field, "an empty mapping (give the fields to match)");
  } else if (n.IsSequence()) {
    const std::optional<double> low = n.size() == 2 ? plain_number(n[0]) : std::nullopt;
    const std::optional<double> high = n.size() == 2 ? plain_number(n[1]) : std::nullopt;
    r.kind = Rule::Kind::kRange;
    r.low = low.value_or(0);
    r.high = high.value_or(-1);
    if (!low || !high || r.low > r.high) owner.fail(field, "expected a range [low, high] of two numbers, low <= high");
  } else if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (n.Tag() != "!" && (s == "true" || s == "false")) {
      r.kind = Rule::Kind::kBool;
      r.flag = s == "true";
    } else if (const auto v = plain_number(n)) {
      r.kind = Rule::Kind::kNumber;
      r.number = *v;
    } else {
      r.kind = Rule::Kind::kGlob;
      r.glob = s;
    }
  } else {
    owner.fail(field, "no value (expected a glob, a number, true/false, [low, high] or a mapping)");
  }
  return r;
}

bool glob_match(const std::string& glob, const std::string& text) {
  return ::fnmatch(glob.c_str(), text.c_str(), 0) == 0;
}

bool matches(const Rule& r, simdjson::dom::element v);

bool matches_object(const std::vector<Rule>& rules, simdjson::dom::element v) {
  simdjson::dom::object o;
  if (v.get_object().get(o) != simdjson::SUCCESS) return false;
  return std::all_of(rules.begin(), rules.end(), [&](const Rule& r) {
    simdjson::dom::element inner;
    return o.at_key(r.field).get(inner) == simdjson::SUCCESS && matches(r, inner);
  });
}

bool matches(const Rule& r, simdjson::dom::element v) {
  switch (r.kind) {
    case Rule::Kind::kFields: return matches_object(r.fields, v);
    case Rule::Kind::kBool: {
      bool b = false;
      return v.get_bool().get(b) == simdjson::SUCCESS && b == r.flag;
    }
    case Rule::Kind::kGlob: {
      std::string_view s;
      return v.get_string().get(s) == simdjson::SUCCESS && glob_match(r.glob, std::string(s));
    }
    case Rule::Kind::kNumber:
    case Rule::Kind::kRange: {
      double d = 0;
      if (v.is_int64()) d = static_cast<double>(v.get_int64().value_unsafe());
      else if (v.is_uint64()) d = static_cast<double>(v.get_uint64().value_unsafe());
      else if (v.get_double().get(d) != simdjson::SUCCESS) return false;
      return r.kind == Rule::Kind::kNumber ? d == r.number : d >= r.low && d <= r.high;
    }
  }
  return false;
}

bool matches_number(const Rule& r, double d) {
  if (r.kind == Rule::Kind::kNumber) return d == r.number;
  if (r.kind == Rule::Kind::kRange) return d >= r.low && d <= r.high;
  return false;
}

class ImageMatcher {
 public:
  bool operator()(const Rule& r, const Image& im) {
    if (r.field == "id") return matches_number(r, static_cast<double>(im.id));
    if (r.field == "width") return matches_number(r, im.width);
    if (r.field == "height") return matches_number(r, im.height);
    if (r.field == "file_name") return r.kind == Rule::Kind::kGlob && glob_match(r.glob, im.file_name);
    for (const auto& [name, json] : im.fields) {
      if (name != r.field) continue;
      simdjson::dom::element v;
      // The reader checked the file's JSON; a field that does not parse simply does not match.
      return parser_.parse(json).get(v) == simdjson::SUCCESS && matches(r, v);
    }
    return false;
  }

 private:
  simdjson::dom::parser parser_;
};

// `objects:`: each rule on a known object field, of a kind that field takes.
std::vector<Rule> object_rules(const ConfigNode& slice) {
  const ConfigNode objects = slice.child("objects");
  if (!objects.node().IsMap()) slice.fail("objects", "expected a mapping of object fields to match (" + std::string(kObjectFields) + ")");
  std::vector<Rule> out;
  for (const std::string& field : objects.keys()) {
    Rule r = parse_rule(objects, field);
    if (number_field(field)) {
      if (r.kind != Rule::Kind::kNumber && r.kind != Rule::Kind::kRange)
        objects.fail(field, "expected a number or a range [low, high]");
    } else if (flag_field(field)) {
      if (r.kind != Rule::Kind::kBool) objects.fail(field, "expected true or false");
    } else {
      objects.fail(field, "not a field of an object (known: " + std::string(kObjectFields) + ")");
    }
    out.push_back(std::move(r));
  }
  if (out.empty()) slice.fail("objects", "an empty mapping (give the object fields to match)");
  return out;
}

}  // namespace

bool ObjectFilter::annotation(const Annotation& a) const {
  return std::all_of(rules.begin(), rules.end(), [&](const Rule& r) {
    if (r.field == "area") return in(r, a.area);
    if (r.field == "width") return in(r, a.bbox.w);
    if (r.field == "height") return in(r, a.bbox.h);
    if (r.field == "aspect") return in(r, aspect(a.bbox));
    if (r.field == "iscrowd") return a.iscrowd == r.flag;
    if (r.field == "difficult") return a.difficult == r.flag;
    if (r.field == "truncated") return a.truncated == r.flag;
    return false;
  });
}

bool ObjectFilter::detection(const Detection& d, double area) const {
  return std::all_of(rules.begin(), rules.end(), [&](const Rule& r) {
    if (r.field == "area") return in(r, area);
    if (r.field == "width") return in(r, d.bbox.w);
    if (r.field == "height") return in(r, d.bbox.h);
    if (r.field == "aspect") return in(r, aspect(d.bbox));
    return true;  // flags: the ground truth's; a detection has none
  });
}

SliceSpecs read_slices(const std::filesystem::path& file) { return read_slices(ConfigNode::load(file)); }

SliceSpecs read_slices_text(const std::string& text, const std::string& label) {
  YAML::Node node;
  try {
    node = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(label + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  if (!node.IsMap()) throw Error(label + ": expected a mapping of slice names to image ids or rules");
  return read_slices(ConfigNode(label, node, ""));
}

SliceSpecs read_slices(const ConfigNode& root) {
  const std::filesystem::path& file = root.file();
  SliceSpecs out{file, {}};
  for (const std::string& name : root.keys()) {
    if (name.empty() || name.find('.') != std::string::npos)
      root.fail(name, "a slice name must be non-empty and hold no '.' (metrics.json's keys are dotted paths)");
    const YAML::Node n = root.node()[name];
    SliceSpec s{name, root.where(name), std::nullopt, {}};
    if (n.IsSequence()) {
      s.image_ids.emplace();
      for (std::size_t i = 0; i < n.size(); ++i) {
        const auto v = plain_number(n[i]);
        if (!v || *v != std::floor(*v) || std::abs(*v) > 9e15)
          root.fail(name, "item " + std::to_string(i) + ": expected an image id (a whole number)");
        s.image_ids->push_back(static_cast<std::int64_t>(*v));
      }
      if (s.image_ids->empty()) root.fail(name, "an empty slice (no image ids)");
    } else if (n.IsMap()) {
      const ConfigNode rules = root.child(name);
      for (const std::string& field : rules.keys()) {
        if (field == "objects")
          s.object_rules = object_rules(rules);
        else
          s.rules.push_back(parse_rule(rules, field));
      }
      if (s.rules.empty() && s.object_rules.empty()) root.fail(name, "an empty slice (no rules)");
    } else {
      root.fail(name, "expected a list of image ids or a mapping of image fields to match");
    }
    out.slices.push_back(std::move(s));
  }
  if (out.slices.empty()) throw Error(file.string() + ": no slices");
  return out;
}

std::vector<ImageSlice> select_slices(const SliceSpecs& specs, const Dataset& gt) {
  std::unordered_set<std::string> fields;
  for (const Image& im : gt.images)
    for (const auto& f : im.fields) fields.insert(f.first);
  std::unordered_set<std::int64_t> ids;
  for (const Image& im : gt.images) ids.insert(im.id);

  std::vector<ImageSlice> out;
  ImageMatcher match;
  for (const SliceSpec& s : specs.slices) {
    ImageSlice slice{s.name, {}};
    if (s.image_ids) {
      for (const std::int64_t id : *s.image_ids)
        if (!ids.contains(id)) throw Error(s.where + ": image id " + std::to_string(id) + " is not in the ground truth");
      slice.image_ids = *s.image_ids;
    } else {
      for (const Rule& r : s.rules)
        if (!builtin(r.field) && !fields.contains(r.field)) {
          std::string known = "id, file_name, width, height";
          for (const std::string& f : std::set<std::string>(fields.begin(), fields.end())) known += ", " + f;
          throw Error(r.where + ": no image has a field '" + r.field + "' (the images' fields: " + known + ")");
        }
      for (const Image& im : gt.images)
        if (std::all_of(s.rules.begin(), s.rules.end(), [&](const Rule& r) { return match(r, im); }))
          slice.image_ids.push_back(im.id);
      if (slice.image_ids.empty()) throw Error(s.where + ": no image of the ground truth matches this slice");
    }
    if (!s.object_rules.empty()) slice.objects = std::make_shared<const ObjectFilter>(ObjectFilter{s.object_rules});
    std::sort(slice.image_ids.begin(), slice.image_ids.end());
    slice.image_ids.erase(std::unique(slice.image_ids.begin(), slice.image_ids.end()), slice.image_ids.end());
    out.push_back(std::move(slice));
  }
  return out;
}

}  // namespace ds::slices
