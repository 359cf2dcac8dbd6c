"""Realistic metrics.json documents and galleries for the report tests (and docs/report.png).

``make_run`` simulates a detector on a dataset (scores of true and false positives, the IoU of
each true positive) and derives every field of metrics.json from that one simulation, the way
the C++ side does: COCO's interpolated precision at 101 recall points per IoU threshold, AP,
raw precision / recall / F1 against the score threshold and the best F1, a confusion matrix,
TIDE numbers, per-image counts. So the numbers agree with each other, as real ones do.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA_FILE = Path(__file__).parent / "data" / "schema_coco_bbox.json"
CLASS_NAMES = ["person", "car", "bicycle", "dog", "traffic light", "bus", "cat", "chair"]
IOUS = np.linspace(0.5, 0.95, 10)
RECALLS = np.linspace(0.0, 1.0, 101)
GRID = [round(i / 100, 2) for i in range(101)]


def _interpolated(tp: np.ndarray, n_gt: int) -> np.ndarray:
    """COCO's precision at the 101 recall points for detections sorted by score."""
    if n_gt == 0:
        return np.full(101, -1.0)
    ctp = np.cumsum(tp)
    cfp = np.cumsum(~tp)
    recall = ctp / n_gt
    precision = ctp / np.maximum(ctp + cfp, 1)
    precision = np.maximum.accumulate(precision[::-1])[::-1] if len(precision) else precision
    out = np.zeros(101)
    idx = np.searchsorted(recall, RECALLS, side="left")
    ok = idx < len(recall)
    out[ok] = precision[idx[ok]]
    return out


def _thresholds(scores: np.ndarray, tp: np.ndarray, n_gt: int) -> dict[str, Any]:
    precision: list[float | None] = []
    recall: list[float | None] = []
    f1: list[float | None] = []
    for s in GRID:
        keep = scores >= s
        n = int(keep.sum())
        t = int(tp[keep].sum())
        if n == 0:
            precision.append(None)
            recall.append(None)
            f1.append(None)
            continue
        p, r = t / n, (t / n_gt if n_gt else 0.0)
        precision.append(p)
        recall.append(r)
        f1.append(2 * p * r / (p + r) if p + r > 0 else 0.0)
    valid = [(v, i) for i, v in enumerate(f1) if v is not None]
    best = None
    if valid:
        v, i = max(valid, key=lambda x: (x[0], -x[1]))
        best = {"score": GRID[i], "precision": precision[i], "recall": recall[i], "f1": v}
    return {"best": best, "precision": precision, "recall": recall, "f1": f1}


