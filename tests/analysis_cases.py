"""Cases and oracles for tests/test_analyses.py: seeded random COCO ground truth and results,
the demo's ground truth with detections made by perturbing it, and independent references for
each analysis of metrics.json (tidecv for TIDE, pycocotools' evalImgs for thresholds and the
per-image counts, a direct Python reading of the documented rules for the confusion matrix)."""

from __future__ import annotations

import contextlib
import io
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MAX_DETS = 100  # per image, over all classes (cpp/core/eval/analysis/image_boxes)
GRID = [i / 100 for i in range(101)]
TIE_SCORES = [0.3, 0.5, 0.7, 0.9]


@dataclass
class Case:
    gt: dict[str, Any]
    results: list[dict[str, Any]]

    def write(self, folder: Path) -> tuple[Path, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        gt_file, dt_file = folder / "gt.json", folder / "dt.json"
        gt_file.write_text(json.dumps(self.gt))
        dt_file.write_text(json.dumps(self.results))
        return gt_file, dt_file


def polygon(box: list[float]) -> list[list[float]]:
    """A box as the one polygon tidecv needs (it reads a segmentation from every annotation)."""
    x, y, w, h = box
    return [[x, y, x + w, y, x + w, y + h, x, y + h]]


def random_case(seed: int) -> Case:
    """A few images and classes: shifted, wrong-class, duplicate and background detections,
    crowd regions, images without ground truth or without detections, tied scores, and now and
    then an image with more than 100 detections. Coordinates are random doubles, so two IoUs are
    never exactly equal (pycocotools and we break such ties differently)."""
    rng = random.Random(seed)
    n_images, n_cats = rng.randint(1, 8), rng.randint(1, 4)
    images = [{"id": i + 1, "file_name": f"{i}.jpg", "width": 200, "height": 200}
              for i in range(n_images)]
    cats = [{"id": c + 1, "name": f"c{c}"} for c in range(n_cats)]
    anns: list[dict[str, Any]] = []
    dets: list[dict[str, Any]] = []
    ties = rng.random() < 0.5

    def score() -> float:
        return rng.choice(TIE_SCORES) if ties and rng.random() < 0.4 else rng.random()

    for im in images:
        n_gt = 0 if rng.random() < 0.15 else rng.randint(1, 6)
        no_dets = rng.random() < 0.1
        for _ in range(n_gt):
            x, y = rng.uniform(0, 150), rng.uniform(0, 150)
            w, h = rng.uniform(5, 50), rng.uniform(5, 50)
            c = rng.randint(1, n_cats)
            crowd = int(rng.random() < 0.1)
            anns.append({"id": len(anns) + 1, "image_id": im["id"], "category_id": c,
                         "bbox": [x, y, w, h], "area": w * h, "iscrowd": crowd,
                         "segmentation": polygon([x, y, w, h])})
            if no_dets:
                continue
            for _ in range(rng.randint(0, 3)):  # 0: missed; 2 or 3: duplicates
                far = rng.random() < 0.2
                s = 1.0 if far else 0.3
                dx, dy = rng.uniform(-s, s) * w, rng.uniform(-s, s) * h
                dc = c if rng.random() < 0.8 else rng.randint(1, n_cats)
                dets.append({"image_id": im["id"], "category_id": dc, "score": score(),
                             "bbox": [x + dx, y + dy, w * rng.uniform(0.7, 1.3),
                                      h * rng.uniform(0.7, 1.3)]})
        if no_dets:
            continue
        n_bkg = rng.randint(0, 2)
        if rng.random() < 0.04:
            n_bkg = rng.randint(101, 130)  # past the 100 kept per image
        for _ in range(n_bkg):
            dets.append({"image_id": im["id"], "category_id": rng.randint(1, n_cats),
                         "score": score(),
                         "bbox": [rng.uniform(0, 150), rng.uniform(0, 150), rng.uniform(5, 40),
                                  rng.uniform(5, 40)]})
    return Case({"images": images, "categories": cats, "annotations": anns}, dets)


def demo_case(gt_file: Path, seed: int = 0) -> Case:
    """The demo's ground truth (polygons added) with detections of a mediocre detector made by
    perturbing it deterministically: well and badly placed boxes, wrong classes, duplicates,
    background boxes and missed objects."""
    gt = json.loads(gt_file.read_text())
    rng = np.random.default_rng(seed)
    cat_ids = [c["id"] for c in gt["categories"]]
    sizes = {im["id"]: (im["width"], im["height"]) for im in gt["images"]}
    dets: list[dict[str, Any]] = []
    for ann in gt["annotations"]:
        ann["segmentation"] = polygon(ann["bbox"])
        x, y, w, h = ann["bbox"]
        kind = rng.random()
        if kind < 0.1:
            continue  # missed
        c = ann["category_id"]
        spread = 0.05 if kind < 0.7 else 0.35  # good or poorly localised
        if rng.random() < 0.08:
            c = int(rng.choice([k for k in cat_ids if k != c] or cat_ids))
        for _ in range(2 if rng.random() < 0.1 else 1):  # duplicates
            dx, dy = rng.normal(0, spread, 2) * [w, h]
            sw, sh = np.exp(rng.normal(0, spread, 2))
            dets.append({"image_id": ann["image_id"], "category_id": c,
                         "bbox": [float(x + dx), float(y + dy), float(w * sw), float(h * sh)],
                         "score": float(np.round(rng.beta(5, 2), 3))})  # ties too
    for im_id, (iw, ih) in sizes.items():
        for _ in range(int(rng.poisson(1.0))):  # background
            w, h = rng.uniform(10, 60, 2)
            dets.append({"image_id": im_id, "category_id": int(rng.choice(cat_ids)),
                         "bbox": [float(rng.uniform(0, iw - w)), float(rng.uniform(0, ih - h)),
                                  float(w), float(h)],
                         "score": float(np.round(rng.beta(2, 5), 3))})
    return Case(gt, dets)


def kept(case: Case) -> list[dict[str, Any]]:
    """The detections the analyses consider: per image the 100 with the highest scores (a
    stable sort, so file order among equal scores), in file order."""
    by_image: dict[int, list[int]] = {}
    for i, d in enumerate(case.results):
        by_image.setdefault(d["image_id"], []).append(i)
    keep: set[int] = set()
    for idx in by_image.values():
        keep.update(sorted(idx, key=lambda i: -case.results[i]["score"])[:MAX_DETS])
    return [d for i, d in enumerate(case.results) if i in keep]


# --- TIDE: tidecv 1.0.1 ---------------------------------------------------------------------

def tidecv_reference(gt_file: Path, dt_file: Path) -> dict[str, Any] | None:
    """tidecv's numbers in metrics.json's layout; None where tidecv divides by zero (no class
    with ground truth or detections)."""
    import tidecv
    from tidecv import datasets

    tide = tidecv.TIDE()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            tide.evaluate(datasets.COCO(str(gt_file)), datasets.COCOResult(str(dt_file)),
                          mode=tidecv.TIDE.BOX)
            main = tide.get_main_errors()
            special = tide.get_special_errors()
    except ZeroDivisionError:
        return None
    name = next(iter(main))
    run = tide.runs[name]
    return {"main": main[name], "special": special[name], "ap50": run.ap,
            "counts": {k.short_name: v for k, v in run.count_errors().items()}}


def tide_difference(ours: dict[str, Any], ref: dict[str, Any]) -> float:
    diffs = [abs(ours["ap50"] - ref["ap50"])]
    diffs += [abs(ours["main"][k] - v) for k, v in ref["main"].items()]
    diffs += [abs(ours["special"][k] - v) for k, v in ref["special"].items()]
    assert set(ours["main"]) == set(ref["main"]) and set(ours["special"]) == set(ref["special"])
    return max(diffs)


# --- pycocotools' per-image matching -------------------------------------------------------

@dataclass
class Matched:
    """Detections pycocotools does not ignore, and non-ignored ground truth counts."""
    image_id: list[int]
    category_id: list[int]
    score: list[float]
    tp: list[bool]
    gt: dict[tuple[int, int], int]  # (image, category) -> non-crowd ground truth


def pycocotools_matches(case: Case, iou: float) -> Matched:
    """COCOeval.evaluate at one IoU threshold, area "all", maxDets 100, on the detections the
    analyses keep; its evalImgs give each detection's outcome (dtMatches, dtIgnore)."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    out = Matched([], [], [], [], {})
    dts = kept(case)
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = json.loads(json.dumps(case.gt))
        gt.createIndex()
        if not dts:
            return out
        ev = COCOeval(gt, gt.loadRes(dts), "bbox")
        ev.params.iouThrs = np.array([iou])
        ev.params.areaRng = [[0, 1e10]]
        ev.params.areaRngLbl = ["all"]
        ev.params.maxDets = [MAX_DETS]
        ev.evaluate()
    for e in ev.evalImgs:
        if e is None:
            continue
        ignored = e["dtIgnore"][0].astype(bool)
        matched = e["dtMatches"][0] > 0
        for s, m, ig in zip(e["dtScores"], matched, ignored):
            if not ig:
                out.image_id.append(e["image_id"])
                out.category_id.append(e["category_id"])
                out.score.append(float(s))
                out.tp.append(bool(m))
        out.gt[(e["image_id"], e["category_id"])] = int((~e["gtIgnore"].astype(bool)).sum())
    return out


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def curve(scores: list[float], tps: list[bool], n_gt: int) -> dict[str, Any]:
    """Raw precision, recall and F1 at each grid cut, and the best F1 over the distinct scores
    (the highest score among equal F1s)."""
    s, t = np.array(scores, dtype=float), np.array(tps, dtype=bool)
    out: dict[str, Any] = {"gt": n_gt, "detections": len(scores), "precision": [],
                           "recall": [], "f1": []}
    for g in GRID:
        keep = s >= g
        n, tp = int(keep.sum()), int(t[keep].sum())
        p = tp / n if n else None
        r = tp / n_gt if n_gt else None
        out["precision"].append(p)
        out["recall"].append(r)
        out["f1"].append(f1(p, r) if p is not None and r is not None else None)
    best = None
    if n_gt:
        for cut in sorted(set(scores), reverse=True):
            keep = s >= cut
            n, tp = int(keep.sum()), int(t[keep].sum())
            p, r = tp / n, tp / n_gt
            if best is None or f1(p, r) > best["f1"]:
                best = {"score": cut, "precision": p, "recall": r, "f1": f1(p, r)}
    out["best"] = best
    return out


def thresholds_reference(case: Case, iou: float) -> dict[str, Any]:
    m = pycocotools_matches(case, iou)
    cats = sorted(case.gt["categories"], key=lambda c: c["id"])
    classes = []
    for c in cats:
        sel = [i for i, k in enumerate(m.category_id) if k == c["id"]]
        n_gt = sum(v for (_, k), v in m.gt.items() if k == c["id"])
        classes.append({"category_id": c["id"], "name": c["name"],
                        **curve([m.score[i] for i in sel], [m.tp[i] for i in sel], n_gt)})
    overall = curve(m.score, m.tp, sum(m.gt.values()))
    return {"iou": iou, "score_grid": GRID, "overall": overall, "classes": classes}


def per_image_reference(case: Case, iou: float, cut: float) -> dict[int, tuple[int, int, int]]:
    """(tp, fp, fn) per image at a score cut: pycocotools matches detections in descending score
    order, so those under the cut never change what those above it take."""
    m = pycocotools_matches(case, iou)
    out = {im["id"]: [0, 0, 0] for im in case.gt["images"]}
    for (im, _), n in m.gt.items():
        out[im][2] += n
    for im, s, tp in zip(m.image_id, m.score, m.tp):
        if s >= cut:
            out[im][0 if tp else 1] += 1
            out[im][2] -= 1 if tp else 0
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


# --- the confusion matrix, read off the rules in docs/metrics.md ---------------------------

def confusion_reference(case: Case, iou: float, cut: float) -> list[list[int]]:
    """Per image, detections at or above the cut by descending score each take one free
    non-crowd ground truth with IoU >= iou: their own class first, else any class (the highest
    IoU); unmatched ones go to the background row unless a crowd region of their class covers
    them (IoU >= iou, COCO's crowd IoU); ground truth left over goes to the background column.
    IoUs from pycocotools' maskApi."""
    from pycocotools import mask as mask_utils

    cats = sorted(c["id"] for c in case.gt["categories"])
    index = {c: k for k, c in enumerate(cats)}
    bg = len(cats)
    counts = [[0] * (bg + 1) for _ in range(bg + 1)]
    dts = kept(case)
    for im in case.gt["images"]:
        gts = [a for a in case.gt["annotations"] if a["image_id"] == im["id"]]
        mine = sorted((d for d in dts if d["image_id"] == im["id"]), key=lambda d: -d["score"])
        mine = [d for d in mine if d["score"] >= cut and d["category_id"] in index]
        taken = [False] * len(gts)
        ious = (mask_utils.iou([d["bbox"] for d in mine], [a["bbox"] for a in gts],
                               [a["iscrowd"] for a in gts]) if mine and gts else None)
        for i, d in enumerate(mine):
            cands = [(ious[i][g], g) for g, a in enumerate(gts)
                     if not a["iscrowd"] and not taken[g] and a["category_id"] in index
                     and ious[i][g] >= iou]
            own = [(v, g) for v, g in cands if gts[g]["category_id"] == d["category_id"]]
            pick = max(own or cands, default=None, key=lambda vg: (vg[0], -vg[1]))
            if pick is not None:
                taken[pick[1]] = True
                counts[index[gts[pick[1]]["category_id"]]][index[d["category_id"]]] += 1
            elif not any(a["iscrowd"] and a["category_id"] == d["category_id"]
                         and ious[i][g] >= iou for g, a in enumerate(gts)):
                counts[bg][index[d["category_id"]]] += 1
        for g, a in enumerate(gts):
            if not taken[g] and not a["iscrowd"] and a["category_id"] in index:
                counts[index[a["category_id"]]][bg] += 1
    return counts
