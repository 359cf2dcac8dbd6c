#pragma once
// How a result on footage (no ground truth) is drawn: the same drawing as the viewer's, boxes
// named by the model's class names.
#include <vector>

#include "pipeline/frame.hpp"
#include "vision/draw.hpp"

namespace ds::pipeline {

// Where boxes are: the stored image's pixels (what detections.jsonl says), or the frame's own
// pixels (what is drawn or exported with them); they differ for a reduced decode only.
enum class Coordinates { kStored, kPixels };

// The result's boxes as xywh detections whose category_id is the model's label.
std::vector<Detection> labelled_detections(const Result& result, Coordinates where = Coordinates::kStored);

// What draw_frame / draw_overlay need; `detections` must outlive the content.
vision::FrameContent footage_content(const Result& result, std::span<const Detection> detections);

}  // namespace ds::pipeline
