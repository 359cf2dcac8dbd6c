"""Random COCO ground truth and results for the calibration and f_scores parity tests, and
hotcoco (the oracle) and `detection-studio score` run on the same files."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from conftest import run_ds

# Scores on bin edges (0.29 * 100 is 28.999999999999996: bin 28 of 100, below its own lower
# bound), at 0 and 1 (the last bin holds 1.0), and repeated (ties in COCO's sort).
EDGE_SCORES = [0.0, 0.1, 0.29, 0.3, 0.5, 0.57, 0.7, 0.75, 0.9, 1.0]
# Box sizes whose areas are COCO's area-range bounds (32 * 32, 96 * 96).
BOUND_SIZES = [(32.0, 32.0), (96.0, 96.0), (10.0, 7.5)]


def random_case(seed: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A ground truth (crowd regions, images without objects, classes without ground truth)
    and detections (near the ground truth or anywhere, sometimes over 100 on an image)."""
    rng = np.random.default_rng(seed)
    cat_ids = sorted(int(c) for c in rng.choice(np.arange(1, 20), size=int(rng.integers(1, 5)),
                                                replace=False))
    image_ids = [int(i) for i in rng.choice(np.arange(1, 60), size=int(rng.integers(1, 7)),
                                            replace=False)]
    images = [{"id": i, "file_name": f"{i}.jpg", "width": 200, "height": 200} for i in image_ids]
    categories = [{"id": c, "name": f"c{c}"} for c in cat_ids]

    def box() -> list[float]:
        if rng.random() < 0.15:
            w, h = BOUND_SIZES[int(rng.integers(len(BOUND_SIZES)))]
        else:
            w, h = float(rng.uniform(1, 90)), float(rng.uniform(1, 90))
        return [float(rng.uniform(0, 120)), float(rng.uniform(0, 120)), w, h]

    annotations: list[dict[str, Any]] = []
    for img in image_ids:
        for _ in range(int(rng.integers(0, 9))):
            b = box()
            annotations.append({
                "id": len(annotations) + 1, "image_id": img,
                "category_id": int(rng.choice(cat_ids)), "bbox": b,
                "area": b[2] * b[3] if rng.random() < 0.8 else float(rng.uniform(0, 12000)),
                "iscrowd": int(rng.random() < 0.12),
            })
    results: list[dict[str, Any]] = []
    for img in image_ids:
        own = [a for a in annotations if a["image_id"] == img]
        n = int(rng.integers(0, 16)) if rng.random() < 0.85 else int(rng.integers(100, 130))
        for _ in range(n):
            if own and rng.random() < 0.6:
                a = own[int(rng.integers(len(own)))]
                x, y, w, h = a["bbox"]
                j = rng.normal(0, 0.15, 4) * np.array([w, h, w, h])
                b = [x + float(j[0]), y + float(j[1]), max(0.5, w + float(j[2])),
                     max(0.5, h + float(j[3]))]
                cat = a["category_id"] if rng.random() < 0.8 else int(rng.choice(cat_ids))
            else:
                b, cat = box(), int(rng.choice(cat_ids))
            score = (float(rng.choice(EDGE_SCORES)) if rng.random() < 0.25
                     else float(rng.uniform(0, 1)))
            results.append({"image_id": img, "category_id": cat, "bbox": b, "score": score})
    if not results:
        results.append({"image_id": image_ids[0], "category_id": cat_ids[0],
                        "bbox": [0.0, 0.0, 10.0, 10.0], "score": 0.5})
    return {"images": images, "categories": categories, "annotations": annotations}, results


def write_case(folder: Path, seed: int) -> tuple[Path, Path]:
    gt, results = random_case(seed)
    gt_file, dt_file = folder / f"gt{seed}.json", folder / f"dt{seed}.json"
    gt_file.write_text(json.dumps(gt))
    dt_file.write_text(json.dumps(results))
    return gt_file, dt_file


def hotcoco_eval(gt_file: Path, dt_file: Path) -> Any:
    """hotcoco's COCOeval (bbox) after evaluate and accumulate, quietly."""
    import hotcoco

    with contextlib.redirect_stdout(io.StringIO()):
        gt = hotcoco.COCO(str(gt_file))
        ev = hotcoco.COCOeval(gt, gt.load_res(str(dt_file)), "bbox")
        ev.evaluate()
        ev.accumulate()
    return ev


def score(gt_file: Path, dt_file: Path, out: Path, *options: str) -> dict[str, Any]:
    """metrics.json of `detection-studio score` with these options."""
    done = run_ds("score", "--gt", gt_file, "--dt", dt_file, "--output", out, "--quiet",
                  *options)
    assert done.returncode == 0, done.stderr
    metrics: dict[str, Any] = json.loads(out.read_text())
    return metrics
