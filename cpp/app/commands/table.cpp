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
      {"view", "browse ground truth against a model's detections in a window", "CONFIG.yaml", 1, 1,
       {{"--model", "MODEL.yaml", "a model config; repeat to switch between models with m (default: the config's model)"},
        {"--results", "RESULTS.json", "show saved detections (COCO results) instead of running a model"},
        {"--score-threshold", "T", "hide detections scoring below T (default 0.5; [ and ] change it)"},
        {"--limit", "N", "only the first N images"},
        {"--output", "DIR", "save screenshots (s) here (default: the config's output)"}},
       nullptr},
      {"render", "draw ground truth and detections into image files (no display needed)", "CONFIG.yaml", 1, 1,
       {{"--output", "DIR", "write the pictures here (required)"},
        {"--model", "MODEL.yaml", "use this model config instead of the run config's model"},
        {"--results", "RESULTS.json", "draw saved detections (COCO results) instead of running a model"},
        {"--score-threshold", "T", "leave out detections scoring below T (default 0.5)"},
        {"--limit", "N", "only the first N images"},
        {"--errors-only", "", "only images with a false positive or a missed object"},
        {"--format", "png|jpg", "image format (default png)"}},
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
      {"convert", "write a dataset in another format (coco, voc, yolo, darknet, openimages, labelme, cvat, mot, cvat-video)",
       "DATASET.yaml", 1, 1,
       {{"--to", "FORMAT", "coco, voc, yolo, darknet, openimages, labelme, cvat, mot or cvat-video"},
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
