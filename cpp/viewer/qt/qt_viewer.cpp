#include "viewer/qt/qt_viewer.hpp"

#include <QApplication>
#include <QTimer>

#include "pipeline/interrupt.hpp"

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
  // SIGTERM / Ctrl-C only set a flag (pipeline/interrupt.cpp): the event loop looks at it, closes
  // the window as a quit does, and the command exits 128 + signal (it ignored SIGTERM).
  QTimer signals;
  QObject::connect(&signals, &QTimer::timeout, &app, [&app] {
    if (const int sig = pipeline::interrupt_signal()) app.exit(128 + sig);
  });
  signals.start(200);
  return app.exec();
}

}  // namespace ds::viewer::qt
