"""Random LVIS (federated) cases for the parity tests against lvis-api 0.5.3, and the oracle.

Each case aims at LVIS' rules: detections of categories neither present nor verified absent on
an image (dropped), of verified-absent categories (false positives), unmatched detections of
not-exhaustively-annotated categories (ignored), images with more than 300 results (LVISResults
keeps the 300 best, over all categories, ties in file order), results of a category the ground
truth does not list (they take a place among the 300), crowd regions (ordinary objects to LVIS),
annotation id 0 (a match to it counts as a false positive, as in pycocotools), areas exactly
32**2 and 96**2 and 0 (ground truth and results of area 0 are not evaluated), tied scores, and every frequency group empty in some cases."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
from mask_cases import _blob, _polygons, _rle
from pycocotools import mask as mask_utils


def _score(rng: np.random.Generator) -> float:
    # Coarse scores half of the time: ties within an image and across images.
    return float(round(rng.random(), 1) if rng.random() < 0.5 else rng.random())


def make_lvis_case(seed: int, segm: bool = False) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rng = np.random.default_rng(seed)
    n_cats = int(rng.integers(1, 9))
    cat_ids = sorted(int(c) for c in rng.choice(np.arange(1, 40), n_cats, replace=False))
    freqs = "rcf" if rng.random() < 0.7 else str(rng.choice(["r", "c", "f", "rc", "cf"]))
    categories = [{"id": c, "name": f"c{c}", "frequency": str(rng.choice(list(freqs))),
                   "synset": f"c{c}.n.01", "image_count": int(rng.integers(1, 500)),
                   "instance_count": int(rng.integers(1, 900))} for c in cat_ids]
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    ann_id = 0 if rng.random() < 0.1 else 1  # sometimes an annotation with id 0
    with_box = rng.random() < 0.5  # segm: results with a box (area w*h) or RLE only (mask area)
    for i in range(int(rng.integers(1, 13))):
        image_id = i + 1 if rng.random() < 0.8 else int(rng.integers(100, 10_000))
        if any(im["id"] == image_id for im in images):
            image_id = 20_000 + i
        h, w = (int(rng.integers(12, 90)), int(rng.integers(12, 90))) if segm else (480, 640)
        present = [c for c in cat_ids if rng.random() < 0.4]
        absent = [c for c in cat_ids if c not in present]
        neg = [c for c in absent if rng.random() < 0.5]
        if present and rng.random() < 0.05:
            neg.append(present[0])  # contradictory, but lvis-api takes it: present wins
        not_exhaustive = [c for c in present if rng.random() < 0.35]
        if absent and rng.random() < 0.1:
            not_exhaustive.append(absent[-1])
        images.append({"id": image_id, "file_name": f"{image_id}.jpg", "height": h, "width": w,
                       "neg_category_ids": neg, "not_exhaustive_category_ids": not_exhaustive})
        objects: list[tuple[int, list[float], Any]] = []
        for c in present:
            for _ in range(int(rng.integers(1, 5))):
                ann: dict[str, Any] = {"id": ann_id, "image_id": image_id, "category_id": c}
                ann_id += 1
                if segm:
                    m = _blob(rng, h, w)
                    if rng.random() < 0.5:
                        seg: Any = _polygons(rng, h, w)
                        m = mask_utils.decode(mask_utils.merge(mask_utils.frPyObjects(seg, h, w)))
                    else:
                        seg = _rle(m, compressed=bool(rng.random() < 0.5))
                    box = [float(v) for v in mask_utils.toBbox(mask_utils.encode(np.asfortranarray(m)))]
                    ann.update(segmentation=seg, bbox=box, area=float(m.sum()))
                    objects.append((c, box, m))
                else:
                    bw, bh = float(rng.uniform(2, 200)), float(rng.uniform(2, 150))
                    box = [float(rng.uniform(0, 600)), float(rng.uniform(0, 400)), bw, bh]
                    area = bw * bh
                    r = rng.random()
                    if r < 0.04:
                        area = 0.0  # lvis-api's get_ann_ids leaves it out (area > 0 only)
                    elif r < 0.1:
                        area = float(rng.choice([32.0 ** 2, 96.0 ** 2]))
                    elif r < 0.3:
                        area *= float(rng.uniform(0.4, 1.2))
                    ann.update(bbox=box, area=area)
                    objects.append((c, box, None))
                if rng.random() < 0.08:
                    ann["iscrowd"] = 1
                annotations.append(ann)
        # Detections: near the objects (their own category mostly), and anywhere.
        dets: list[tuple[int, list[float], Any]] = []
        for c, box, m in objects:
            for _ in range(int(rng.integers(0, 3))):
                cat = c if rng.random() < 0.8 else int(rng.choice(cat_ids))
                if segm:
                    mm = np.roll(m, (int(rng.integers(-2, 3)), int(rng.integers(-2, 3))), (0, 1))
                    dets.append((cat, [], mm))
                else:
                    j = rng.normal(0, 0.08, 4) * np.array([box[2], box[3], box[2], box[3]])
                    dets.append((cat, [box[0] + j[0], box[1] + j[1], max(0.5, box[2] + j[2]),
                                       max(0.5, box[3] + j[3])], None))
        n_random = int(rng.integers(0, 8))
        if not segm and rng.random() < 0.15:
            n_random = int(rng.integers(290, 340))  # past LVISResults' 300 per image
        for _ in range(n_random):
            cat = int(rng.choice(cat_ids)) if rng.random() < 0.95 else 999  # 999: not a category
            if segm:
                dets.append((cat, [], _blob(rng, h, w)))
            else:
                dets.append((cat, [float(rng.uniform(0, 600)), float(rng.uniform(0, 400)),
                                   float(rng.uniform(1, 120)), float(rng.uniform(1, 120))], None))
        for cat, box, m in dets:
            rec: dict[str, Any] = {"image_id": image_id, "category_id": cat, "score": _score(rng)}
            if segm:
                rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
                rec["segmentation"] = {"size": [int(v) for v in rle["size"]],
                                       "counts": rle["counts"].decode("ascii")}
                if with_box:
                    rec["bbox"] = [float(v) for v in mask_utils.toBbox(rle)]
            else:
                rec["bbox"] = [float(v) for v in box]
                if rng.random() < 0.03:
                    rec["bbox"][2] = 0.0  # area 0: left out like the ground truth's
            results.append(rec)
    order = rng.permutation(len(results))
    results = [results[int(n)] for n in order]
    if not results:
        results.append({"image_id": images[0]["id"], "category_id": cat_ids[0], "score": 0.5,
                        "bbox": [1.0, 1.0, 5.0, 5.0]})
        if segm:
            m = np.zeros((images[0]["height"], images[0]["width"]), np.uint8)
            m[1:6, 1:6] = 1
            rle = mask_utils.encode(np.asfortranarray(m))
            results[0]["segmentation"] = {"size": [int(v) for v in rle["size"]],
                                          "counts": rle["counts"].decode("ascii")}
            if not with_box:
                del results[0]["bbox"]
    return {"images": images, "categories": categories, "annotations": annotations}, results


def write_lvis_case(folder: Path, gt: dict[str, Any], results: list[dict[str, Any]]) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    gt_file, dt_file = folder / "lvis_gt.json", folder / "lvis_dt.json"
    gt_file.write_text(json.dumps(gt))
    dt_file.write_text(json.dumps(results))
    return gt_file, dt_file


def lvis_oracle(gt_file: Path, dt_file: Path, iou_type: str = "bbox") -> dict[str, Any]:
    """lvis-api 0.5.3 on the files: its 13 results and each category's AP (the mean of
    eval['precision'][:, :, k, 0] over the cells > -1, as detectron2 reads it), by category id."""
    if not hasattr(np, "float"):
        np.float = float  # type: ignore[attr-defined]  # lvis-api 0.5.3 predates NumPy 1.24
    from lvis import LVIS, LVISEval

    logging.getLogger("lvis").setLevel(logging.ERROR)
    with contextlib.redirect_stdout(io.StringIO()):
        ev = LVISEval(LVIS(str(gt_file)), str(dt_file), iou_type)
        ev.run()
    precision = ev.eval["precision"]
    per_class = {}
    for k, cat in enumerate(ev.params.cat_ids):
        p = precision[:, :, k, 0]
        per_class[int(cat)] = float(np.mean(p[p > -1])) if (p > -1).any() else -1.0
    return {"results": {k: float(v) for k, v in ev.results.items()}, "per_class": per_class}
