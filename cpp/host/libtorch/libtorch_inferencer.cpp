// The native inferencer: TorchScript and AOTInductor models run by libtorch, no Python. The
// pre- and post-processing are pytorch_detect's (_prepare, _postprocess), op for op, so that the
// detections agree with the Python path's.
#include "host/libtorch/libtorch_inferencer.hpp"

#include <dlfcn.h>

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <c10/core/InferenceMode.h>
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>
#include <torch/csrc/inductor/aoti_package/model_package_loader.h>
#include <torch/cuda.h>
#include <torch/headeronly/version.h>
#include <torch/script.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "core/util/error.hpp"
#include "host/libtorch/config.hpp"
#include "host/libtorch/heads/dense_head.hpp"
#include "host/libtorch/heads/one_stage.hpp"
#include "host/libtorch/ops_library.hpp"

namespace fs = std::filesystem;

namespace ds::host::libtorch {
namespace {

// First line of a c10::Error: its message carries a C++ backtrace after it.
// (TorchScript's ErrorReport starts with an empty line.)
std::string first_line(const std::exception& e) {
  const std::string what = e.what();
  const auto start = what.find_first_not_of(" \n");
  const std::string line = start == std::string::npos ? "" : what.substr(start, what.find('\n', start) - start);
  return line.size() > 240 ? line.substr(0, 237) + "..." : line;
}

// libtorch_cuda registers CUDA with ATen when it is loaded; the executable links only
// libtorch_cpu (CPU machines must not pay for loading it). Loaded only when a driver is there.
bool cuda_usable() {
  static const bool usable = [] {
    if (::dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL) == nullptr) return false;
    if (::dlopen("libtorch_cuda.so", RTLD_NOW | RTLD_GLOBAL) == nullptr) return false;
    return torch::cuda::is_available();
  }();
  return usable;
}

std::unordered_map<std::string, std::string> package_metadata(const Config& c) {
  try {
    return torch::inductor::AOTIModelPackageLoader::load_metadata_from_package(c.weights.string(), "model");
  } catch (const std::exception& e) {
    throw Error(c.file.string() + ": model.weights: " + c.weights.string() + ": not a loadable AOTInductor package (" +
                first_line(e) + ")");
  }
}

at::Device resolve_device(const Config& c) {
  const std::string where = c.file.string() + ": device";
  if (c.device == "cpu") return at::kCPU;
  if (c.device == "auto") {
    // An AOTInductor package is compiled for one kind of device: auto follows it.
    if (c.format == Format::aoti && package_metadata(c)["AOTI_DEVICE_KEY"] == "cpu") return at::kCPU;
    return cuda_usable() ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
  }
  int index = 0;
  if (c.device != "cuda") {
    try {
      std::size_t used = 0;
      index = std::stoi(c.device.substr(5), &used);
      if (used != c.device.size() - 5 || index < 0) throw std::invalid_argument("index");
    } catch (const std::exception&) {
      throw Error(where + ": bad device '" + c.device + "' (use auto, cpu, cuda or cuda:N)");
    }
  }
  if (!cuda_usable()) throw Error(where + ": " + c.device + " requested but CUDA is not available");
  const auto count = static_cast<int>(torch::cuda::device_count());
  if (index >= count)
    throw Error(where + ": " + c.device + " requested but there are " + std::to_string(count) + " CUDA devices");
  return {at::kCUDA, static_cast<c10::DeviceIndex>(index)};
}

// A CPU package holds code compiled for the exporting machine's vector ISA, and a package is
// for one kind of device: refuse a mismatch in one line, before running it can crash.
void check_package_fits(const Config& c, at::Device device) {
  const std::string where = c.file.string() + ": model.weights: " + c.weights.string();
  const std::unordered_map<std::string, std::string> meta = package_metadata(c);
  const std::string kind = meta.contains("AOTI_DEVICE_KEY") ? meta.at("AOTI_DEVICE_KEY") : "";
  if (!kind.empty() && kind != c10::DeviceTypeName(device.type(), /*lower_case=*/true))
    throw Error(where + ": the package was compiled for " + kind + ", the model runs on " + device.str() +
                " (set device:, or export it again on that device)");
  if (!meta.contains("AOTI_CPU_ISA")) return;
  const std::string isa = " " + meta.at("AOTI_CPU_ISA") + " ";
  const std::pair<const char*, bool> needs[] = {
      {" AVX2 ", __builtin_cpu_supports("avx2") != 0},
      {" AVX512 ", __builtin_cpu_supports("avx512f") != 0},
      {" AVX512_VNNI ", __builtin_cpu_supports("avx512vnni") != 0},
      {" AVX512_BF16 ", __builtin_cpu_supports("avx512bf16") != 0},
  };
  for (const auto& [token, supported] : needs)
    if (isa.find(token) != std::string::npos && !supported)
      throw Error(where + ": the package was compiled for" + std::string(token) + "CPUs (" + meta.at("AOTI_CPU_ISA") +
                  ") and this CPU has no such instructions: export it again on this machine");
}

// Autocast is thread-local state: each worker sets it for itself, for its whole life.
class AutocastScope {
 public:
  AutocastScope(Precision p, at::DeviceType device) : device_(device), enabled_(p != Precision::fp32) {
    if (!enabled_) return;
    was_enabled_ = at::autocast::is_autocast_enabled(device_);
    was_dtype_ = at::autocast::get_autocast_dtype(device_);
    at::autocast::set_autocast_enabled(device_, true);
    at::autocast::set_autocast_dtype(device_, p == Precision::fp16 ? at::kHalf : at::kBFloat16);
  }
  ~AutocastScope() {
    if (!enabled_) return;
    at::autocast::set_autocast_enabled(device_, was_enabled_);
    at::autocast::set_autocast_dtype(device_, was_dtype_);
    at::autocast::clear_cache();
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  at::DeviceType device_;
  bool enabled_;
  bool was_enabled_ = false;
  at::ScalarType was_dtype_ = at::kFloat;
};

using Results = std::vector<std::vector<RawDetection>>;

// TorchScript's warnings (e.g. FCOS's "always returns a (Losses, Detections) tuple") are for
// model authors; pytorch_detect hides them too. The handler is per thread.
class QuietWarnings final : public c10::WarningHandler {
 public:
  void process(const c10::Warning&) override {}
};
QuietWarnings quiet_warnings;

// One replica of the model: TorchScript module or AOTInductor package.
class Replica {
 public:
  Replica(const Config& c, at::Device device) : config_(c), device_(device) {
    const std::string where = c.file.string() + ": model.weights";
    const c10::WarningUtils::WarningHandlerGuard quiet(&quiet_warnings);
    try {
      if (c.format == Format::torchscript) {
        torch::jit::Module module = torch::jit::load(c.weights.string(), device);
        module.eval();
        max_input_side_ = transform_max_size(module);
        // Frozen, conv+bn folded, MKLDNN convolutions: ~15% faster on the demo here
        // (docs/benchmarks.md); numerics move within float rounding. Not under autocast: the
        // MKLDNN convolutions it makes ignore it (bf16 gave fp32's AP, measured).
        if (c.optimize && c.precision == Precision::fp32) module = torch::jit::optimize_for_inference(module);
        script_.emplace(std::move(module));
      } else {
        aoti_ = std::make_unique<torch::inductor::AOTIModelPackageLoader>(
            c.weights.string(), "model", false, 1, device.is_cuda() ? device.index() : -1);
      }
    } catch (const Error&) {
      throw;  // already one line naming the config
    } catch (const std::exception& e) {
      throw Error(where + ": " + c.weights.string() + ": " + explain_load_error(e));
    }
    if (c.head) {
      one_stage_.emplace(*c.head, c.file.string() + ": model.head");
      max_input_side_ = c.head->max_size;
    }
  }

