#pragma once
// The trackers by name: `--track NAME`, `track --tracker NAME`, a run config's `tracker: {type:}`.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/trackers/tracker.hpp"

namespace ds {
class ConfigNode;
}

namespace ds::trackers {

std::vector<std::string> tracker_names();
bool is_tracker(std::string_view name);
// "unknown tracker 'x' (did you mean 'y'?) (known: ...)"
std::string unknown_tracker(std::string_view name);

// `params`: the tracker's parameters (a mapping; unknown keys fail with file:line and the closest
// name), or none for its defaults. An unknown name throws ds::Error naming the known ones.
std::unique_ptr<Tracker> make_tracker(std::string_view name, const ConfigNode* params);

// --tracker-config T.yaml: a mapping of the tracker's parameters, optionally with `type: NAME`,
// which must then be `name`.
std::unique_ptr<Tracker> make_tracker(std::string_view name, const std::optional<std::filesystem::path>& config);

}  // namespace ds::trackers
