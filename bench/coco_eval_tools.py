"""One evaluation, whole process, as each peer library's users run it: load the ground truth
and the results file, evaluate, accumulate, summarize. Writes the stats (12; 10 for keypoints) as
JSON (exact doubles) to the path given. Run as:
python coco_eval_tools.py TOOL GT.json RESULTS.json STATS.json [bbox|segm|keypoints|boundary]
(boundary: faster-coco-eval and detection_studio.coco only, at their default dilation ratio 0.02)"""

from __future__ import annotations

import json
import sys


def main() -> None:
    tool, gt_file, dt_file, out = sys.argv[1:5]
    iou_type = sys.argv[5] if len(sys.argv) > 5 else "bbox"
    if tool == "pycocotools":
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    elif tool == "faster-coco-eval":
        from faster_coco_eval import COCO
        from faster_coco_eval import COCOeval_faster as COCOeval
    elif tool == "hotcoco":
        from hotcoco import COCO, COCOeval
    elif tool == "ultrafast-pycocotools":
        from ultrafast_pycocotools import COCO, COCOeval
    elif tool == "detection_studio.coco":
        from detection_studio.coco import COCO, COCOeval
    else:
        raise SystemExit(f"unknown tool {tool}")
    gt = COCO(gt_file)
    dt = gt.loadRes(dt_file)
    ev = COCOeval(gt, dt, iou_type)
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    with open(out, "w") as f:
        json.dump([float(v) for v in ev.stats], f)


if __name__ == "__main__":
    main()
