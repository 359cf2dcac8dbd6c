// Python.h first, as Python asks (it sets feature macros the C library headers read).
#include <Python.h>

#include "viewer/model_worker.hpp"

#include "core/util/error.hpp"

namespace ds::viewer {

PythonReleased::PythonReleased() {
  if (Py_IsInitialized() && PyGILState_Check()) saved_ = PyEval_SaveThread();
}

PythonReleased::~PythonReleased() {
  if (saved_) PyEval_RestoreThread(static_cast<PyThreadState*>(saved_));
}

PythonLock::PythonLock() {
  if (Py_IsInitialized()) state_ = static_cast<int>(PyGILState_Ensure());
}

PythonLock::~PythonLock() {
  if (state_ >= 0) PyGILState_Release(static_cast<PyGILState_STATE>(state_));
}

ModelWorker::ModelWorker(Session& session, SessionLocks& locks, Ready ready)
    : session_(session), locks_(locks), ready_(std::move(ready)), thread_([this](std::stop_token s) { loop(s); }) {}

ModelWorker::~ModelWorker() {
  thread_.request_stop();
  wake_.notify_all();
}  // the jthread joins here, before the members it uses go

void ModelWorker::want(std::vector<std::pair<std::size_t, std::size_t>> jobs) {
  {
    std::lock_guard lock(queue_mutex_);
    queue_ = std::move(jobs);
  }
  wake_.notify_all();
}

std::size_t ModelWorker::runs() const {
  std::lock_guard lock(queue_mutex_);
  return runs_;
}

void ModelWorker::loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::pair<std::size_t, std::size_t> job;
    {
      std::unique_lock lock(queue_mutex_);
      if (!wake_.wait(lock, stop, [&] { return !queue_.empty(); })) return;
      job = queue_.front();
      queue_.erase(queue_.begin());
    }
    const auto [k, i] = job;
    std::lock_guard models(locks_.models);
    {
      std::lock_guard state(locks_.state);
      if (k >= session_.source_count() || i >= session_.size() || !session_.usable(k) || session_.cached(i, k))
        continue;
    }
    cv::Mat pixels;
    if (!session_.saved()) {
      try {
        pixels = session_.decode(i);
      } catch (const Error&) {
        continue;  // the picture says what is wrong with the image; the model is not at fault
      }
    }
    std::optional<ImageDetections> found;
    std::string problem;
    {
      const PythonLock gil;
      try {
        found = session_.run(i, k, pixels);
      } catch (const Error& e) {
        problem = e.what();  // kept until the model is reloaded, as in the highgui window
      }
    }
    {
      std::lock_guard state(locks_.state);
      if (found) {
        session_.store(i, k, std::move(*found));
      } else {
        session_.fail(k, problem);
      }
    }
    {
      std::lock_guard lock(queue_mutex_);
      ++runs_;
    }
    ready_(k, i);
  }
}

}  // namespace ds::viewer
