"""One LVIS bbox evaluation by one tool, for bench/bench_lvis.py (each in its own process):
`python lvis_eval_tools.py TOOL GT.json RESULTS.json OUT.json` writes LVISEval's 13 results
(AP, AP50, AP75, APs, APm, APl, APr, APc, APf, AR@300, ARs@300, ARm@300, ARl@300) as a list."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from typing import Any

KEYS = ["AP", "AP50", "AP75", "APs", "APm", "APl", "APr", "APc", "APf",
        "AR@300", "ARs@300", "ARm@300", "ARl@300"]


def lvis_api(gt: str, dt: str) -> list[float]:
    import numpy as np

    np.float = float  # type: ignore[attr-defined]  # lvis-api 0.5.3 predates NumPy 1.24
    from lvis import LVIS, LVISEval

    ev = LVISEval(LVIS(gt), dt, "bbox")
    ev.run()
    return [float(ev.results[k]) for k in KEYS]


def faster_coco_eval(gt: str, dt: str) -> list[float]:
    from faster_coco_eval import COCO, COCOeval_faster

    coco_gt = COCO(gt)
    ev = COCOeval_faster(coco_gt, coco_gt.loadRes(dt), "bbox", lvis_style=True, print_function=print)
    ev.params.maxDets = [300]
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    s = {k: float(v) for k, v in ev.stats_as_dict.items()}
    return [s[k] for k in ("AP_all", "AP_50", "AP_75", "AP_small", "AP_medium", "AP_large", "APr", "APc",
                           "APf", "AR_all", "AR_small", "AR_medium", "AR_large")]


def hotcoco(gt: str, dt: str) -> list[float]:
    import hotcoco as hc

    coco_gt = hc.LVIS(gt)
    ev = hc.LVISEval(coco_gt, hc.LVISResults(coco_gt, dt), "bbox")
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    results: dict[str, Any] = ev.get_results()
    return [float(results[k]) for k in KEYS]


TOOLS = {"lvis-api": lvis_api, "faster-coco-eval": faster_coco_eval, "hotcoco": hotcoco}


def main() -> None:
    tool, gt, dt, out = sys.argv[1:5]
    with contextlib.redirect_stdout(io.StringIO()):
        stats = TOOLS[tool](gt, dt)
    with open(out, "w") as f:
        json.dump(stats, f)


if __name__ == "__main__":
    main()
