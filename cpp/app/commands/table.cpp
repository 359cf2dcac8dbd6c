#include "app/commands/commands.hpp"

namespace ds::cli {

std::vector<Command> command_table() {
  return {
      {"evaluate", "run a model over a dataset and score it (COCO metrics)", "CONFIG.yaml", 1, 1,
       {{"--model", "MODEL.yaml", "use this model config instead of the run config's model"},
        {"--output", "DIR", "write detections.json and metrics.json here (default: config's output)"},
        {"--limit", "N", "only the first N images"},
        {"--batch-size", "N", "images per model call (default: the model config's batch_size)"}},
       nullptr},
      {"score", "score a COCO results file against COCO ground truth (COCO or Pascal VOC metrics)", "", 0, 0,
       {{"--gt", "GT.json", "COCO instances file (ground truth)"},
        {"--dt", "RESULTS.json", "COCO results file (detections)"},
        {"--output", "FILE", "write metrics.json here"},
        {"--metric", "NAME", "coco (default), voc (all-point AP) or voc07 (11-point); comma-separated for several"},
        {"--iou-type", "TYPE", "bbox (the only one supported)"},
        {"--threads", "N", "worker threads (default: one per core)"},
        {"--quiet", "", "do not print the tables"}},
       run_score},
      {"convert", "write a dataset in another format (coco, voc, yolo, darknet, openimages, labelme, cvat)",
       "DATASET.yaml", 1, 1,
       {{"--to", "FORMAT", "coco, voc, yolo, darknet, openimages, labelme or cvat"},
        {"--output", "DIR", "write the dataset and DIR/dataset.yaml here"},
        {"--copy-images", "", "copy image files (default: symbolic links); never re-encoded"},
        {"--skip-bad", "", "leave out malformed records and files, and count them"}},
       run_convert},
      {"check", "count a dataset's images, boxes and classes, and list what is wrong with it", "DATASET.yaml", 1, 1,
       {{"--skip-bad", "", "leave out malformed records and files (listed as errors) and check the rest"}},
       run_check},
      {"doctor", "check the installation: Python, torch, the BLAS library torch uses", "", 0, 0,
       {},
       nullptr},
  };
}

}  // namespace ds::cli
