// `view`: a window to browse ground truth against live or saved detections, image by image.
#include "app/commands/commands.hpp"
#include "app/commands/view_options.hpp"
#include "core/util/error.hpp"
#include "viewer/display.hpp"
#include "viewer/window.hpp"

namespace ds::cli {

int run_view(const ParsedArgs& args) {
  const viewer::SessionOptions options = session_options(args);
  const double threshold = score_threshold(args);
  // Before anything slow (the dataset, Python, the model): without a screen, say so at once.
  if (const std::string problem = viewer::display_problem(); !problem.empty()) throw Error("view: " + problem);
  viewer::Session session(options);
  return viewer::run_window(session, {.score_threshold = threshold});
}

}  // namespace ds::cli
