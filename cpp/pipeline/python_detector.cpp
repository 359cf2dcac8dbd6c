#include "pipeline/python_detector.hpp"

#include "core/util/error.hpp"
#include "host/python_results.hpp"

namespace py = pybind11;

namespace ds::pipeline {
namespace {

class PythonDetector final : public Detector {
 public:
  PythonDetector(py::object model, std::string name, std::vector<std::string> class_names, std::size_t batch_size)
      : model_(std::move(model)), name_(std::move(name)), class_names_(std::move(class_names)),
        batch_size_(std::max<std::size_t>(1, batch_size)) {}
  ~PythonDetector() override {
    const py::gil_scoped_acquire gil;  // the object may be dropped where the GIL was released
    model_ = py::object();
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& class_names() const override { return class_names_; }
  std::size_t batch_size() const override { return batch_size_; }

  std::vector<std::vector<host::RawDetection>> detect(std::span<const Frame* const> frames) override {
    const py::gil_scoped_acquire gil;  // the loop may run on a thread of its own (ds.detect)
    py::list images, names;
    for (const Frame* f : frames) {
      images.append(host::image_view(f->pixels));
      names.append(f->name);
    }
    const py::object results = model_(images, names);
    const py::list list = py::list(results);
    if (list.size() != frames.size())
      throw Error(name_ + ": returned " + std::to_string(list.size()) + " results for " +
                  std::to_string(frames.size()) + " images");
    std::vector<std::vector<host::RawDetection>> out(frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i)
      out[i] = host::raw_detections(list[i], frames[i]->pixels, class_names_.size(), frames[i]->name);
    return out;
  }

 private:
  py::object model_;
  std::string name_;
  std::vector<std::string> class_names_;
  std::size_t batch_size_;
};

}  // namespace

std::unique_ptr<Detector> python_detector(py::object model, std::string name, std::vector<std::string> class_names,
                                          std::size_t batch_size) {
  return std::make_unique<PythonDetector>(std::move(model), std::move(name), std::move(class_names), batch_size);
}

}  // namespace ds::pipeline
