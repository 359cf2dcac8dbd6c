#pragma once
// COCO bbox evaluation of a results file too large to hold: detections arrive in file order, a
// batch at a time, are grouped by image on the fly, matched image by image, and only compact
// match records are kept (per detection: its score, image and rank, and per area range the
// true-positive and ignored bits of every IoU threshold, as match_records' files hold them).
// Memory is the ground truth plus ~32 bytes per detection (10 IoU thresholds, 4 area ranges),
// not the parsed detections. accumulate then runs category by category on those records: the
// arrays are evaluate()'s (pycocotools'), bit for bit.
//
// A file whose records are grouped by image (each image's detections together, images in any
// order: what every writer we know produces) is read once. When an image comes back after
// another one, the file is read a second time and its records are bucketed by image on disk
// (temporary files in TMPDIR, 56 bytes per detection, deleted on close), then each bucket is
// grouped in memory: still one image's detections at a time.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/dataset/dataset.hpp"
#include "core/eval/coco/evaluate.hpp"

namespace ds::coco {

// The next batch of detections in file order into `out` (cleared by the callee); false at the end.
using DetectionBatches = std::function<bool(std::vector<Detection>& out)>;
// Opens the results from their start (a second pass reads them again).
using OpenDetections = std::function<DetectionBatches()>;

// Each image's detections once all of them are read (in file order; the image's id as the
// results give it), for what else is computed image by image (the analyses' ImageBoxesBuilder).
// Called on the matching thread, one image at a time. A file read twice (not grouped by image)
// shows each image again, with all its detections again.
using ImageObserver = std::function<void(std::int64_t image_id, std::span<const Detection> dts)>;

// What else runs as the stream goes: on_image for each image, then on_matched once every image
// was matched and before accumulate starts (to start, beside accumulate, what the images fed).
struct StreamHooks {
  ImageObserver on_image;
  std::function<void()> on_matched;
};

struct StreamedEvaluation {
  EvalResult result;                  // params and arrays (no matches kept)
  std::vector<std::size_t> dt_count;  // per category position: its detections on evaluated images
  std::size_t detections = 0;         // every record of the results
  bool grouped = true;                // one pass sufficed (else the records were bucketed on disk)
  std::size_t record_bytes = 0;       // what the match records took at most
};

// Whether stream_evaluate can score these params as evaluate() would: box IoU, categories kept
// apart, at most 16 IoU thresholds, no slices of the objects, not LVIS, and no repeated
// annotation ids (pycocotools then swaps annotations across images).
bool stream_fits(const Dataset& gt, const Params& params);

// evaluate(gt, <every detection of the results>, params) without holding the detections. The
// batches are read on a thread of their own while this one matches; accumulate runs on every
// core. Throws ds::Error naming `source` and the record (its index in the file) for a detection
// on an image the ground truth does not have; errors of the batches themselves pass through.
StreamedEvaluation stream_evaluate(const Dataset& gt, const OpenDetections& open, const Params& params,
                                   const std::string& source, const StreamHooks& hooks = {});

}  // namespace ds::coco
