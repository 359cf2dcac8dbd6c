#include "pipeline/sinks/jsonl.hpp"

#include <cerrno>
#include <cstring>

#include <unistd.h>

#include "core/util/error.hpp"
#include "core/util/json_writer.hpp"
#include "pipeline/annotate.hpp"

namespace ds::pipeline {

JsonlSink::JsonlSink(const std::filesystem::path& path, bool track_ids)
    : path_(path), track_ids_(track_ids), file_(nullptr, &std::fclose) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  file_.reset(std::fopen(path.c_str(), "w"));
  if (!file_) throw Error(path.string() + ": cannot write: " + std::strerror(errno));
}

Control JsonlSink::consume(const Result& r) {
  JsonWriter w;
  w.begin_object()
      .field("frame", static_cast<std::int64_t>(r.frame.index))
      .field("time_ms", r.frame.time_ms)
      .field("name", r.frame.name);
  if (r.frame.image) w.field("image_id", r.frame.image->id);
  w.key("detections").begin_array();
  const std::vector<Detection> dets = labelled_detections(r);
  for (const Detection& d : dets) {
    const double box[4] = {d.bbox.x, d.bbox.y, d.bbox.w, d.bbox.h};
    w.begin_object().key("bbox").value(std::span<const double>(box)).field("score", d.score);
    const auto label = static_cast<std::size_t>(d.category_id);
    w.field("label", label < r.class_names.size() ? r.class_names[label] : std::string("?"))
        .field("class_id", d.category_id);
    if (track_ids_) w.field("track_id", d.track_id);
    w.end_object();
  }
  w.end_array().end_object();
  std::string line = w.take();
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), file_.get()) != line.size() || std::fflush(file_.get()) != 0) {
    const int why = errno;
    // A full disk took part of the line: the file ends at the last whole line, for readers.
    // Closing may flush a leftover piece: the cut comes after, through a second descriptor.
    const int fd = ::dup(::fileno(file_.get()));
    file_.reset();
    if (fd >= 0) {
      [[maybe_unused]] const int cut = ::ftruncate(fd, whole_);  // the message says it is incomplete anyway
      ::close(fd);
    }
    throw Error(path_.string() + ": cannot write: " + std::strerror(why) + " (the file keeps its " +
                std::to_string(frames_) + " whole lines)");
  }
  whole_ += static_cast<long>(line.size());
  ++frames_;
  return Control::kContinue;
}

void JsonlSink::finish() {
  if (file_ && std::fclose(file_.release()) != 0)
    throw Error(path_.string() + ": cannot write: " + std::strerror(errno));
}

}  // namespace ds::pipeline
