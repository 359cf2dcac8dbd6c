#include "pipeline/sinks/journal.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/mask/rle.hpp"
#include "core/mask/segmentation.hpp"
#include "core/eval/journal.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/json_writer.hpp"

namespace fs = std::filesystem;

namespace ds::pipeline {
namespace {

void append_number(std::string& out, double v) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact form
  out.append(buf, res.ptr);
}

}  // namespace

JournalSink::JournalSink(fs::path path, const std::string& run, ClassMapping mapping, bool append)
    : path_(std::move(path)), mapping_(std::move(mapping)), file_(nullptr, &std::fclose) {
  std::error_code ec;
  if (path_.has_parent_path()) fs::create_directories(path_.parent_path(), ec);
  file_.reset(std::fopen(path_.c_str(), append ? "a" : "w"));
  if (!file_) throw Error(path_.string() + ": cannot write the journal: " + std::strerror(errno));
  if (!append) write_line(journal_header(run));
}

Control JournalSink::consume(const Result& r) {
  if (!r.frame.image) throw Error("internal: the journal needs dataset frames");
  std::size_t dropped = 0;
  const std::vector<Detection> dets = host::to_detections(r.frame.image->id, r.detections, mapping_, dropped);
  images_ += images_.empty() ? "[" : ",[";
  images_ += std::to_string(r.frame.image->id) + ",[";
  for (std::size_t i = 0; i < dets.size(); ++i) {
    const Detection& d = dets[i];
    if (i > 0) images_ += ',';
    images_ += std::to_string(d.category_id);
    for (const double v : {d.bbox.x, d.bbox.y, d.bbox.w, d.bbox.h, d.score}) {
      images_ += ',';
      append_number(images_, v);
    }
  }
  images_ += "]";
  // Masks, when the model gives them: [h, w, "counts"] per detection, null for none. Then
  // keypoints, when it gives them: [x, y, v, ...] per detection, null for none (the masks'
  // place is null when there are keypoints and no masks).
  const bool masks = std::any_of(dets.begin(), dets.end(), [](const Detection& d) { return d.segmentation && d.segmentation->rle; });
  const bool keypoints = std::any_of(dets.begin(), dets.end(), [](const Detection& d) { return !d.keypoints.empty(); });
  if (keypoints && !masks) images_ += ",null";
  if (masks) {
    images_ += ",[";
    for (std::size_t i = 0; i < dets.size(); ++i) {
      if (i > 0) images_ += ',';
      const auto& s = dets[i].segmentation;
      if (!s || !s->rle) {
        images_ += "null";
        continue;
      }
      images_ += "[" + std::to_string(s->rle->h) + "," + std::to_string(s->rle->w) + ",";
      append_json_string(images_, mask::to_string(*s->rle));
      images_ += "]";
    }
    images_ += "]";
  }
  if (keypoints) {
    images_ += ",[";
    for (std::size_t i = 0; i < dets.size(); ++i) {
      if (i > 0) images_ += ',';
      if (dets[i].keypoints.empty()) {
        images_ += "null";
        continue;
      }
      images_ += '[';
      for (std::size_t k = 0; k < dets[i].keypoints.size(); ++k) {
        if (k > 0) images_ += ',';
        append_number(images_, dets[i].keypoints[k]);
      }
      images_ += ']';
    }
    images_ += "]";
  }
  images_ += "]";
  next_ = std::max(next_, r.frame.index + 1);
  return Control::kContinue;
}

void JournalSink::skipped(const Frame& f) {
  skipped_ += skipped_.empty() ? "[" : ",[";
  skipped_ += std::to_string(f.image ? f.image->id : -1) + ",";
  append_json_string(skipped_, f.error);
  skipped_ += "]";
  next_ = std::max(next_, f.index + 1);
}

void JournalSink::end_batch() {
  if (images_.empty() && skipped_.empty()) return;
  write_line("{\"images\":[" + images_ + "],\"skipped\":[" + skipped_ + "],\"next\":" + std::to_string(next_) + "}");
  images_.clear();
  skipped_.clear();
}

void JournalSink::finish() {
  if (!file_) return;
  end_batch();  // frames skipped after the last batch
  if (std::fclose(file_.release()) != 0) throw Error(path_.string() + ": cannot write the journal: " + std::strerror(errno));
}

void JournalSink::remove() {
  std::error_code ec;
  fs::remove(path_, ec);
}

void JournalSink::write_line(const std::string& json) {
  const std::string line = journal_line(json);
  // Synced per batch: after a power loss the journal holds every batch that was reported done.
  if (std::fwrite(line.data(), 1, line.size(), file_.get()) != line.size() || std::fflush(file_.get()) != 0 ||
      ::fdatasync(::fileno(file_.get())) != 0)
    throw Error(path_.string() + ": cannot write the journal: " + std::strerror(errno));
}

}  // namespace ds::pipeline
