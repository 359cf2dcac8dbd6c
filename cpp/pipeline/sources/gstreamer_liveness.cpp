#include "pipeline/sources/gstreamer_liveness.hpp"

#include <gst/base/gstbasesrc.h>
#include <gst/gst.h>

#include <array>
#include <memory>
#include <string_view>

namespace ds::pipeline {
namespace {

struct Unref {
  void operator()(GstElement* e) const { gst_object_unref(e); }
};

// Sources that are bins rather than base sources (rtspsrc, uridecodebin, ...) are asked for the
// address they read: a network scheme that streams in real time is live.
bool live_address(GstElement* element) {
  for (const char* property : {"location", "uri"}) {
    if (!g_object_class_find_property(G_OBJECT_GET_CLASS(element), property)) continue;
    const GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), property);
    if (spec->value_type != G_TYPE_STRING) continue;
    gchar* value = nullptr;
    g_object_get(element, property, &value, nullptr);
    const std::string address = value ? value : "";
    g_free(value);
    static constexpr std::array<std::string_view, 7> kLive{"rtsp://", "rtsps://", "rtmp://", "rtmps://",
                                                           "udp://",  "srt://",   "rtp://"};
    for (const std::string_view scheme : kLive)
      if (address.starts_with(scheme)) return true;
  }
  return false;
}

bool element_is_live(GstElement* element) {
  if (GST_IS_BASE_SRC(element)) return gst_base_src_is_live(GST_BASE_SRC(element));
  if (GST_OBJECT_FLAG_IS_SET(element, GST_ELEMENT_FLAG_SOURCE) || GST_IS_BIN(element)) return live_address(element);
  return false;
}

}  // namespace

std::optional<bool> gstreamer_pipeline_is_live(const std::string& launch) {
  if (!gst_init_check(nullptr, nullptr, nullptr)) return std::nullopt;
  GError* error = nullptr;
  GstElement* parsed = gst_parse_launch(launch.c_str(), &error);
  if (error) {
    g_error_free(error);
    if (parsed) gst_object_unref(parsed);
    return std::nullopt;
  }
  if (!parsed) return std::nullopt;
  const std::unique_ptr<GstElement, Unref> root(parsed);
  if (!GST_IS_BIN(root.get())) return element_is_live(root.get());
  bool live = false;
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(root.get()));
  GValue item = G_VALUE_INIT;
  for (bool more = true; more && !live;) {
    switch (gst_iterator_next(it, &item)) {
      case GST_ITERATOR_OK:
        live = element_is_live(GST_ELEMENT(g_value_get_object(&item)));
        g_value_reset(&item);
        break;
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync(it);
        break;
      default:
        more = false;
    }
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  return live;
}

}  // namespace ds::pipeline