  // pytorch_detect's _transform_max_size: torchvision detectors resize to model.transform.max_size.
  int max_input_side() const {
    if (config_.input_size) return std::max((*config_.input_size)[0], (*config_.input_size)[1]);
    return max_input_side_;
  }

 private:
  static int transform_max_size(const torch::jit::Module& module) {
    try {
      const auto transform = module.attr("transform").toModule();
      const c10::IValue size = transform.attr("max_size");
      return size.isInt() && size.toInt() > 0 ? static_cast<int>(size.toInt()) : 0;
    } catch (const std::exception&) {
      return 0;
    }
  }


 public:
  Results run(std::span<const cv::Mat> images) {
    std::vector<at::Tensor> inputs;
    std::vector<std::array<int, 2>> sizes;
    for (const cv::Mat& im : images) {
      inputs.push_back(prepare(im));
      sizes.push_back({im.rows, im.cols});
    }
    std::vector<Detections> out = forward(inputs);
    if (out.size() != images.size())
      throw Error(where() + ": the model returned " + std::to_string(out.size()) + " results for " +
                  std::to_string(images.size()) + " images");
    Results results;
    for (std::size_t i = 0; i < out.size(); ++i)
      results.push_back(postprocess(out[i], inputs[i].sizes(), sizes[i][0], sizes[i][1]));
    return results;
  }

