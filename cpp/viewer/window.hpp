#pragma once
// The viewer's window (OpenCV highgui) and its keys. Call display_problem() first.
#include "viewer/session.hpp"

namespace ds::viewer {

// Shows the session until q, Esc or the window is closed; returns the exit code. Prints one
// line per redraw on stdout ("view: image 3/120 000003.jpg model=... tp=4 fp=1 fn=0 ...") so
// scripts and tests can follow what is on screen.
int run_window(Session& session, ViewState state);

}  // namespace ds::viewer
