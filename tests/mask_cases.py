"""Random COCO mask cases for the segm parity tests: polygons (several parts, repeated vertices,
vertices beyond the border), RLE compressed and uncompressed, masks
with holes, crowd regions, empty masks, images of different sizes, results with and without
boxes (pycocotools' loadRes reads those two differently), tied scores."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def _blob(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    m = np.zeros((h, w), dtype=np.uint8)
    for _ in range(int(rng.integers(1, 4))):
        y0, x0 = int(rng.integers(-3, h)), int(rng.integers(-3, w))
        m[max(y0, 0):y0 + int(rng.integers(1, h + 1)), max(x0, 0):x0 + int(rng.integers(1, w + 1))] = 1
    if rng.random() < 0.4:  # a hole
        y0, x0 = int(rng.integers(0, h)), int(rng.integers(0, w))
        m[y0:y0 + int(rng.integers(1, 6)), x0:x0 + int(rng.integers(1, 6))] = 0
    return m


def _rle(m: np.ndarray, compressed: bool = True) -> dict[str, Any]:
    r = mask_utils.encode(np.asfortranarray(m))
    if compressed:
        return {"size": [int(v) for v in r["size"]], "counts": r["counts"].decode("ascii")}
    flat = m.flatten(order="F")
    counts, value, run = [], 0, 0
    for v in flat:
        if v != value:
            counts.append(run)
            run, value = 0, int(v)
        run += 1
    counts.append(run)
    return {"size": [int(m.shape[0]), int(m.shape[1])], "counts": counts}


def _polygons(rng: np.random.Generator, h: int, w: int) -> list[list[float]]:
    parts = []
    for _ in range(int(rng.integers(1, 4))):
        n = int(rng.integers(3, 8))
        xs = rng.uniform(-2, w + 2, n)
        ys = rng.uniform(-2, h + 2, n)
        if rng.random() < 0.3:
            xs, ys = np.round(xs), np.round(ys)
        pts = [float(v) for xy in zip(xs, ys, strict=True) for v in xy]
        if rng.random() < 0.2:  # a repeated vertex (maskApi divides 0 by 0 there)
            pts[2:2] = pts[0:2]
        parts.append(pts)
    return parts


def make_case(seed: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rng = np.random.default_rng(seed)
    images, annotations = [], []
    n_cats = int(rng.integers(1, 4))
    categories = [{"id": c + 1, "name": f"c{c + 1}"} for c in range(n_cats)]
    masks: dict[int, list[tuple[int, np.ndarray]]] = {}
    for i in range(int(rng.integers(1, 5))):
        big = rng.random() < 0.35
        h = int(rng.integers(90, 140)) if big else int(rng.integers(6, 60))
        w = int(rng.integers(90, 140)) if big else int(rng.integers(6, 60))
        image_id = i + 1
        images.append({"id": image_id, "file_name": f"{image_id}.jpg", "height": h, "width": w})
        masks[image_id] = []
        for _ in range(int(rng.integers(0, 5))):
            cat = int(rng.integers(1, n_cats + 1))
            kind = rng.choice(["poly", "poly", "rle", "rle_counts", "crowd", "empty"])
            crowd = kind == "crowd"
            if kind == "poly":
                seg: Any = _polygons(rng, h, w)
                rle = mask_utils.merge(mask_utils.frPyObjects(seg, h, w))
                m = mask_utils.decode(rle)
            else:
                m = np.zeros((h, w), np.uint8) if kind == "empty" else _blob(rng, h, w)
                seg = _rle(m, compressed=kind in ("rle", "empty") or (crowd and rng.random() < 0.5))
            area = float(m.sum()) if rng.random() < 0.9 else float(rng.uniform(0, 12000))
            box = [float(v) for v in mask_utils.toBbox(mask_utils.encode(np.asfortranarray(m)))]
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": cat,
                                "segmentation": seg, "area": area, "bbox": box, "iscrowd": int(crowd)})
            masks[image_id].append((cat, m))
    results: list[dict[str, Any]] = []
    with_boxes = rng.random() < 0.5
    scores = [0.1, 0.5, 0.9] if rng.random() < 0.4 else None
    for im in images:
        h, w = im["height"], im["width"]
        candidates = [(c, m) for c, m in masks[im["id"]] if rng.random() < 0.75]
        candidates += [(int(rng.integers(1, n_cats + 1)), _blob(rng, h, w))
                       for _ in range(int(rng.integers(0, 4)))]
        for cat, m in candidates:
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
    if not results:  # pycocotools cannot load an empty result list
        im = images[0]
        results.append({"image_id": im["id"], "category_id": 1, "score": 0.5,
                        "segmentation": _rle(_blob(rng, im["height"], im["width"]))})
        if with_boxes:
            results[0]["bbox"] = [0.0, 0.0, 1.0, 1.0]
    return {"images": images, "annotations": annotations, "categories": categories}, results


def pycocotools_segm(gt: dict[str, Any], results: list[dict[str, Any]]) -> COCOeval:
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = json.loads(json.dumps(gt))
        coco.createIndex()
        dt = coco.loadRes(json.loads(json.dumps(results)))
        e = COCOeval(coco, dt, "segm")
        e.evaluate()
        e.accumulate()
        e.summarize()
    return e


def write_case(folder: Path, gt: dict[str, Any], results: list[dict[str, Any]]) -> tuple[Path, Path]:
    gt_file, dt_file = folder / "gt.json", folder / "results.json"
    gt_file.write_text(json.dumps(gt))
    dt_file.write_text(json.dumps(results))
    return gt_file, dt_file
