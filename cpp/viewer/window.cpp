#include "viewer/window.hpp"

#include <opencv2/highgui.hpp>

#include <cmath>
#include <iostream>

#include "core/util/error.hpp"
#include "vision/draw.hpp"

namespace fs = std::filesystem;

namespace ds::viewer {
namespace {

constexpr const char* kWindow = "Detection Studio";

enum class Action {
  kNone, kNext, kPrevious, kNextError, kPreviousError, kToggleTruth, kToggleDetections, kToggleMasks,
  kThresholdDown, kThresholdUp, kNextModel, kReloadModel, kScreenshot, kHelp, kQuit,
};

// waitKeyEx's codes depend on the highgui backend: Qt gives X keysyms (or Qt key codes) for
// arrows and Esc, GTK gives keysyms, both give ASCII for printable keys.
Action action_for(int key) {
  switch (key) {
    case 0xff53: case 0x01000014: return Action::kNext;      // Right (keysym, Qt)
    case 0xff51: case 0x01000012: return Action::kPrevious;  // Left
    case 0xff1b: case 0x01000000: return Action::kQuit;      // Esc
    default: break;
  }
  switch (key & 0xffff) {
    case 'n': case ' ': return Action::kNext;
    case 'p': return Action::kPrevious;
    case 'e': return Action::kNextError;
    case 'E': return Action::kPreviousError;
    case 'g': return Action::kToggleTruth;
    case 'd': return Action::kToggleDetections;
    case 'k': return Action::kToggleMasks;
    case '[': return Action::kThresholdDown;
    case ']': return Action::kThresholdUp;
    case 'm': return Action::kNextModel;
    case 'r': return Action::kReloadModel;
    case 's': return Action::kScreenshot;
    case 'h': case '?': return Action::kHelp;
    case 'q': case 27: return Action::kQuit;
    default: return Action::kNone;
  }
}

bool window_closed() {
  try {
    return cv::getWindowProperty(kWindow, cv::WND_PROP_VISIBLE) < 1;
  } catch (const cv::Exception&) {
    return true;
  }
}

// Two decimals, so 0.05 steps add up to the numbers shown.
double step(double threshold, double delta) {
  return std::clamp(std::round((threshold + delta) * 100) / 100, 0.0, 1.0);
}

}  // namespace

int run_window(Session& session, ViewState state) {
  cv::namedWindow(kWindow, cv::WINDOW_AUTOSIZE | cv::WINDOW_GUI_NORMAL);
  const std::size_t n = session.size();
  std::size_t i = 0;
  bool redraw = true;
  Frame frame;
  // The next (dir = +1) or previous (-1) image with a false positive or a missed object.
  const auto find_error = [&](int dir) -> std::optional<std::size_t> {
    for (std::size_t k = 1; k < n; ++k) {
      const std::size_t j = dir > 0 ? (i + k) % n : (i + n - k) % n;
      if (session.match(j, state.score_threshold).has_errors()) return j;
    }
    return std::nullopt;
  };

  // --skip-bad: browsing passes over images that do not decode, in the direction it was going.
  const auto skip_unreadable = [&](int dir) {
    std::string why;
    for (std::size_t k = 0; k < n && session.skip_bad() && !session.readable(i, why); ++k) {
      std::cout << "view: skipped " << why << std::endl;
      i = dir > 0 ? (i + 1) % n : (i + n - 1) % n;
    }
  };
  skip_unreadable(1);

  while (true) {
    if (redraw) {
      frame = session.frame(i, state, "view: ");
      cv::imshow(kWindow, frame.canvas);
      cv::setWindowTitle(kWindow, std::string(kWindow) + " - " + session.image(i).file_name + " - " + session.source_name());
      std::cout << frame.log << std::endl;  // flushed: whoever reads it is watching live
      redraw = false;
    }
    const int key = cv::waitKeyEx(100);
    if (key < 0) {
      if (window_closed()) break;
      continue;
    }
    redraw = true;
    switch (action_for(key)) {
      case Action::kNext:
        i = (i + 1) % n;
        skip_unreadable(1);
        break;
      case Action::kPrevious:
        i = (i + n - 1) % n;
        skip_unreadable(-1);
        break;
      case Action::kNextError:
      case Action::kPreviousError: {
        const auto j = find_error(action_for(key) == Action::kNextError ? 1 : -1);
        if (j) {
          i = *j;
        } else {
          std::cout << "view: no other image has a false positive or a missed object at score >= "
                    << state.score_threshold << std::endl;
          redraw = false;
        }
        break;
      }
      case Action::kToggleTruth: state.show_truth = !state.show_truth; break;
      case Action::kToggleDetections: state.show_detections = !state.show_detections; break;
      case Action::kToggleMasks: state.show_masks = !state.show_masks; break;
      case Action::kThresholdDown: state.score_threshold = step(state.score_threshold, -0.05); break;
      case Action::kThresholdUp: state.score_threshold = step(state.score_threshold, 0.05); break;
      case Action::kNextModel:
        if (session.model_count() < 2) {
          std::cout << "view: only one detection source (give --model several times to switch)" << std::endl;
          redraw = false;
        } else {
          // Loading a model the first time takes a few seconds: say what is happening.
          std::cout << "view: switching to model " << (session.current_model() + 1) % session.model_count() + 1
                    << "/" << session.model_count() << std::endl;
          session.next_model();
        }
        break;
      case Action::kReloadModel:
        if (session.model_count() == 0) {
          std::cout << "view: no model to reload (detections come from a results file)" << std::endl;
          redraw = false;
        } else {
          session.reload_model();
        }
        break;
      case Action::kScreenshot: {
        const fs::path stem = fs::path(session.image(i).file_name).stem();
        const fs::path path = session.output_dir() /
                              ("view-" + stem.string() + "-" + file_safe(session.source_name()) + ".png");
        try {
          vision::write_image(path, frame.canvas);
          std::cout << "view: saved " << fs::absolute(path).lexically_normal().string() << std::endl;
        } catch (const Error& e) {
          std::cerr << "error: " << e.what() << "\n";  // the viewer stays open
        }
        redraw = false;
        break;
      }
      case Action::kHelp: state.show_help = !state.show_help; break;
      case Action::kQuit: cv::destroyAllWindows(); return 0;
      case Action::kNone: redraw = false; break;
    }
  }
  cv::destroyAllWindows();
  return 0;
}

}  // namespace ds::viewer
