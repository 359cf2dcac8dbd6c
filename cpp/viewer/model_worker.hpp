#pragma once
// The desktop viewer's background thread: it runs the models on the images the user is about to
// look at, so browsing never waits for a model. The user interface thread only reads the cache.
//
// Two locks: `state` (short: the caches, a model's problem; the UI takes it to read) and
// `models` (long: held while a model runs or is (re)loaded, so the worker never uses a model the
// UI is replacing). The worker takes `models`, then the GIL, then `state` - the UI never holds
// `state` while waiting for `models`, so they cannot deadlock.
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "viewer/session.hpp"

namespace ds::viewer {

// The embedded interpreter's lock released for this object's lifetime, if Python runs at all
// (the UI thread holds it from start-up; a worker thread cannot run a model until it lets go).
class PythonReleased {
 public:
  PythonReleased();
  ~PythonReleased();
  PythonReleased(const PythonReleased&) = delete;
  PythonReleased& operator=(const PythonReleased&) = delete;

 private:
  void* saved_ = nullptr;  // PyThreadState*
};

// Holds the GIL for its lifetime, from any thread, when Python runs (nothing otherwise).
class PythonLock {
 public:
  PythonLock();
  ~PythonLock();
  PythonLock(const PythonLock&) = delete;
  PythonLock& operator=(const PythonLock&) = delete;

 private:
  int state_ = -1;  // PyGILState_STATE, -1: not taken
};

struct SessionLocks {
  std::mutex state;
  std::mutex models;
};

class ModelWorker {
 public:
  // `ready(source, image)` is called on the worker thread after it stored detections (or a
  // failure) for them; it must only hand the news to the UI thread.
  using Ready = std::function<void(std::size_t source, std::size_t image)>;
  ModelWorker(Session& session, SessionLocks& locks, Ready ready);
  ~ModelWorker();  // stops after the image in progress
  ModelWorker(const ModelWorker&) = delete;
  ModelWorker& operator=(const ModelWorker&) = delete;

  // Replaces the queue: (source, image) pairs, most urgent first. Done ones are skipped.
  void want(std::vector<std::pair<std::size_t, std::size_t>> jobs);
  // Images the worker has run a model on (for tests and the status bar).
  std::size_t runs() const;

 private:
  void loop(std::stop_token stop);

  Session& session_;
  SessionLocks& locks_;
  Ready ready_;
  mutable std::mutex queue_mutex_;
  std::condition_variable_any wake_;
  std::vector<std::pair<std::size_t, std::size_t>> queue_;
  std::size_t runs_ = 0;
  std::jthread thread_;  // last: started after, and stopped before, everything it uses
};

}  // namespace ds::viewer
