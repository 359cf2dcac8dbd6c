// `view`: browse ground truth against live or saved detections: the desktop application (Qt) or
// the plain highgui window (--ui highgui).
#include "app/commands/commands.hpp"
#include "app/commands/view_options.hpp"
#include "core/util/error.hpp"
#include "viewer/display.hpp"
#include "viewer/window.hpp"
#ifdef DS_HAVE_QT_VIEWER
#include "viewer/qt/qt_viewer.hpp"
#endif

namespace ds::cli {

int run_view(const ParsedArgs& args) {
  const viewer::SessionOptions options = session_options(args);
  const double threshold = score_threshold(args);
#ifdef DS_HAVE_QT_VIEWER
  const std::string ui = args.get("--ui").value_or("qt");
#else
  const std::string ui = args.get("--ui").value_or("highgui");
#endif
  if (ui != "qt" && ui != "highgui") throw UsageError("--ui must be qt or highgui");
#ifndef DS_HAVE_QT_VIEWER
  if (ui == "qt") throw Error("view: --ui qt: this build has no Qt 5 (apt-get install qtbase5-dev, then rebuild)");
#endif
  // Before anything slow (the dataset, Python, the model): without a screen, say so at once.
  if (const std::string problem = viewer::display_problem(); !problem.empty()) throw Error("view: " + problem);
  viewer::Session session(options);
#ifdef DS_HAVE_QT_VIEWER
  if (ui == "qt") return viewer::qt::run_qt_viewer(session, {.session = options, .state = {.score_threshold = threshold}});
#endif
  return viewer::run_window(session, {.score_threshold = threshold});
}

}  // namespace ds::cli
