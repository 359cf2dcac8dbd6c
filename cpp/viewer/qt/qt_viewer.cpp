#include "viewer/qt/qt_viewer.hpp"

#include <QApplication>

#include "viewer/model_worker.hpp"
#include "viewer/qt/main_window.hpp"

namespace ds::viewer::qt {

int run_qt_viewer(Session& session, const QtViewerOptions& options) {
  static int argc = 1;
  static char name[] = "detection-studio";
  static char* argv[] = {name, nullptr};
  QApplication app(argc, argv);
  QApplication::setApplicationName("Detection Studio");
  // The worker thread runs the models; this thread lets go of Python's lock until the window
  // is gone (the session's Python objects are dropped after, with the lock back).
  const PythonReleased released;
  MainWindow window(session, options);
  window.show();
  return app.exec();
}

}  // namespace ds::viewer::qt
