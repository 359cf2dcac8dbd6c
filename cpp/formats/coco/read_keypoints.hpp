#pragma once
// COCO keypoints of an annotation or a result: [x1, y1, v1, x2, y2, v2, ...].
#include <span>
#include <string>
#include <vector>

#include "core/util/json_source.hpp"

namespace ds::coco {

// Reads a 'keypoints' array of numbers into `out` (replaced). `ctx` names the field; it is
// called only on an error (a file holds millions of these numbers). The numbers go through a
// scratch buffer first, so `out` is allocated once, at its size.
template <class Ctx>
void read_keypoints(JsonSource& src, JsonValue value, std::vector<double>& out, Ctx&& ctx) {
  thread_local std::vector<double> scratch;
  scratch.clear();
  for (auto element : src.get_array(value, ctx)) {
    simdjson::ondemand::value v;
    if (const auto code = element.get(v); code != simdjson::SUCCESS) [[unlikely]]
      src.fail(code, ctx());
    scratch.push_back(src.get_number(v, ctx));
  }
  out.assign(scratch.begin(), scratch.end());
}

// What is wrong with a keypoint array, or "" when nothing is: a length that is not a multiple
// of 3, a number that is not finite, and in the ground truth (`ground_truth`) a visibility
// other than 0, 1 or 2.
std::string keypoint_problem(std::span<const double> keypoints, bool ground_truth);

// How many keypoints are labelled (v > 0): num_keypoints when a file leaves it out.
int labelled_keypoints(std::span<const double> keypoints);

}  // namespace ds::coco