 private:
  std::string where() const { return config_.file.string() + ": model.weights"; }

  std::string explain_load_error(const std::exception& e) const {
    const std::string message = first_line(e);
    if (std::string_view(e.what()).find("torchvision::") != std::string_view::npos)
      return "the model needs torchvision's operators, which are not loaded (model.torchvision_ops: " +
             config_.torchvision_ops + "; install torchvision in the venv or give the path of its _C_stable.so): " +
             message;
    return "not a loadable " + std::string(config_.format == Format::torchscript ? "TorchScript file" : "AOTInductor package") +
           " (" + message + ")";
  }

  // _prepare: BGR uint8 HxWx3 -> RGB float 3xhxw on the device, [0, 1], resized, normalised.
  at::Tensor prepare(const cv::Mat& image) const {
    if (image.type() != CV_8UC3 || image.empty()) throw Error("internal: images must be 8-bit, 3 channels");
    // A view of the Mat's pixels, never written (every op below makes a new tensor).
    at::Tensor t = at::from_blob(image.data, {image.rows, image.cols, 3},
                                 {static_cast<std::int64_t>(image.step[0]), 3, 1}, at::kByte);
    if (device_.is_cuda()) {
      // Pinned staging buffer, so the copy to the device is asynchronous on this worker's stream.
      at::Tensor pinned = at::empty(t.sizes(), at::TensorOptions().dtype(at::kByte).pinned_memory(true));
      pinned.copy_(t);
      t = pinned.to(device_, /*non_blocking=*/true);
    }
    t = t.permute({2, 0, 1}).flip({0});
    at::Tensor x = t.to(at::kFloat).div_(255.0);
    if (config_.input_size && (image.rows != (*config_.input_size)[0] || image.cols != (*config_.input_size)[1])) {
      const std::vector<std::int64_t> size{(*config_.input_size)[0], (*config_.input_size)[1]};
      x = at::_upsample_bilinear2d_aa(x.unsqueeze(0), size, /*align_corners=*/false).squeeze(0);
    }
    if (config_.mean) x = x - at::tensor(std::vector<float>(config_.mean->begin(), config_.mean->end()), x.options()).view({3, 1, 1});
    if (config_.std) x = x / at::tensor(std::vector<float>(config_.std->begin(), config_.std->end()), x.options()).view({3, 1, 1});
    return x;
  }

  std::vector<Detections> forward(const std::vector<at::Tensor>& inputs) {
    std::vector<Detections> out;
    try {
      if (script_) {
        c10::List<at::Tensor> list;
        for (const at::Tensor& x : inputs) list.push_back(x);
        c10::IValue result = script_->forward({c10::IValue(list)});
        if (result.isTuple()) result = result.toTupleRef().elements().at(1);  // (losses, detections)
        if (!result.isList()) throw Error(where() + ": the model's output is not a list of detection dicts");
        for (const c10::IValue& item : result.toListRef()) {
          if (!item.isGenericDict()) throw Error(where() + ": the model's output is not a list of detection dicts");
          const auto dict = item.toGenericDict();
          for (const char* key : {"boxes", "scores", "labels"})
            if (!dict.contains(key)) throw Error(where() + ": the model's output has no '" + key + "'");
          out.push_back({dict.at("boxes").toTensor(), dict.at("scores").toTensor(), dict.at("labels").toTensor()});
        }
      } else if (one_stage_) {
        // The network alone: the detector's code around it runs here (heads/one_stage.cpp).
        const OneStageDetector::Batch batch = one_stage_->transform(inputs);
        return one_stage_->postprocess(aoti_->run({batch.images}), batch);
      } else {
        // Exported as model([image]) (one image: export specialises on the list's length);
        // its outputs flatten to boxes, scores, labels.
        for (const at::Tensor& x : inputs) {
          const std::vector<at::Tensor> r = aoti_->run({x});
          if (r.size() != 3) throw Error(where() + ": the AOTInductor model returned " + std::to_string(r.size()) +
                                         " tensors (expected boxes, scores, labels)");
          out.push_back({r[0], r[1], r[2]});
        }
      }
    } catch (const c10::Error& e) {
      throw Error(where() + ": inference failed: " + first_line(e));
    }
    return out;
  }

