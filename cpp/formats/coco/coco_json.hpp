#pragma once
// COCO instances JSON (ground truth) and COCO results JSON (detections), read and written.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/dataset/dataset.hpp"

namespace ds::coco {

// Reads a COCO instances file. Images are looked up under `image_dir`.
Dataset read_instances(const std::filesystem::path& annotations,
                       const std::filesystem::path& image_dir);
// The same; with `skip_bad`, records with a missing field or a negative box size are left out
// and noted in Dataset::skipped (syntax and type errors still stop the read).
Dataset read_instances_file(const std::filesystem::path& annotations,
                            const std::filesystem::path& image_dir, bool skip_bad);
// With `masks`, each annotation's 'segmentation' is read and checked too (Annotation::
// segmentation); without, it is skipped (box metrics do not need it and it is most of the file).
Dataset read_instances_file(const std::filesystem::path& annotations,
                            const std::filesystem::path& image_dir, bool skip_bad, bool masks);

// The same from JSON text in memory; `label` names it in messages.
Dataset read_instances_text(std::string_view json, const std::string& label, bool masks = false);

// Reads a COCO results file: a JSON array of {image_id, category_id, bbox, score}. A file
// larger than `split_above` bytes is read on two threads, each its half in pieces of about
// `piece_bytes` (simdjson's index grows with what it parses at once).
inline constexpr std::size_t kSplitResultsAbove = 4u << 20;
inline constexpr std::size_t kResultsPieceBytes = 64u << 20;
std::vector<Detection> read_results(const std::filesystem::path& results,
                                    std::size_t split_above = kSplitResultsAbove,
                                    std::size_t piece_bytes = kResultsPieceBytes);
// A results file read a piece of text at a time (boxes only, as read_results reads it), for
// scoring files too large to hold (coco::stream_evaluate): memory is a piece, not the file.
// next() throws ds::Error when a piece is not a list of detections; its line and column are
// then the piece's, so the caller reads the file with read_results, which words the error (a
// cut inside a string would fail the same way, and read_results reads such a file right).
class ResultsStream {
 public:
  explicit ResultsStream(const std::filesystem::path& results, std::size_t piece_bytes = 4u << 20);
  // The next piece's detections, in file order, into `out` (cleared first); false at the end.
  bool next(std::vector<Detection>& out);

 private:
  struct Close {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::filesystem::path path_;
  std::unique_ptr<std::FILE, Close> file_;
  std::size_t piece_bytes_;
  std::string text_;  // read, not yet parsed
  bool started_ = false, ended_ = false;
};

// The same with each record's 'segmentation' (an RLE, or polygons) read into
// Detection::segmentation, as pycocotools' loadRes takes it: when the first record has a
// 'bbox', every record needs one and the box gives the area; when it has none, every record
// needs a 'segmentation', the box comes from the mask and the area is the mask's.
std::vector<Detection> read_mask_results(const std::filesystem::path& results);
// The same from JSON text in memory; `label` names it in messages.
std::vector<Detection> read_mask_results_text(std::string_view json, const std::string& label);

// Keypoint results: each record's 'keypoints' ([x, y, v] * K, finite) and 'score', as
// pycocotools' loadRes takes them: when the first record has a 'bbox', every record needs one
// and the box gives the area; when it has none, the box is the keypoints' extent (min to max
// of every keypoint's x and y) and the area its w * h.
std::vector<Detection> read_keypoint_results(const std::filesystem::path& results);
std::vector<Detection> read_keypoint_results_text(std::string_view json, const std::string& label);

// Any results file, as render, view and merge read one: masks as read_mask_results reads them,
// and each record's 'keypoints' where it has them (checked as read_keypoint_results checks
// them); a record with keypoints and no 'bbox' (when the first has none) and no mask gets its
// keypoints' extent as its box, as pycocotools' loadRes does.
std::vector<Detection> read_full_results(const std::filesystem::path& results);
std::vector<Detection> read_full_results_text(std::string_view json, const std::string& label);

std::string instances_json(const Dataset& dataset);
std::string results_json(std::span<const Detection> detections);

}  // namespace ds::coco
