#pragma once
// `view`'s desktop application (Qt Widgets): an image list to sort and filter, the picture to
// zoom and pan, panels for classes, thresholds and toggles, two models side by side, and the
// keys of the highgui window. Call display_problem() first.
#include "viewer/session.hpp"

namespace ds::viewer::qt {

struct QtViewerOptions {
  SessionOptions session;  // what is open: the menu's Open relaunches with other files
  ViewState state;
};

// Runs until the window is closed (q, Esc); returns the exit code. Prints the highgui window's
// line per redraw on stdout, with more fields after it (iou=, shown=), plus "view: zoom ..."
// when the picture is zoomed or panned and "view: metrics ..." when the shown subset changes.
int run_qt_viewer(Session& session, const QtViewerOptions& options);

}  // namespace ds::viewer::qt