  // _postprocess: threshold, best first (stable), at most max_detections, back to image pixels.
  std::vector<RawDetection> postprocess(const Detections& d, at::IntArrayRef model_chw, int h, int w) const {
    at::Tensor boxes = d.boxes.detach().to(at::kFloat).reshape({-1, 4});
    at::Tensor scores = d.scores.detach().to(at::kFloat).reshape({-1});
    at::Tensor labels = d.labels.detach().to(at::kLong).reshape({-1});
    const at::Tensor keep = scores >= config_.score_threshold;
    boxes = boxes.index({keep});
    scores = scores.index({keep});
    labels = labels.index({keep});
    const at::Tensor order = at::argsort(scores, /*stable=*/true, /*dim=*/0, /*descending=*/true)
                                 .slice(0, 0, config_.max_detections);
    boxes = boxes.index({order});
    scores = scores.index({order});
    labels = labels.index({order});
    const auto mh = model_chw[model_chw.size() - 2], mw = model_chw[model_chw.size() - 1];
    if (mh != h || mw != w) {
      // Python divides in double, then torch.tensor makes float32 of the quotients.
      const double sx = static_cast<double>(w) / static_cast<double>(mw), sy = static_cast<double>(h) / static_cast<double>(mh);
      boxes = boxes * at::tensor(std::vector<float>{static_cast<float>(sx), static_cast<float>(sy), static_cast<float>(sx),
                                                    static_cast<float>(sy)},
                                 boxes.options());
    }
    boxes = boxes.contiguous().cpu();
    boxes.slice(1, 0, 4, 2).clamp_(0.0, static_cast<double>(w));
    boxes.slice(1, 1, 4, 2).clamp_(0.0, static_cast<double>(h));
    scores = scores.contiguous().cpu();
    labels = labels.contiguous().cpu();
    const auto n = static_cast<std::size_t>(scores.size(0));
    std::vector<RawDetection> out(n);
    const float* b = boxes.data_ptr<float>();
    const float* s = scores.data_ptr<float>();
    const std::int64_t* l = labels.data_ptr<std::int64_t>();
    for (std::size_t i = 0; i < n; ++i) {
      if (l[i] < 0 || static_cast<std::size_t>(l[i]) >= config_.class_names.size())
        throw Error(config_.classes_file.string() + ": classes: the model output label " + std::to_string(l[i]) +
                    ", but the file has " + std::to_string(config_.class_names.size()) + " names");
      out[i] = {b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3], s[i], l[i]};
    }
    return out;
  }

  const Config& config_;
  at::Device device_;
  std::optional<torch::jit::Module> script_;
  int max_input_side_ = 0;
  std::unique_ptr<torch::inductor::AOTIModelPackageLoader> aoti_;
  std::optional<OneStageDetector> one_stage_;
};

// One thread owning one replica: no GIL, no shared interpreter state. Its intra-op thread count,
// autocast state and CUDA stream are set once, on the thread itself (they are thread-local).
class Worker {
 public:
  Worker(const Config& c, at::Device device, int threads)
      : replica_(c, device), where_(c.file.string()), device_(device), precision_(c.precision), threads_(threads) {
    if (device.is_cuda()) stream_ = c10::impl::VirtualGuardImpl(at::kCUDA).getStreamFromGlobalPool(device);
    thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
  }
  ~Worker() {
    {
      const std::lock_guard lock(mutex_);
      thread_.request_stop();
    }
    wake_.notify_all();
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  int max_input_side() const { return replica_.max_input_side(); }

  std::future<Results> submit(std::span<const cv::Mat> images) {
    std::packaged_task<Results()> task([this, images] {
      try {
        return replica_.run(images);
      } catch (const c10::Error& e) {  // pre- or post-processing: one line, naming the config
        throw Error(where_ + ": inference failed: " + first_line(e));
      }
    });
    std::future<Results> done = task.get_future();
    {
      const std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(task));
    }
    wake_.notify_one();
    return done;
  }

