#include "core/classes/class_map.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "core/util/error.hpp"
#include "core/util/text.hpp"

namespace ds {
namespace {

// Each row lists names (normalized) that mean the same class across COCO, Pascal VOC and
// Open Images; the first is the row's key. Only true equivalents: Open Images also has
// "Sofa bed", "Aircraft", "Mug", "Table" and the animal "Mouse", which are other classes, so
// they are not rows here (a by-name match, e.g. COCO "mouse" to Open Images "Mouse", happens
// before synonyms and an explicit class_map: fixes it).
const std::vector<std::vector<std::string>>& synonym_rows() {
  static const std::vector<std::vector<std::string>> rows = {
      {"airplane", "aeroplane"},                    // COCO, VOC; Open Images "Airplane"
      {"motorcycle", "motorbike"},                  // VOC "motorbike"
      {"couch", "sofa"},                            // VOC "sofa"; Open Images "Couch"
      {"tv", "tvmonitor", "television"},            // VOC "tvmonitor", Open Images "Television"
      {"diningtable", "kitchen&diningroomtable"},   // Open Images "Kitchen & dining room table"
      {"pottedplant", "houseplant"},                // Open Images "Houseplant"
      {"cow", "cattle"},                            // Open Images "Cattle"
      {"cellphone", "mobilephone"},                 // Open Images "Mobile phone"
      {"hairdrier", "hairdryer"},                   // Open Images "Hair dryer"
      {"donut", "doughnut"},                        // Open Images "Doughnut"
      {"frisbee", "flyingdisc"},                    // Open Images "Flying disc"
      {"skis", "ski"},                              // Open Images "Ski"
      {"sportsball", "ball"},                       // Open Images "Ball"
      {"cup", "coffeecup"},                         // Open Images "Coffee cup"
      {"remote", "remotecontrol"},                  // Open Images "Remote control"
      {"keyboard", "computerkeyboard"},             // Open Images "Computer keyboard"
      {"microwave", "microwaveoven"},               // Open Images "Microwave oven"
      {"person", "human"},
      {"bicycle", "bike"},
      {"car", "automobile"},
  };
  return rows;
}

std::string synonym_key(const std::string& normalized) {
  for (const auto& row : synonym_rows())
    if (std::find(row.begin(), row.end(), normalized) != row.end()) return row.front();
  return normalized;
}

}  // namespace

std::string normalize_class_name(std::string_view name) {
  std::string out;
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ' ' || c == '_' || c == '-' || c == '\t') continue;
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

bool is_placeholder_class(std::string_view name) {
  return name.empty() || name == "N/A" || name == "n/a" || (name.size() > 2 && name.substr(0, 2) == "__");
}

ClassMapping map_classes(std::span<const std::string> model_classes,
                         std::span<const Category> categories,
                         const std::map<std::string, std::string>& explicit_map) {
  std::unordered_map<std::string, std::int64_t> exact, by_name, by_synonym;
  for (const Category& c : categories) {
    exact.emplace(c.name, c.id);
    by_name.emplace(normalize_class_name(c.name), c.id);
    by_synonym.emplace(synonym_key(normalize_class_name(c.name)), c.id);
  }
  for (const auto& [from, to] : explicit_map) {
    if (std::find(model_classes.begin(), model_classes.end(), from) == model_classes.end())
      throw Error("class_map: '" + from + "' is not one of the model's classes");
    if (!exact.contains(to))
      throw Error("class_map: '" + to + "' is not a category of the dataset");
  }

  ClassMapping out;
  out.category_of.resize(model_classes.size());
  std::vector<bool> covered(categories.size(), false);
  for (std::size_t i = 0; i < model_classes.size(); ++i) {
    const std::string& name = model_classes[i];
    if (is_placeholder_class(name)) continue;
    std::optional<std::int64_t> id;
    if (const auto it = explicit_map.find(name); it != explicit_map.end()) {
      id = exact.at(it->second);
    } else if (const auto e = exact.find(name); e != exact.end()) {
      id = e->second;
    } else if (const auto n = by_name.find(normalize_class_name(name)); n != by_name.end()) {
      id = n->second;
    } else if (const auto s = by_synonym.find(synonym_key(normalize_class_name(name)));
               s != by_synonym.end()) {
      id = s->second;
    }
    out.category_of[i] = id;
    if (!id) {
      out.unmapped_model_classes.push_back(name);
      continue;
    }
    for (std::size_t c = 0; c < categories.size(); ++c)
      if (categories[c].id == *id) covered[c] = true;
  }
  for (std::size_t c = 0; c < categories.size(); ++c)
    if (!covered[c]) out.uncovered_categories.push_back(categories[c].name);
  return out;
}

namespace {

constexpr std::size_t kNamesShown = 5;

// "'a', 'b', 'c' and 7 more"
std::string some_names(std::span<const std::string> names) {
  std::string out;
  for (std::size_t i = 0; i < std::min(names.size(), kNamesShown); ++i)
    out += (i ? ", '" : "'") + printable(names[i], 40) + "'";
  if (names.size() > kNamesShown) out += " and " + std::to_string(names.size() - kNamesShown) + " more";
  return out;
}

}  // namespace

std::vector<std::string> mapping_warnings(const ClassMapping& mapping, std::string_view model,
                                          std::string_view dropped_as) {
  const std::string prefix = model.empty() ? "" : std::string(model) + ": ";
  std::vector<std::string> out;
  if (const auto& u = mapping.unmapped_model_classes; !u.empty())
    out.push_back(prefix + (u.size() == 1 ? "model class " : std::to_string(u.size()) + " model classes ") +
                  some_names(u) + (u.size() == 1 ? " matches" : " match") + " no dataset category; " +
                  (u.size() == 1 ? "its" : "their") + " detections are " + std::string(dropped_as) +
                  " (add them to class_map:)");
  if (const auto& c = mapping.uncovered_categories; !c.empty())
    out.push_back(prefix + (c.size() == 1 ? "dataset category " : std::to_string(c.size()) + " dataset categories ") +
                  some_names(c) + (c.size() == 1 ? " has" : " have") + " no model class");
  return out;
}

bool any_class_matches(const ClassMapping& mapping) {
  return std::any_of(mapping.category_of.begin(), mapping.category_of.end(),
                     [](const std::optional<std::int64_t>& c) { return c.has_value(); });
}

void require_a_class_match(const ClassMapping& mapping, std::span<const Category> categories,
                           std::string_view model, std::string_view allow_with) {
  if (any_class_matches(mapping)) return;
  std::vector<std::string> names;
  for (const Category& c : categories) names.push_back(c.name);
  throw Error(std::string(model) + ": none of the model's classes (" + some_names(mapping.unmapped_model_classes) +
              ") is a dataset category (" + (names.empty() ? std::string("none") : some_names(names)) +
              "): nothing would be scored; map them with class_map: in the run config, or " + std::string(allow_with));
}

}  // namespace ds
