#include "viewer/session.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <unordered_map>
#include <unordered_set>

#include "core/config/run_config.hpp"
#include "core/util/error.hpp"
#include "formats/coco/coco_json.hpp"
#include "formats/format.hpp"
#include "host/inferencer.hpp"
#include "host/python_runtime.hpp"
#include "vision/draw.hpp"
#include "vision/image_io.hpp"

namespace fs = std::filesystem;

namespace ds::viewer {

struct Session::Model {
  fs::path config;
  std::string name;  // the inferencer's once loaded; the config's stem until then
  std::unique_ptr<host::Inferencer> inferencer;
  ClassMapping mapping;
  bool attempted = false;
  std::string problem;
  std::vector<std::optional<ImageDetections>> cache;  // per image
};

namespace {

const ImageDetections kNoDetections{};

std::string fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::string file_safe(std::string_view name) {
  std::string out;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    out += ok ? c : '_';
  }
  return out.empty() ? "_" : out;
}

Session::Session(const SessionOptions& options) : verbose_(options.verbose) {
  const RunConfig cfg = load_run_config(options.config);
  class_map_ = cfg.class_map;
  output_ = options.output ? *options.output : cfg.output;

  std::vector<fs::path> model_configs = options.models;
  if (options.results) {
    if (!model_configs.empty()) throw Error("give either --model or --results, not both");
  } else if (model_configs.empty()) {
    if (!cfg.model)
      throw Error(options.config.string() + ": model: missing (give --model MODEL.yaml or --results DETECTIONS.json)");
    model_configs.push_back(*cfg.model);
  }
  // Every model config is checked now, so a typo fails before any window opens.
  for (const fs::path& m : model_configs) {
    std::error_code ec;
    if (!fs::exists(m, ec)) throw Error(m.string() + ": model config not found (--model)");
    model_module(m);
  }

  dataset_ = load_dataset(cfg.dataset);
  for (const Image& im : dataset_.images) {
    if (options.limit > 0 && images_.size() >= options.limit) break;
    images_.push_back(&im);
  }
  if (images_.empty()) throw Error(cfg.dataset.file().string() + ": the dataset has no images");
  std::unordered_map<std::int64_t, std::size_t> position;
  for (std::size_t i = 0; i < images_.size(); ++i) position.emplace(images_[i]->id, i);
  truth_.resize(images_.size());
  for (const Annotation& a : dataset_.annotations)
    if (const auto it = position.find(a.image_id); it != position.end()) truth_[it->second].push_back(a);
  for (const Category& c : dataset_.categories) category_names_[c.id] = c.name;

  if (options.results) {
    results_file_ = *options.results;
    saved_.resize(images_.size());
    std::unordered_set<std::int64_t> all_images;
    for (const Image& im : dataset_.images) all_images.insert(im.id);
    std::size_t unknown_image = 0, unknown_category = 0;
    for (const Detection& d : coco::read_results(*options.results)) {
      if (!all_images.contains(d.image_id)) {
        ++unknown_image;
        continue;
      }
      if (!category_names_.contains(d.category_id)) ++unknown_category;
      if (const auto it = position.find(d.image_id); it != position.end()) saved_[it->second].detections.push_back(d);
    }
    if (unknown_image > 0)
      std::cerr << "warning: " << options.results->string() << ": " << unknown_image
                << " detections are for images that are not in the dataset (not shown)\n";
    if (unknown_category > 0)
      std::cerr << "warning: " << options.results->string() << ": " << unknown_category
                << " detections have a category_id that is not in the dataset (all false positives)\n";
    return;
  }

  for (const fs::path& m : model_configs) {
    auto model = std::make_unique<Model>();
    model->config = m;
    model->name = m.stem().string();
    models_.push_back(std::move(model));
  }
  load(*models_.front());
  if (!models_.front()->problem.empty()) throw Error(models_.front()->problem);
}

Session::~Session() {
  // Python objects first, then the interpreter (member order says so too; this makes it plain).
  models_.clear();
  python_.reset();
}

void Session::load(Model& model) {
  model.attempted = true;
  model.problem.clear();
  model.inferencer.reset();
  model.cache.assign(images_.size(), std::nullopt);
  try {
    model_module(model.config);
    if (!python_) python_ = std::make_unique<host::PythonRuntime>(verbose_);
    model.inferencer = host::load_inferencer(model.config, *python_);
    model.name = model.inferencer->name();
    model.mapping = map_classes(model.inferencer->class_names(), dataset_.categories, class_map_);
    for (const std::string& c : model.mapping.unmapped_model_classes)
      std::cerr << "warning: " << model.name << ": model class '" << c
                << "' matches no dataset category; its detections are not shown (add it to class_map:)\n";
  } catch (const Error& e) {
    model.inferencer.reset();
    model.problem = e.what();
  }
}

void Session::next_model() {
  if (models_.empty()) return;
  current_ = (current_ + 1) % models_.size();
  if (!models_[current_]->attempted) {
    load(*models_[current_]);
    if (!models_[current_]->problem.empty()) std::cerr << "error: " << models_[current_]->problem << "\n";
  }
}

void Session::reload_model() {
  if (models_.empty()) return;
  load(*models_[current_]);
  if (!models_[current_]->problem.empty()) std::cerr << "error: " << models_[current_]->problem << "\n";
}

std::string Session::source_name() const {
  if (results_file_) return results_file_->filename().string();
  return models_[current_]->name;
}

const std::string& Session::problem() const {
  static const std::string none;
  return models_.empty() ? none : models_[current_]->problem;
}

const cv::Mat& Session::pixels(std::size_t i) {
  if (decoded_index_ != i) {
    decoded_ = vision::read_image(dataset_.image_dir / images_[i]->file_name);
    decoded_index_ = i;
  }
  return decoded_;
}

const ImageDetections& Session::detections(std::size_t i) {
  if (results_file_) return saved_[i];
  Model& m = *models_[current_];
  if (!m.inferencer) return kNoDetections;
  if (m.cache[i]) return *m.cache[i];
  const cv::Mat& image = pixels(i);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::vector<host::RawDetection>> raw;
  try {
    raw = m.inferencer->infer(std::span<const cv::Mat>(&image, 1));
  } catch (const Error& e) {
    // Kept until the model is reloaded (r): a model that fails on one image usually fails on all.
    m.problem = e.what();
    std::cerr << "error: " << m.problem << "\n";
    return kNoDetections;
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::size_t dropped = 0;
  m.cache[i] = ImageDetections{host::to_detections(images_[i]->id, raw.front(), m.mapping, dropped), ms};
  return *m.cache[i];
}

ImageMatch Session::match(std::size_t i, double score_threshold) {
  return match_image(truth_[i], detections(i).detections, {.iou_threshold = kMatchIou, .score_threshold = score_threshold});
}

Frame Session::frame(std::size_t i, const ViewState& state, const std::string& log_prefix) {
  Frame f;
  cv::Mat image;
  const ImageDetections* dets = &kNoDetections;
  std::string message;
  try {
    image = pixels(i);
    dets = &detections(i);
  } catch (const Error& e) {
    message = e.what();  // an unreadable image: say so in the frame, keep browsing
  }
  if (message.empty()) message = problem();
  f.problem = message;
  if (image.empty()) {
    const Image& im = *images_[i];
    image = cv::Mat(im.height > 0 ? im.height : 480, im.width > 0 ? im.width : 640, CV_8UC3, cv::Scalar(90, 90, 90));
  }
  f.match = match_image(truth_[i], dets->detections, {.iou_threshold = kMatchIou, .score_threshold = state.score_threshold});

  vision::FrameContent content;
  content.truth = truth_[i];
  content.detections = dets->detections;
  content.match = &f.match;
  content.category_name = [this](std::int64_t id) {
    const auto it = category_names_.find(id);
    return it == category_names_.end() ? "category " + std::to_string(id) : it->second;
  };
  content.show_truth = state.show_truth;
  content.show_detections = state.show_detections;
  content.show_help = state.show_help;
  std::string source = source_name();
  if (models_.size() > 1) source += " [" + std::to_string(current_ + 1) + "/" + std::to_string(models_.size()) + "]";
  content.status = {i, images_.size(), images_[i]->file_name, source, dets->inference_ms, state.score_threshold,
                    kMatchIou, message};
  f.canvas = vision::draw_frame(image, content);

  const auto on = [](bool b) { return b ? "on" : "off"; };
  f.log = log_prefix + "image " + std::to_string(i + 1) + "/" + std::to_string(images_.size()) + " " +
          images_[i]->file_name + " model=" + source_name() + " threshold=" + fixed(state.score_threshold, 2) +
          " tp=" + std::to_string(f.match.true_positives) + " fp=" + std::to_string(f.match.false_positives) +
          " fn=" + std::to_string(f.match.missed) + " truth=" + on(state.show_truth) +
          " detections=" + on(state.show_detections) + " help=" + on(state.show_help) +
          " infer_ms=" + (dets->inference_ms ? fixed(*dets->inference_ms, 1) : "-") +
          " status=" + (message.empty() ? "ok" : "error");
  return f;
}

}  // namespace ds::viewer
