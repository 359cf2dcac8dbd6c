#pragma once
// `detect --export-dataset DIR --format F`: footage turned into a dataset to correct in CVAT or
// LabelMe: each processed frame as a JPEG, the detections as pre-labels, written by the
// format's own writer. Frames are staged beside DIR and the dataset is written when the run
// ends (an interrupted run exports what it saw).
#include <filesystem>
#include <string>

#include "core/dataset/dataset.hpp"
#include "pipeline/sink.hpp"

namespace ds::pipeline {

class DatasetExportSink final : public Sink {
 public:
  DatasetExportSink(std::filesystem::path dir, std::string format);
  ~DatasetExportSink() override;
  std::string_view stage() const override { return "exporting"; }
  Control consume(const Result& result) override;
  void finish() override;
  std::size_t images() const { return dataset_.images.size(); }
  std::size_t boxes() const { return dataset_.annotations.size(); }

 private:
  std::filesystem::path dir_, staging_;
  std::string format_;
  Dataset dataset_;
  std::int64_t label_offset_ = 1;
  bool finished_ = false;
};

}  // namespace ds::pipeline
