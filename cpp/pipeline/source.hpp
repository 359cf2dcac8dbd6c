#pragma once
// A source of frames: dataset images, a folder, a video file, a camera, a stream, a GStreamer
// pipeline. Decoding happens on the source's own threads, ahead of the consumer.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/frame.hpp"

namespace ds::pipeline {

class Source {
 public:
  virtual ~Source() = default;
  // The next frame, or nullopt at the end. Live sources return the newest frame and drop the
  // ones the consumer was too slow for (counted by dropped()).
  virtual std::optional<Frame> next() = 0;
  // Frames it will give, when known (files, folders, datasets); 0 for live sources and streams.
  virtual std::size_t size() const { return 0; }
  virtual bool live() const { return false; }
  virtual std::size_t dropped() const { return 0; }
  // Frames per second of the footage, when it has one (video files, cameras); 0 otherwise.
  virtual double fps() const { return 0; }
  // Seconds its threads spent decoding so far.
  virtual double decode_seconds() const = 0;
  virtual std::string description() const = 0;
  // What the user should hear about once the source has ended (a video shorter than its header
  // says); empty when all went as expected.
  virtual std::vector<std::string> warnings() const { return {}; }
  // The model reads at most `keep_side` pixels on the longer side: still images twice as large
  // or more are decoded reduced (1/2, 1/4, 1/8), the boxes scaled back. Before the first next().
  virtual void reduce_to(int /*keep_side*/) {}
};

}  // namespace ds::pipeline
