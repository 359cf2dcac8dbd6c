#pragma once
// Is there a screen to open a window on? Debian's highgui (Qt) aborts the whole process when it
// cannot connect to a display, and that abort cannot be caught: we must ask before.
#include <string>

namespace ds::viewer {

// Empty when a window can be opened; otherwise one line saying why not and what to do.
// May set QT_QPA_PLATFORM=wayland when only a Wayland display is there (Qt 5 would try X).
std::string display_problem();

}  // namespace ds::viewer
