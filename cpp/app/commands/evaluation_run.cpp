#include "app/commands/evaluation_run.hpp"

#include <algorithm>
#include <iostream>
#include <unordered_map>

#include "app/cli/progress.hpp"
#include "core/util/error.hpp"
#include "core/util/publish.hpp"
#include "formats/coco/coco_json.hpp"
#include "core/trackers/registry.hpp"
#include "pipeline/sources/image_files.hpp"
#include "pipeline/transforms/track.hpp"

namespace ds::cli {

const std::string* Evaluation::tracks_text() const {
  if (!tracking) return nullptr;
  if (tracking->sequences() > 1) {
    std::cerr << "note: tracks.txt is not written: the dataset's frames are " << tracking->sequences()
              << " sequences, and a MOT results file holds one\n";
    return nullptr;
  }
  return &tracking->tracks_text();
}

Evaluation run_evaluation(const EvaluationRequest& r, std::vector<std::unique_ptr<Evaluator>> evaluators) {
  Evaluation e;
  pipeline::Detector& detector = r.models.current();
  e.mapping = detector.map_to(r.dataset.categories, r.cfg.class_map);
  e.model_name = detector.name();
  for (const std::string& w : mapping_warnings(e.mapping, "", "not scored")) std::cerr << "warning: " << w << "\n";
  if (!r.cfg.allow_unmatched_classes)
    require_a_class_match(e.mapping, r.dataset.categories, e.model_name,
                          "set allow_unmatched_classes: true in " + r.cfg.file.string());

  // A shard's images: bounds on the model's batches, so batches hold what they hold in one run.
  const std::size_t batch_size = r.batch > 0 ? r.batch : detector.batch_size();
  std::tie(e.first, e.end) = r.shard ? shard_range(*r.shard, r.total, batch_size)
                                     : std::pair<std::size_t, std::size_t>{0, r.total};

  // A tracker follows objects from the first frame on: it cannot start from a shard's or a
  // journal's middle and give the ids an uninterrupted run gives.
  if (r.cfg.tracker && r.shard) throw Error(r.cfg.file.string() + ": a run with a tracker cannot be sharded (--shard): the tracker needs every frame in order");
  if (r.cfg.tracker && r.replay)
    throw Error(r.cfg.file.string() + ": a run with a tracker cannot be resumed (--resume): the tracker's state is not journaled; run it again");
  std::vector<pipeline::Transform*> transforms;
  if (r.cfg.tracker) {
    e.tracking = std::make_unique<pipeline::TrackTransform>(
        trackers::make_tracker(*r.cfg.tracker, r.cfg.tracker_params ? &*r.cfg.tracker_params : nullptr), std::nullopt);
    transforms.push_back(e.tracking.get());
  }
  e.scoring = std::make_unique<pipeline::EvaluationSink>(std::move(evaluators), e.mapping);
  std::vector<std::string> skipped_before;
  e.start = e.first;
  if (r.replay) {
    std::unordered_map<std::int64_t, const Image*> by_id;
    for (const Image& im : r.dataset.images) by_id.emplace(im.id, &im);
    for (const auto& [id, dets] : r.replay->images) {
      const auto it = by_id.find(id);
      if (it == by_id.end())
        throw Error(r.journal.value_or("journal").string() + ": image id " + std::to_string(id) + " is not in the dataset");
      e.scoring->add(*it->second, dets);
    }
    for (const auto& [id, why] : r.replay->skipped) {
      skipped_before.push_back(why);
      e.scoring->skipped_ids().push_back(id);
    }
    e.start = r.replay->next;
    std::cerr << "resuming after " << e.start << " of " << r.total << " images (" << r.replay->images.size()
              << " from the journal)\n";
  }
  std::vector<pipeline::Sink*> sinks = {e.scoring.get()};
  if (r.journal) {
    e.journal = std::make_unique<pipeline::JournalSink>(*r.journal, r.run_identity, e.mapping, r.replay != nullptr);
    sinks.push_back(e.journal.get());
  }
  const auto source = pipeline::dataset_source(r.dataset, e.end, e.start, {.keep_side = detector.max_input_side()});
  std::optional<Progress> progress;
  if (r.progress) {
    progress.emplace("evaluating " + e.model_name, e.end - e.first);
    progress->update(e.start - e.first);
  }
  e.stats = pipeline::run(*source, r.models, sinks,
                          {.batch_size = r.batch,
                           .transforms = transforms,
                           .skip_bad = r.skip_bad,
                           .progress = [&](std::size_t n) {
                             if (progress) progress->update(e.start - e.first + n);
                             if (r.after_batch) r.after_batch();
                           }});
  if (progress) progress->finish();
  e.stats.skipped.insert(e.stats.skipped.begin(), skipped_before.begin(), skipped_before.end());
  return e;
}

void publish_shard(const std::filesystem::path& dir, const RunConfig& cfg, const Evaluation& e, const ShardInfo& info) {
  std::vector<std::pair<std::string, std::string>> files = {{"detections.json", coco::results_json(e.scoring->detections())},
                                                            {"shard.json", shard_json(info)}};
  // The metrics that can (COCO's) also write their match records: merge accumulates those.
  std::vector<std::optional<std::string>> records = e.scoring->match_records();
  for (std::size_t i = 0; i < records.size() && i < cfg.metrics.size(); ++i) {
    if (records[i]) files.emplace_back(shard_records_file(cfg.metrics[i]), std::move(*records[i]));
    else std::filesystem::remove(dir / shard_records_file(cfg.metrics[i]));  // an earlier run's, not this one's
  }
  publish_files(dir, files);
}

void check_keypoints_given(const Evaluation& e, const RunConfig& cfg) {
  const auto& dets = e.scoring->detections();
  if (cfg.scores_keypoints() && !dets.empty() &&
      std::none_of(dets.begin(), dets.end(), [](const Detection& d) { return !d.keypoints.empty(); }))
    throw Error(e.model_name + " gives no keypoints, and " + cfg.file.string() +
                " scores them (iou_type: keypoints): use a model that gives them (Keypoint R-CNN) or another iou_type");
}

}  // namespace ds::cli
