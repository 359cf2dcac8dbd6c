#pragma once
// Whether a GStreamer pipeline is live, asked of GStreamer itself: its elements are created from
// the launch string (no state change, so no camera or socket is opened) and every base source is
// asked gst_base_src_is_live(). A live pipeline hands out the newest frame and drops the rest; a
// recorded one (filesrc, videotestsrc num-buffers=N, appsrc) drops nothing.
#include <optional>
#include <string>

namespace ds::pipeline {

// nullopt: the launch string does not parse (opening it reports why).
std::optional<bool> gstreamer_pipeline_is_live(const std::string& launch);

}  // namespace ds::pipeline
