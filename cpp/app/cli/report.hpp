#pragma once
// metrics.json: one object, run facts first, then every evaluator's fields.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/eval/evaluator.hpp"

namespace ds::cli {

using JsonFields = std::vector<std::pair<std::string, std::string>>;  // key -> rendered JSON

std::string metrics_document(const JsonFields& run_facts, const std::vector<Metrics>& metrics);

// A JSON string value, rendered.
std::string json_string(std::string_view s);

}  // namespace ds::cli
