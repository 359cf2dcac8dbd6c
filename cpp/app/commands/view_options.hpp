#pragma once
// The options `view` and `render` share, read into a viewer session's options.
#include "app/cli/command.hpp"
#include "viewer/session.hpp"

namespace ds::cli {

viewer::SessionOptions session_options(const ParsedArgs& args);

// --score-threshold, checked (default 0.5).
double score_threshold(const ParsedArgs& args);

}  // namespace ds::cli
