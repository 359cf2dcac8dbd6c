#pragma once
// metrics.json: one object, run facts first, then every evaluator's fields.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/eval/evaluator.hpp"
#include "core/eval/score.hpp"

namespace ds::cli {

// metrics.json's document is built in the core (core/eval/score.hpp), where the Python API
// builds it too.
using ds::JsonFields;
using ds::metrics_document;

// A JSON string value, rendered.
std::string json_string(std::string_view s);

}  // namespace ds::cli