def make_run(n_classes: int = 5, seed: int = 0, quality: float = 1.0, model: str = "fcos_demo",
             n_images: int = 60) -> dict[str, Any]:
    """One run's metrics.json with every field filled."""
    rng = np.random.default_rng(seed)
    data_rng = np.random.default_rng(1234)  # the dataset is the same whatever the model
    names = [CLASS_NAMES[i % len(CLASS_NAMES)] + (f" {i // len(CLASS_NAMES)}"
                                                  if i >= len(CLASS_NAMES) else "")
             for i in range(n_classes)]
    per_class, pr_classes, th_classes = [], [], []
    all_scores, all_tp = [], []
    total_gt = total_dets = 0
    gts = [int(g) for g in data_rng.integers(20, 160, n_classes)]
    for c, name in enumerate(names):
        n_gt = gts[c]
        skill = float(np.clip(rng.normal(0.8, 0.07) * quality, 0.2, 0.97))
        n_tp = round(n_gt * skill)
        n_fp = int(rng.integers(10, 50) / quality)
        tp_scores = rng.beta(2 + 5 * skill, 1.6, n_tp)
        scores = np.concatenate([tp_scores, rng.beta(2.0, 3.2, n_fp)])
        is_tp = np.concatenate([np.ones(n_tp, bool), np.zeros(n_fp, bool)])
        # better-scored true positives sit better on their objects
        tp_iou = 0.55 + 0.42 * tp_scores * skill + rng.normal(0, 0.08, n_tp)
        iou = np.concatenate([np.clip(tp_iou, 0.5, 0.98), np.zeros(n_fp)])
        order = np.argsort(-scores, kind="stable")
        scores, is_tp, iou = scores[order], is_tp[order], iou[order]
        curves = np.array([_interpolated(is_tp & (iou >= t), n_gt) for t in IOUS])
        ap_t = curves.mean(axis=1)
        ar = float(np.mean([(is_tp & (iou >= t)).sum() / n_gt for t in IOUS]))
        ap = float(ap_t.mean())
        cid = c + 1
        per_class.append({
            "category_id": cid, "name": name, "AP": ap, "AP50": float(ap_t[0]),
            "AP75": float(ap_t[5]),
            "APs": -1.0 if c == 2 else float(np.clip(ap - 0.15, 0, 1)),
            "APm": float(np.clip(ap + rng.normal(0, 0.03), 0, 1)),
            "APl": float(np.clip(ap + 0.08, 0, 1)), "AR": ar,
            "gt": n_gt, "detections": len(scores),
        })
        pr_classes.append({"category_id": cid, "name": name,
                           "precision_iou50": curves[0].tolist(),
                           "precision_iou75": curves[5].tolist(),
                           "precision_mean": curves.mean(axis=0).tolist()})
        th = _thresholds(scores, is_tp, n_gt)
        th_classes.append({"category_id": cid, "name": name, "gt": n_gt,
                           "detections": len(scores), **th})
        all_scores.append(scores)
        all_tp.append(is_tp)
        total_gt += n_gt
        total_dets += len(scores)
    scores = np.concatenate(all_scores)
    tp = np.concatenate(all_tp)
    overall = _thresholds(scores, tp, total_gt)
    thr = overall["best"]["score"] if overall["best"] else 0.5

    k = n_classes
    counts = np.zeros((k + 1, k + 1), dtype=int)
    for c in range(k):
        kept_tp = int((all_tp[c] & (all_scores[c] >= thr)).sum())
        kept_fp = int((~all_tp[c] & (all_scores[c] >= thr)).sum())
        confused = int(rng.integers(0, max(2, kept_fp // 3)))
        other = (c + 1) % k
        counts[c, c] = kept_tp
        counts[c, other] += confused
        counts[k, c] += max(kept_fp - confused, 0)
        counts[c, k] = max(gts[c] - kept_tp - confused, 0)
    sums = counts.sum(axis=1)
    normalized = [None if s == 0 else (row / s).tolist() for row, s in zip(counts, sums)]

    stats = [float(np.mean([p[key] for p in per_class])) for key in ("AP", "AP50", "AP75")]
    aps = [p["APs"] for p in per_class if p["APs"] >= 0]
    stats += [float(np.mean(aps)) if aps else -1.0,
              float(np.mean([p["APm"] for p in per_class])),
              float(np.mean([p["APl"] for p in per_class]))]
    ar100 = float(np.mean([p["AR"] for p in per_class]))
    stats += [ar100 * 0.45, ar100 * 0.9, ar100, ar100 * 0.7, ar100 * 0.95, ar100 * 1.02]
    stats = [min(v, 1.0) if v >= 0 else v for v in stats]
    coco_names = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs",
                  "ARm", "ARl"]

    images = []
    for i in range(n_images):
        images.append({"image_id": i + 1, "file_name": f"val/{i + 1:06d}.jpg",
                       "tp": int(rng.integers(0, 9)), "fp": int(rng.integers(0, 5 + i % 4)),
                       "fn": int(rng.integers(0, 4))})
    worst = [im["image_id"] for im in sorted(images, key=lambda im: (-(im["fp"] + im["fn"]),
                                                                    im["image_id"]))][:12]
    wall = n_images / (18.0 * quality)
    run: dict[str, Any] = {
        "config": "/work/configs/demo.yaml",
        "model": model,
        "model_config": f"/work/configs/models/{model}.yaml",
        "dataset": "datasets/shapes (val)",
        "images": n_images,
        "detections": int(total_dets),
        "timings": {"wall_seconds": wall, "decode_seconds": wall * 0.18,
                    "model_seconds": wall * 0.7, "postprocess_seconds": wall * 0.02,
                    "scoring_seconds": wall * 0.05, "frames": n_images,
                    "frames_per_second": n_images / wall,
                    "steady_frames_per_second": n_images / wall * 1.1,
                    "model_ms_per_frame": 1000 * wall * 0.7 / n_images},
        "versions": {"detection_studio": "0.1.0", "python": "3.11.2", "torch": "2.14.1",
                     "torchvision": "0.29.1", "numpy": "2.4.6"},
        "skipped_images": [],
        "coco_stats": stats,
        **dict(zip(coco_names, stats)),
        "per_class": per_class,
        "pr_curves": {"recall_thresholds": RECALLS.tolist(), "classes": pr_classes},
        "thresholds": {"iou": 0.5, "score_grid": GRID, "overall": overall,
                       "classes": th_classes},
        "confusion": {"iou": 0.5, "score_threshold": thr, "labels": [*names, "background"],
                      "counts": counts.tolist(), "normalized": normalized},
        "tide": _tide(rng, quality),
        "per_image": {"iou": 0.5, "score_threshold": thr, "images": images, "worst": worst},
        "schema": schema(),
    }
    return run


def schema() -> dict[str, Any]:
    """What `score` describes for COCO bbox with every analysis: a copy of a real run's schema
    (test_report_runs checks it still equals what score writes)."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _tide(rng: np.random.Generator, quality: float) -> dict[str, Any]:
    main = {"Cls": 2.1, "Loc": 6.4, "Both": 0.7, "Dupe": 0.3, "Bkg": 3.2, "Miss": 4.8}
    main = {k: round(float(v / quality * rng.uniform(0.8, 1.2)), 3) for k, v in main.items()}
    return {"main": main, "special": {"FalsePos": round(main["Bkg"] * 2.1, 3),
                                      "FalseNeg": round(main["Miss"] * 1.6, 3)},
            "ap50": round(80.0 * quality, 3),
            "counts": {"Cls": 41, "Loc": 120, "Both": 9, "Dupe": 6, "Bkg": 77, "Miss": 58}}


def make_jpeg(seed: int, width: int = 320, height: int = 240) -> str:
    """A small picture with boxes drawn the way `render` colours them, as base64 JPEG."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (width, height), (236, 239, 243))
    d = ImageDraw.Draw(img)
    for _ in range(5):
        x, y = int(rng.integers(0, width - 60)), int(rng.integers(0, height - 60))
        w, h = int(rng.integers(25, 70)), int(rng.integers(25, 70))
        colour = tuple(int(v) for v in rng.integers(60, 200, 3))
        d.ellipse([x, y, x + w, y + h], fill=colour)
    for colour in ((0, 170, 80), (230, 70, 20), (150, 60, 200)):  # TP, FP, FN
        x, y = int(rng.integers(0, width - 80)), int(rng.integers(0, height - 70))
        d.rectangle([x, y, x + 70, y + 60], outline=colour, width=3)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def make_gallery(run: dict[str, Any], n: int = 6) -> list[dict[str, Any]]:
    by_id = {im["image_id"]: im for im in run["per_image"]["images"]}
    return [{**by_id[i], "jpeg_base64": make_jpeg(i)} for i in run["per_image"]["worst"][:n]]
