"""Random COCO mask cases for the boundary IoU parity tests, scored by faster-coco-eval 1.8.0
(the oracle): polygons and RLE (mask_cases' generators), images from 6 x 6 to 300 x 300 (so the
dilation at 0.02 is 1 to 8 pixels), crowd regions, empty masks, tiny masks (1 to 3 pixels),
masks filling the image or touching its border, detections that are the ground truth moved by a
pixel (their boundary IoU is far below their mask IoU), tied scores.

Images at most 2 * dilation pixels high are left out: there nothing survives the erosion (the
boundary is the whole mask, as cv2.erode gives it), but faster-coco-eval's erosion reads pixels
of the neighbouring columns as if they were above and below (docs/metrics.md)."""

from __future__ import annotations

import contextlib
import io
import json
import math
from typing import Any

import numpy as np
from mask_cases import _blob, _polygons, _rle
from pycocotools import mask as mask_utils


def dilation(h: int, w: int, ratio: float) -> int:
    """faster-coco-eval's erosion radius: round(ratio * diagonal - 1e-10), at least 1."""
    d = ratio * math.sqrt(h * h + w * w) - 1e-10
    return max(1, math.floor(d + 0.5))  # C's round() for positive numbers


def _image_size(rng: np.random.Generator, ratio: float) -> tuple[int, int]:
    while True:
        kind = rng.choice(["small", "medium", "large"], p=[0.4, 0.4, 0.2])
        lo, hi = {"small": (6, 60), "medium": (60, 160), "large": (160, 300)}[str(kind)]
        h, w = int(rng.integers(lo, hi)), int(rng.integers(lo, hi))
        if h > 2 * dilation(h, w, ratio):
            return h, w


def _mask(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    kind = rng.choice(["blob", "blob", "tiny", "full", "border"])
    if kind == "blob":
        return _blob(rng, h, w)
    m = np.zeros((h, w), np.uint8)
    if kind == "tiny":  # one to three pixels, anywhere (corners too)
        for _ in range(int(rng.integers(1, 4))):
            m[int(rng.integers(0, h)), int(rng.integers(0, w))] = 1
    elif kind == "full":
        m[:] = 1
    else:  # a band along one side of the image
        side, depth = int(rng.integers(0, 4)), int(rng.integers(1, max(2, min(h, w) // 2)))
        band = {0: np.s_[:depth, :], 1: np.s_[-depth:, :], 2: np.s_[:, :depth], 3: np.s_[:, -depth:]}[side]
        m[band] = 1
    return m


def make_boundary_case(seed: int, ratio: float = 0.02) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rng = np.random.default_rng(seed)
    images, annotations = [], []
    n_cats = int(rng.integers(1, 4))
    categories = [{"id": c + 1, "name": f"c{c + 1}"} for c in range(n_cats)]
    masks: dict[int, list[tuple[int, np.ndarray]]] = {}
    for i in range(int(rng.integers(1, 5))):
        h, w = _image_size(rng, ratio)
        image_id = i + 1
        images.append({"id": image_id, "file_name": f"{image_id}.jpg", "height": h, "width": w})
        masks[image_id] = []
        for _ in range(int(rng.integers(0, 6))):
            cat = int(rng.integers(1, n_cats + 1))
            kind = rng.choice(["poly", "poly", "rle", "rle_counts", "crowd", "empty"])
            crowd = kind == "crowd"
            if kind == "poly":
                seg: Any = _polygons(rng, h, w)
                m = mask_utils.decode(mask_utils.merge(mask_utils.frPyObjects(seg, h, w)))
            else:
                m = np.zeros((h, w), np.uint8) if kind == "empty" else _mask(rng, h, w)
                seg = _rle(m, compressed=kind in ("rle", "empty") or (crowd and rng.random() < 0.5))
            area = float(m.sum()) if rng.random() < 0.9 else float(rng.uniform(0, 12000))
            box = [float(v) for v in mask_utils.toBbox(mask_utils.encode(np.asfortranarray(m)))]
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": cat,
                                "segmentation": seg, "area": area, "bbox": box, "iscrowd": int(crowd)})
            masks[image_id].append((cat, m))
    results: list[dict[str, Any]] = []
    with_boxes = rng.random() < 0.3
    scores = [0.1, 0.5, 0.9] if rng.random() < 0.3 else None
    for im in images:
        h, w = im["height"], im["width"]
        candidates = [(c, m) for c, m in masks[im["id"]] if rng.random() < 0.8]
        candidates += [(int(rng.integers(1, n_cats + 1)), _mask(rng, h, w))
                       for _ in range(int(rng.integers(0, 4)))]
        for cat, m in candidates:
            # The ground truth moved by up to 2 pixels, sometimes cut: boundary IoU tells these apart.
            d = np.roll(m, (int(rng.integers(-2, 3)), int(rng.integers(-2, 3))), axis=(0, 1))
            if rng.random() < 0.3:
                d = d.copy()
                d[:, : int(rng.integers(0, w))] = 0
            rec: dict[str, Any] = {"image_id": im["id"], "category_id": cat,
                                   "score": float(rng.choice(scores) if scores else rng.random()),
                                   "segmentation": _rle(d)}
            if with_boxes:
                rec["bbox"] = [float(v) for v in mask_utils.toBbox(mask_utils.encode(np.asfortranarray(d)))]
                if rng.random() < 0.15:
                    del rec["segmentation"]  # scored as its box's polygon
            results.append(rec)
    if not results:  # the oracle cannot load an empty result list
        im = images[0]
        results.append({"image_id": im["id"], "category_id": 1, "score": 0.5,
                        "segmentation": _rle(_blob(rng, im["height"], im["width"]))})
    return {"images": images, "annotations": annotations, "categories": categories}, results


def faster_coco_eval_boundary(gt: dict[str, Any], results: list[dict[str, Any]],
                              ratio: float = 0.02) -> Any:
    """The oracle: faster-coco-eval's COCOeval(iouType="boundary") after summarize()."""
    from faster_coco_eval import COCO, COCOeval_faster

    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(json.loads(json.dumps(gt)), print_function=lambda *_: None)
        dt = coco.loadRes(json.loads(json.dumps(results)))
        e = COCOeval_faster(coco, dt, "boundary", boundary_dilation_ratio=ratio,
                            print_function=lambda *_: None)
        e.evaluate()
        e.accumulate()
        e.summarize()
    return e
