#include "viewer/display.hpp"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string_view>

namespace ds::viewer {
namespace {

constexpr std::string_view kAdvice =
    " (run it on a desktop, under 'xvfb-run -a', or with QT_QPA_PLATFORM=offscreen; "
    "'detection-studio render' writes the same pictures to files)";

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Opens and closes a connection to the X server. libX11 is loaded at run time so the program
// does not need it to start (Qt's xcb plugin loads it anyway when there is a display).
// Returns: 1 answered, 0 did not answer, -1 cannot tell (no libX11).
int x_server_answers(const std::string& display) {
  void* lib = dlopen("libX11.so.6", RTLD_LAZY | RTLD_LOCAL);
  if (!lib) return -1;
  using Open = void* (*)(const char*);
  using Close = int (*)(void*);
  const auto open = reinterpret_cast<Open>(dlsym(lib, "XOpenDisplay"));
  const auto close = reinterpret_cast<Close>(dlsym(lib, "XCloseDisplay"));
  int answer = -1;
  if (open && close) {
    void* connection = open(display.c_str());
    answer = connection ? 1 : 0;
    if (connection) close(connection);
  }
  dlclose(lib);
  return answer;
}

bool wayland_socket_exists(const std::string& name) {
  std::string path = name;
  if (path.empty()) return false;
  if (path.front() != '/') {
    const std::string runtime_dir = env("XDG_RUNTIME_DIR");
    if (runtime_dir.empty()) return false;
    path = runtime_dir + "/" + path;
  }
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

}  // namespace

std::string display_problem() {
  // Qt picks its platform plugin from QT_QPA_PLATFORM (first of a ';'-separated list).
  std::string platform = env("QT_QPA_PLATFORM");
  platform = platform.substr(0, platform.find_first_of(";:"));
  if (platform == "offscreen" || platform == "minimal" || platform == "vnc" || platform == "linuxfb" ||
      platform == "eglfs")
    return "";

  const std::string wayland = env("WAYLAND_DISPLAY");
  if (platform.rfind("wayland", 0) == 0) {
    if (wayland_socket_exists(wayland.empty() ? "wayland-0" : wayland)) return "";
    return "no display: QT_QPA_PLATFORM=" + platform + " but no Wayland compositor answers" +
           std::string(kAdvice);
  }

  const std::string x = env("DISPLAY");
  if (!x.empty()) {
    const int answer = x_server_answers(x);
    if (answer != 0) return "";  // answered, or no libX11 to ask with: let Qt try
    if (platform.empty() && wayland_socket_exists(wayland)) {
      setenv("QT_QPA_PLATFORM", "wayland", 1);
      return "";
    }
    return "no display: cannot connect to the X server at DISPLAY=" + x + std::string(kAdvice);
  }
  if (platform.empty() && wayland_socket_exists(wayland)) {
    setenv("QT_QPA_PLATFORM", "wayland", 1);
    return "";
  }
  return "no display: DISPLAY is not set" + std::string(kAdvice);
}

}  // namespace ds::viewer
