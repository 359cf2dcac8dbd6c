#include "pipeline/detector.hpp"

#include <iostream>
#include <unordered_map>
#include <unordered_set>

#include "core/util/error.hpp"
#include "formats/coco/coco_json.hpp"
#include "host/without_gil.hpp"
#include "pipeline/saved_frames.hpp"

namespace ds::pipeline {

ClassMapping Detector::map_to(std::span<const Category> categories,
                              const std::map<std::string, std::string>& class_map) const {
  return map_classes(class_names(), categories, class_map);
}

namespace {

class ModelDetector final : public Detector {
 public:
  explicit ModelDetector(std::unique_ptr<host::Inferencer> inferencer) : inferencer_(std::move(inferencer)) {}
  const std::string& name() const override { return inferencer_->name(); }
  const std::vector<std::string>& class_names() const override { return inferencer_->class_names(); }
  std::size_t batch_size() const override { return static_cast<std::size_t>(std::max(1, inferencer_->batch_size())); }
  int max_input_side() const override { return inferencer_->max_input_side(); }
  std::vector<std::vector<host::RawDetection>> detect(std::span<const Frame* const> frames) override {
    images_.clear();
    for (const Frame* f : frames) images_.push_back(f->pixels);
    // A Python inferencer takes the GIL itself; a native one waits on its worker threads.
    const host::WithoutGil released;
    return inferencer_->infer(images_);
  }

 private:
  std::unique_ptr<host::Inferencer> inferencer_;
  std::vector<cv::Mat> images_;
};

class SavedDetector final : public Detector {
 public:
  SavedDetector(std::string name, const Dataset& dataset, std::span<const Detection> detections)
      : name_(std::move(name)) {
    std::unordered_map<std::int64_t, std::int64_t> label_of;
    for (const Category& c : dataset.categories) {
      label_of.emplace(c.id, static_cast<std::int64_t>(category_ids_.size()));
      category_ids_.push_back(c.id);
      names_.push_back(c.name);
    }
    for (const Detection& d : detections) {
      std::int64_t label;
      if (const auto it = label_of.find(d.category_id); it != label_of.end()) {
        label = it->second;
      } else {  // a category the dataset lacks: shown, and always a false positive
        label = static_cast<std::int64_t>(category_ids_.size());
        label_of.emplace(d.category_id, label);
        category_ids_.push_back(d.category_id);
        names_.push_back("category " + std::to_string(d.category_id));
      }
      by_image_[d.image_id].push_back({static_cast<float>(d.bbox.x), static_cast<float>(d.bbox.y),
                                       static_cast<float>(d.bbox.x + d.bbox.w), static_cast<float>(d.bbox.y + d.bbox.h),
                                       static_cast<float>(d.score), label, d.segmentation, d.keypoints, d.track_id});
    }
  }
  const std::string& name() const override { return name_; }
  const std::vector<std::string>& class_names() const override { return names_; }
  std::size_t batch_size() const override { return 1; }
  std::vector<std::vector<host::RawDetection>> detect(std::span<const Frame* const> frames) override {
    std::vector<std::vector<host::RawDetection>> out;
    for (const Frame* f : frames) {
      if (!f->image) throw Error("internal: saved detections need dataset images");
      const auto it = by_image_.find(f->image->id);
      out.push_back(it == by_image_.end() ? std::vector<host::RawDetection>{} : it->second);
    }
    return out;
  }
  ClassMapping map_to(std::span<const Category>, const std::map<std::string, std::string>&) const override {
    ClassMapping m;
    for (const std::int64_t id : category_ids_) m.category_of.emplace_back(id);
    return m;
  }

 private:
  std::string name_;
  std::vector<std::int64_t> category_ids_;  // per label
  std::vector<std::string> names_;
  std::unordered_map<std::int64_t, std::vector<host::RawDetection>> by_image_;
};

}  // namespace

std::unique_ptr<Detector> model_detector(std::unique_ptr<host::Inferencer> inferencer) {
  return std::make_unique<ModelDetector>(std::move(inferencer));
}

std::unique_ptr<Detector> saved_detector(std::string name, const Dataset& dataset,
                                         std::span<const Detection> detections) {
  return std::make_unique<SavedDetector>(std::move(name), dataset, detections);
}

std::unique_ptr<Detector> saved_detector(const std::filesystem::path& results, const Dataset& dataset,
                                         const std::map<std::string, std::string>& class_map) {
  std::unordered_set<std::int64_t> images, categories;
  for (const Image& im : dataset.images) images.insert(im.id);
  for (const Category& c : dataset.categories) categories.insert(c.id);
  std::vector<Detection> kept;
  std::size_t unknown_image = 0, unknown_category = 0;
  // With their masks and keypoints, when the file has them (drawn, and matched by them under
  // segm or keypoints).
  const std::string ext = results.extension().string();
  const bool frames = ext == ".jsonl" || ext == ".txt";  // detect's detections.jsonl, MOT results
  for (const Detection& d : frames ? saved_frame_detections(results, dataset, class_map) : coco::read_full_results(results)) {
    if (!images.contains(d.image_id)) {
      ++unknown_image;
      continue;
    }
    if (!categories.contains(d.category_id)) ++unknown_category;
    kept.push_back(d);
  }
  if (unknown_image > 0)
    std::cerr << "warning: " << results.string() << ": " << unknown_image
              << " detections are for images that are not in the dataset (not shown)\n";
  if (unknown_category > 0)
    std::cerr << "warning: " << results.string() << ": " << unknown_category
              << " detections have a category_id that is not in the dataset (all false positives)\n";
  return saved_detector(results.filename().string(), dataset, kept);
}

Models::Models(std::vector<Loader> loaders) : loaders_(std::move(loaders)) {
  if (loaders_.empty()) throw Error("internal: no model to run");
  loaded_.resize(loaders_.size());
}

Detector& Models::current() {
  if (!loaded_[current_]) loaded_[current_] = loaders_[current_]();
  return *loaded_[current_];
}

}  // namespace ds::pipeline
