#include "core/trackers/registry.hpp"

#include <functional>

#include "core/config/config_node.hpp"
#include "core/trackers/byte_track.hpp"
#include "core/trackers/sort.hpp"
#include "core/util/error.hpp"
#include "core/util/text.hpp"

namespace ds::trackers {
namespace {

struct Entry {
  std::string name;
  std::function<std::unique_ptr<Tracker>(const ConfigNode*)> make;
};

// One line per tracker.
const std::vector<Entry>& entries() {
  static const std::vector<Entry> e = {
      {"bytetrack", [](const ConfigNode* c) { return std::make_unique<ByteTrack>(c ? ByteTrackParams::from_config(*c) : ByteTrackParams{}); }},
      {"sort", [](const ConfigNode* c) { return std::make_unique<Sort>(c ? SortParams::from_config(*c) : SortParams{}); }},
  };
  return e;
}

}  // namespace

std::vector<std::string> tracker_names() {
  std::vector<std::string> out;
  for (const Entry& e : entries()) out.push_back(e.name);
  return out;
}

bool is_tracker(std::string_view name) {
  for (const Entry& e : entries())
    if (e.name == name) return true;
  return false;
}

std::string unknown_tracker(std::string_view name) {
  const std::vector<std::string> names = tracker_names();
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  return "unknown tracker '" + std::string(name) + "'" + did_you_mean(name, names) + " (known: " + list + ")";
}

std::unique_ptr<Tracker> make_tracker(std::string_view name, const ConfigNode* params) {
  for (const Entry& e : entries())
    if (e.name == name) return e.make(params);
  throw Error(unknown_tracker(name));
}

std::unique_ptr<Tracker> make_tracker(std::string_view name, const std::optional<std::filesystem::path>& config) {
  if (!config) return make_tracker(name, static_cast<const ConfigNode*>(nullptr));
  const ConfigNode node = ConfigNode::load(*config);
  if (const auto type = node.optional_string("type"); type && *type != name)
    node.fail("type", "is '" + *type + "', but the tracker asked for is '" + std::string(name) + "'");
  return make_tracker(name, &node);
}

}  // namespace ds::trackers
