#include "viewer/session.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "core/config/run_config.hpp"
#include "core/util/error.hpp"
#include "formats/coco/coco_json.hpp"
#include "formats/format.hpp"
#include "formats/sequence.hpp"
#include "pipeline/detector.hpp"
#include "pipeline/ground_truth.hpp"
#include "pipeline/models.hpp"
#include "pipeline/sources/image_files.hpp"
#include "vision/draw.hpp"
#include "vision/trails.hpp"

namespace fs = std::filesystem;

namespace ds::viewer {

struct Session::Model {
  fs::path config;   // empty for a results file
  std::string name;  // the detector's once loaded; the config's stem until then
  std::unique_ptr<pipeline::Detector> detector;
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

Session::Session(const SessionOptions& options) : verbose_(options.verbose), skip_bad_(options.skip_bad) {
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

  dataset_ = load_dataset(cfg.dataset, {.masks = true});  // drawn when the dataset has them
  overlap_ = pipeline::frame_overlap(cfg, options.matching, dataset_);
  for (const Image& im : dataset_.images) {
    if (options.limit > 0 && images_.size() >= options.limit) break;
    images_.push_back(&im);
  }
  if (images_.empty()) throw Error(cfg.dataset.file().string() + ": the dataset has no images");
  index_sequences();
  truth_ = std::make_unique<pipeline::GroundTruth>(dataset_);
  host_ = std::make_unique<pipeline::ModelHost>(verbose_);
  if (options.results) {
    // Saved detections go through the same detector interface as a model, so `view` and
    // `render` draw them identically.
    auto model = std::make_unique<Model>();
    model->name = options.results->filename().string();
    model->detector = pipeline::saved_detector(*options.results, dataset_, class_map_);
    model->mapping = model->detector->map_to(dataset_.categories, class_map_);
    model->attempted = true;
    model->cache.assign(images_.size(), std::nullopt);
    saved_ = true;
    models_.push_back(std::move(model));
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

void Session::index_sequences() {
  std::map<std::string, std::size_t> by_name;
  sequence_of_.resize(images_.size());
  place_of_.resize(images_.size());
  for (std::size_t i = 0; i < images_.size(); ++i) {
    const auto [it, added] = by_name.emplace(formats::sequence_name(*images_[i]), sequences_.size());
    if (added) sequences_.emplace_back();
    sequences_[it->second].push_back(i);
  }
  for (std::size_t s = 0; s < sequences_.size(); ++s) {
    std::vector<std::size_t>& seq = sequences_[s];
    // A video's frames by their number; still images keep the dataset's order (as formats::as_sequence).
    std::stable_sort(seq.begin(), seq.end(), [&](std::size_t a, std::size_t b) { return images_[a]->frame < images_[b]->frame; });
    for (std::size_t p = 0; p < seq.size(); ++p) sequence_of_[seq[p]] = s, place_of_[seq[p]] = p;
  }
}

std::vector<vision::Trail> Session::trails(std::size_t i, std::size_t k, double score_threshold) const {
  const std::vector<std::size_t>& seq = sequences_[sequence_of_[i]];
  const std::size_t place = place_of_[i];
  constexpr std::size_t kLength = vision::TrailHistory::kDefaultLength;
  vision::TrailHistory truth(kLength, true), detections(kLength);
  std::vector<Detection> shown;
  for (std::size_t p = place > kLength ? place - kLength : 0; p <= place; ++p) {
    const std::size_t j = seq[p];
    truth.add(truth_->of(images_[j]->id));
    const ImageDetections* known = k < models_.size() ? cached(j, k) : nullptr;
    std::optional<ImageDetections> saved;
    if (!known && saved_) {  // a results file: its detections cost nothing to look up
      saved = run(j, k, cv::Mat());
      known = &*saved;
    }
    shown.clear();
    if (known)
      for (const Detection& d : known->detections)
        if (d.track_id >= 0 && d.score >= score_threshold) shown.push_back(d);
    detections.add(shown);
  }
  std::vector<vision::Trail> out = truth.trails();
  for (vision::Trail& t : detections.trails()) out.push_back(std::move(t));
  return out;
}

Session::~Session() {
  // Python objects first, then the interpreter (member order says so too; this makes it plain).
  models_.clear();
  host_.reset();
}

void Session::load(Model& model) {
  model.attempted = true;
  model.problem.clear();
  model.detector.reset();
  model.cache.assign(images_.size(), std::nullopt);
  try {
    model.detector = host_->load(model.config);
    model.name = model.detector->name();
    model.mapping = model.detector->map_to(dataset_.categories, class_map_);
    for (const std::string& w : mapping_warnings(model.mapping, model.name, "not shown"))
      std::cerr << "warning: " << w << "\n";
  } catch (const Error& e) {
    model.detector.reset();
    model.problem = e.what();
  }
}

void Session::next_model() {
  if (saved_) return;
  current_ = (current_ + 1) % models_.size();
  if (!models_[current_]->attempted) {
    load(*models_[current_]);
    if (!models_[current_]->problem.empty()) std::cerr << "error: " << models_[current_]->problem << "\n";
  }
}

void Session::reload_model() {
  if (saved_) return;
  load(*models_[current_]);
  if (!models_[current_]->problem.empty()) std::cerr << "error: " << models_[current_]->problem << "\n";
}

std::string Session::source_name() const { return models_[current_]->name; }

const std::string& Session::problem() const {
  static const std::string none;
  return saved_ ? none : models_[current_]->problem;
}

const cv::Mat& Session::pixels(std::size_t i) {
  if (decoded_index_ != i) {
    decoded_ = pipeline::read_dataset_image(dataset_, *images_[i]);
    decoded_index_ = i;
  }
  return decoded_;
}

bool Session::readable(std::size_t i, std::string& why) {
  try {
    pixels(i);
    return true;
  } catch (const Error& e) {
    why = e.what();
    return false;
  }
}

const ImageDetections& Session::detections(std::size_t i) {
  Model& m = *models_[current_];
  if (!m.detector) return kNoDetections;
  if (m.cache[i]) return *m.cache[i];
  pipeline::Frame frame;
  frame.index = i;
  frame.name = images_[i]->file_name;
  frame.image = images_[i];
  if (!saved_) frame.pixels = pixels(i);
  const pipeline::Frame* frames[] = {&frame};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::vector<host::RawDetection>> raw;
  try {
    raw = m.detector->detect(frames);
  } catch (const Error& e) {
    // Kept until the model is reloaded (r): a model that fails on one image usually fails on all.
    m.problem = e.what();
    std::cerr << "error: " << m.problem << "\n";
    return kNoDetections;
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::size_t dropped = 0;
  m.cache[i] = ImageDetections{host::to_detections(images_[i]->id, raw.front(), m.mapping, dropped),
                               saved_ ? std::nullopt : std::optional<double>(ms)};
  return *m.cache[i];
}

const std::string& Session::problem(std::size_t k) const { return models_[k]->problem; }

std::string Session::source_name(std::size_t k) const { return models_[k]->name; }

bool Session::usable(std::size_t k) const { return models_[k]->detector != nullptr && models_[k]->problem.empty(); }

void Session::select_model(std::size_t k) {
  if (saved_ || k >= models_.size()) return;
  current_ = k;
  if (!models_[k]->attempted) {
    load(*models_[k]);
    if (!models_[k]->problem.empty()) std::cerr << "error: " << models_[k]->problem << "\n";
  }
}

const ImageDetections* Session::cached(std::size_t i, std::size_t k) const {
  const Model& m = *models_[k];
  if (i >= m.cache.size() || !m.cache[i]) return nullptr;
  return &*m.cache[i];
}

cv::Mat Session::decode(std::size_t i) const { return pipeline::read_dataset_image(dataset_, *images_[i]); }

std::span<const Annotation> Session::truth(std::size_t i) const { return truth_->of(images_[i]->id); }

ImageDetections Session::run(std::size_t i, std::size_t k, const cv::Mat& pixels) const {
  const Model& m = *models_[k];
  if (!m.detector) throw Error(m.problem.empty() ? m.name + ": not loaded" : m.problem);
  pipeline::Frame frame;
  frame.index = i;
  frame.name = images_[i]->file_name;
  frame.image = images_[i];
  if (!saved_) frame.pixels = pixels;
  const pipeline::Frame* frames[] = {&frame};
  const auto t0 = std::chrono::steady_clock::now();
  const auto raw = m.detector->detect(frames);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::size_t dropped = 0;
  return ImageDetections{host::to_detections(images_[i]->id, raw.front(), m.mapping, dropped),
                         saved_ ? std::nullopt : std::optional<double>(ms)};
}

void Session::store(std::size_t i, std::size_t k, ImageDetections detections) {
  Model& m = *models_[k];
  if (i < m.cache.size()) m.cache[i] = std::move(detections);
}

void Session::fail(std::size_t k, std::string problem) {
  models_[k]->problem = std::move(problem);
  std::cerr << "error: " << models_[k]->problem << "\n";
}

ImageMatch Session::match(std::size_t i, double score_threshold) {
  return match_image(truth_->of(images_[i]->id), detections(i).detections,
                     pipeline::frame_match(*images_[i], score_threshold, overlap_));
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
  f.match = match_image(truth_->of(images_[i]->id), dets->detections,
                        pipeline::frame_match(*images_[i], state.score_threshold, overlap_));

  vision::FrameContent content = pipeline::dataset_content(*truth_, images_[i]->id, dets->detections, f.match);
  content.show_truth = state.show_truth;
  content.show_detections = state.show_detections;
  content.show_masks = state.show_masks;
  content.show_help = state.show_help;
  std::string source = source_name();
  if (models_.size() > 1) source += " [" + std::to_string(current_ + 1) + "/" + std::to_string(models_.size()) + "]";
  content.status = {i, images_.size(), images_[i]->file_name, source, dets->inference_ms, state.score_threshold,
                    kMatchIou, message, pipeline::overlap_label(overlap_)};
  const std::vector<vision::Trail> drawn_trails = trails(i, current_, state.score_threshold);
  content.trails = drawn_trails;
  f.canvas = vision::draw_frame(image, content);

  const auto on = [](bool b) { return b ? "on" : "off"; };
  f.log = log_prefix + "image " + std::to_string(i + 1) + "/" + std::to_string(images_.size()) + " " +
          images_[i]->file_name + " model=" + source_name() + " threshold=" + fixed(state.score_threshold, 2) +
          " tp=" + std::to_string(f.match.true_positives) + " fp=" + std::to_string(f.match.false_positives) +
          " fn=" + std::to_string(f.match.missed) + " truth=" + on(state.show_truth) +
          " detections=" + on(state.show_detections) + " masks=" + on(state.show_masks) + " help=" + on(state.show_help) +
          " infer_ms=" + (dets->inference_ms ? fixed(*dets->inference_ms, 1) : "-") +
          " status=" + (message.empty() ? "ok" : "error");
  if (!drawn_trails.empty()) f.log += " trails=" + std::to_string(drawn_trails.size());
  return f;
}

}  // namespace ds::viewer