 private:
  void loop(const std::stop_token& stop) {
    at::init_num_threads();
    at::set_num_threads(threads_);
    const c10::WarningUtils::WarningHandlerGuard quiet(&quiet_warnings);
    const c10::InferenceMode inference;
    const AutocastScope autocast(precision_, device_.type());
    std::optional<c10::StreamGuard> on_stream;
    if (stream_) on_stream.emplace(*stream_);
    for (;;) {
      std::packaged_task<Results()> job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stop.stop_requested() || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();  // exceptions travel to the caller through the future
      if (stream_) stream_->synchronize();
    }
  }

  Replica replica_;
  std::string where_;
  at::Device device_;
  Precision precision_;
  int threads_;
  std::optional<c10::Stream> stream_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::packaged_task<Results()>> jobs_;
  std::jthread thread_;  // last: it starts after, and is joined before, everything above
};

class LibtorchInferencer final : public Inferencer {
 public:
  explicit LibtorchInferencer(Config c) : config_(std::move(c)) {
    if (config_.torchvision_ops == "auto") {
      if (const auto lib = find_torchvision_ops()) load_ops_library(*lib, config_.file.string() + ": model.torchvision_ops");
    } else if (config_.torchvision_ops != "none") {
      load_ops_library(config_.torchvision_ops, config_.file.string() + ": model.torchvision_ops");
    }
    const at::Device device = resolve_device(config_);
    if (config_.format == Format::aoti) check_package_fits(config_, device);  // once, before any replica
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const auto [workers, threads] = default_split(config_.workers, config_.threads, cores);
    for (int i = 0; i < workers; ++i) workers_.push_back(std::make_unique<Worker>(config_, device, threads));
    max_input_side_ = workers_.front()->max_input_side();
  }

  const std::string& name() const override { return config_.name; }
  const std::vector<std::string>& class_names() const override { return config_.class_names; }
  // The pipeline hands over one batch per worker at a time.
  int batch_size() const override { return config_.batch_size * static_cast<int>(workers_.size()); }
  int max_input_side() const override { return max_input_side_; }

  Results infer(std::span<const cv::Mat> images) override {
    // Contiguous chunks, at most batch_size each, dealt round-robin: worker k gets the k-th.
    const std::size_t n = images.size(), w = workers_.size();
    const std::size_t chunk = std::clamp<std::size_t>((n + w - 1) / w, 1, static_cast<std::size_t>(config_.batch_size));
    std::vector<std::future<Results>> pending;
    for (std::size_t start = 0, k = 0; start < n; start += chunk, ++k)
      pending.push_back(workers_[k % w]->submit(images.subspan(start, std::min(chunk, n - start))));
    Results out;
    out.reserve(n);
    std::exception_ptr failed;
    for (auto& p : pending) {  // every chunk is waited for: its images must outlive it
      try {
        for (auto& r : p.get()) out.push_back(std::move(r));
      } catch (...) {
        if (!failed) failed = std::current_exception();
      }
    }
    if (failed) std::rethrow_exception(failed);
    return out;
  }

 private:
  Config config_;
  std::vector<std::unique_ptr<Worker>> workers_;
  int max_input_side_ = 0;
};

}  // namespace

const char* libtorch_version() { return TORCH_VERSION; }

std::unique_ptr<Inferencer> load_libtorch_inferencer(const fs::path& model_config) {
  return std::make_unique<LibtorchInferencer>(read_config(model_config));
}

}  // namespace ds::host::libtorch
